"""Translatable messages (``leadership_bot/i18n/*.json``, translatewiki format with ``qqq`` docs).

Pure: lookup with fallback to English, ``$1``-style parameters and ``{{PLURAL:…}}``
resolved here, so a heading or summary carries no markup. Which plural form a number
takes is a language's rule, given as :data:`Plural` (the wiki layer supplies the bot
framework's rules: :func:`leadership_bot.wiki.notify.plural`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path

I18N_DIR = Path(__file__).resolve().parent.parent / 'i18n'
FALLBACK = 'en'
_PLURAL = re.compile(r'\{\{PLURAL:\s*([^|}]*)\|([^}]*)\}\}')

Plural = Callable[[str, int], int]
"""A plural rule: (language code, number) -> index of the form to use, 0 first."""


@functools.cache
def _catalog(lang: str) -> dict[str, str]:
    path = I18N_DIR / f'{lang}.json'
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding='utf-8'))
    return {k: v for k, v in data.items() if not k.startswith('@')}


def catalog(lang: str) -> dict[str, str]:
    """Every message of ``lang``'s file (key -> text); empty for a language without one."""
    return dict(_catalog(lang))


def languages() -> list[str]:
    """Languages with a message file (``qqq`` is documentation, not a language)."""
    return sorted(p.stem for p in I18N_DIR.glob('*.json') if p.stem != 'qqq')


def message(key: str, lang: str | None, *params: object, plural: Plural) -> str:
    """The message in ``lang`` (else English) with ``$1``… and PLURAL filled in, the
    plural forms chosen by ``plural`` for the language the text is in."""
    chosen = lang if lang and key in _catalog(lang) else FALLBACK
    return fill(_catalog(chosen)[key], chosen, params, plural)


def fill(text: str, lang: str, params: tuple[object, ...] | list[object],
         plural: Plural) -> str:
    """``text`` (a message in ``lang``) with ``$1``… replaced by ``params`` and each
    ``{{PLURAL:n|form0|form1|…}}`` by the form ``plural`` picks for ``n``; a form the
    text does not give is its last one, and so is the form of a value that is not a
    whole number."""
    for index, value in enumerate(params, 1):
        text = text.replace(f'${index}', str(value))
    return _PLURAL.sub(lambda m: _form(m.group(1), m.group(2).split('|'), lang, plural),
                       text)


def _form(number: str, forms: list[str], lang: str, plural: Plural) -> str:
    try:
        n = int(number.strip())
    except ValueError:
        return forms[-1]
    index = int(plural(lang, n))
    return forms[index] if 0 <= index < len(forms) else forms[-1]
