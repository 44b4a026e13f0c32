"""MediaWiki's and the template's normalization rules for values volunteers type."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# MediaWiki strips these from titles (Title::newFromText / MediaWikiTitleCodec):
# left-to-right and right-to-left marks and the bidi embedding controls.
_BIDI = re.compile('[\u200e\u200f\u202a-\u202e\u2066-\u2069]')
# Characters never allowed in a title (MediaWiki's $wgLegalTitleChars complement).
_ILLEGAL_TITLE = re.compile(r'[#<>\[\]|{}\x00-\x1f\x7f]')


def normalize_code(value: str) -> str:
    """Normalize an enumerated value: case-insensitive; space, ``_`` and ``-`` are the same."""
    return '-'.join(value.strip().lower().replace('_', ' ').replace('-', ' ').split())


_FIRST_LETTER_RULE: list[Callable[[str], str]] = []  # the wiki's own, once the wiki layer knows


def use_first_letter_rule(rule: Callable[[str], str] | None) -> None:
    """Follow ``rule`` for the first letter of titles and user names from now on.

    Wikimedia wikis override PHP's upper case for some 700 letters (Georgian, Cherokee,
    ǆ → ǅ …; ``$wgOverrideUcfirstCharacters``): the wiki layer hands pywikibot's
    ``tools.first_upper``, which knows that table, when it connects to one. ``None``
    goes back to a stock MediaWiki's rule.
    """
    _FIRST_LETTER_RULE[:] = [rule] if rule else []


def first_upper(text: str) -> str:
    """MediaWiki's first-letter rule (``$wgCapitalLinks``): the first character upper case.

    A stock MediaWiki takes PHP's ``mb_strtoupper``, which agrees with Python's (also
    ß -> SS, as the local wiki's API normalizes ``ßa`` to ``SSa``); a Wikimedia wiki has
    its own table (see :func:`use_first_letter_rule`).
    """
    if _FIRST_LETTER_RULE:
        return _FIRST_LETTER_RULE[0](text)
    return text[:1].upper() + text[1:]


def normalize_username(value: str) -> str | None:
    """Return the user name as MediaWiki stores it, or ``None`` if it cannot be one.

    Like MediaWiki: underscores are spaces, runs of white space collapse, bidi marks
    are dropped, the first letter is upper case (``$wgCapitalLinks``), and names with
    characters illegal in titles, a ``/`` or a namespace-like ``:`` are invalid.
    """
    name = unicodedata.normalize('NFC', _BIDI.sub('', value))
    name = ' '.join(name.replace('_', ' ').split())
    if not name or _ILLEGAL_TITLE.search(name) or '/' in name or ':' in name:
        return None
    name = first_upper(name)
    # The limit applies to the stored name: upper case can be longer (ɐ -> Ɐ).
    return name if len(name.encode('utf-8')) <= 255 else None


def normalize_language(value: str) -> str:
    """Normalize a language code as MediaWiki spells them: lower case, ``-`` separated."""
    return value.strip().lower().replace('_', '-')


def split_list(value: str) -> list[str]:
    """Split a comma-separated field, dropping empty items."""
    return [item.strip() for item in value.split(',') if item.strip()]
