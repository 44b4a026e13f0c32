"""The message keys: the code, English, the ``qqq`` documentation and the translations
name the same keys (translatewiki's rules: every message documented, no orphans)."""

from __future__ import annotations

import json

import pytest

from leadership_bot.core.messages import I18N_DIR, languages
from leadership_bot.core.notices import SUMMARY_KEY, title_key
from leadership_bot.core.settings import Notify


def keys(lang: str) -> set[str]:
    data = json.loads((I18N_DIR / f'{lang}.json').read_text(encoding='utf-8'))
    return {key for key in data if not key.startswith('@')}


def test_the_code_uses_exactly_the_english_keys() -> None:
    used = {SUMMARY_KEY} | {title_key(event) for event in Notify.events}
    assert keys('en') == used


def test_every_message_is_documented_in_qqq() -> None:
    assert keys('qqq') == keys('en')


@pytest.mark.parametrize('lang', [lang for lang in languages() if lang != 'en'])
def test_translations_have_no_keys_english_lacks(lang: str) -> None:
    assert keys(lang) <= keys('en')
    assert keys(lang), f'{lang}.json translates nothing'
