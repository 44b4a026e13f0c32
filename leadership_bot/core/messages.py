"""Translatable messages (``leadership_bot/i18n/*.json``, translatewiki format with ``qqq`` docs).

Pure: lookup with fallback to English, ``$1``-style parameters and ``{{PLURAL:…}}``
resolved here, so a heading or summary carries no markup.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

I18N_DIR = Path(__file__).resolve().parent.parent / 'i18n'
FALLBACK = 'en'
_PLURAL = re.compile(r'\{\{PLURAL:\s*([^|}]*)\|([^}]*)\}\}')
# Languages whose singular also covers 0 (CLDR "one" for 0 and 1).
_ZERO_IS_SINGULAR = frozenset({'fr', 'pt', 'hi', 'bn'})


@functools.cache
def _catalog(lang: str) -> dict[str, str]:
    path = I18N_DIR / f'{lang}.json'
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding='utf-8'))
    return {k: v for k, v in data.items() if not k.startswith('@')}


def languages() -> list[str]:
    """Languages with a message file (``qqq`` is documentation, not a language)."""
    return sorted(p.stem for p in I18N_DIR.glob('*.json') if p.stem != 'qqq')


def message(key: str, lang: str | None, *params: object) -> str:
    """The message in ``lang`` (else English) with ``$1``… and PLURAL filled in."""
    chosen = lang if lang and key in _catalog(lang) else FALLBACK
    text = _catalog(chosen)[key]
    for index, value in enumerate(params, 1):
        text = text.replace(f'${index}', str(value))
    return _PLURAL.sub(lambda m: _plural(m.group(1), m.group(2), chosen), text)


def _plural(number: str, forms: str, lang: str) -> str:
    choices = forms.split('|')
    try:
        n = float(number.strip())
    except ValueError:
        return choices[-1]
    singular = n in (0, 1) if lang in _ZERO_IS_SINGULAR else n == 1
    return choices[0] if singular or len(choices) == 1 else choices[1]
