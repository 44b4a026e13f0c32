"""MediaWiki's first-letter rule: one home, and pywikibot's table on Wikimedia wikis."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from leadership_bot.core.normalize import first_upper, normalize_username, use_first_letter_rule
from leadership_bot.core.parsing import template_key
from leadership_bot.core.preprocessor import page_key

# (text, a stock MediaWiki 1.39 on PHP 8, a Wikimedia wiki)
CASES = [
    ('alice', 'Alice', 'Alice'),
    ('ßa', 'SSa', 'ßa'),  # as the local wiki's API normalizes it
    ('ǆemal', 'Ǆemal', 'ǅemal'),  # Wikimedia: title case
    ('ალექსი', 'Ალექსი', 'ალექსი'),  # Georgian stays lower case on Wikimedia wikis
    ('ɐbc', 'Ɐbc', 'ɐbc'),
    ('ωmega', 'Ωmega', 'Ωmega'),
    ('', '', ''),
]


@pytest.fixture
def wikimedia_rule() -> Iterator[None]:
    """pywikibot's ``tools.first_upper``, asked in a child process (importing pywikibot
    reads its configuration), replayed from its answers."""
    texts = [c[0] for c in CASES]
    script = ('import json, sys\nfrom pywikibot.tools import first_upper\n'
              'print(json.dumps([first_upper(t) for t in json.loads(sys.argv[1])]))')
    result = subprocess.run([sys.executable, '-c', script, json.dumps(texts)],
                            capture_output=True, text=True, check=True, timeout=120,
                            env={**os.environ, 'PYWIKIBOT_NO_USER_CONFIG': '2'})
    answers = dict(zip(texts, json.loads(result.stdout), strict=True))
    use_first_letter_rule(answers.__getitem__)
    yield
    use_first_letter_rule(None)


@pytest.mark.parametrize(('text', 'stock', 'wikimedia'), CASES)
def test_a_stock_wiki_takes_php_upper_case(text: str, stock: str, wikimedia: str) -> None:
    assert first_upper(text) == stock


@pytest.mark.parametrize(('text', 'stock', 'wikimedia'), CASES)
def test_a_wikimedia_wiki_takes_pywikibots_table(wikimedia_rule: None, text: str, stock: str,
                                                 wikimedia: str) -> None:
    assert first_upper(text) == wikimedia


def test_user_names_and_template_names_follow_the_same_rule(wikimedia_rule: None) -> None:
    assert normalize_username('ალექსი') == 'ალექსი'
    assert template_key('Template:ǆemal') == 'ǅemal'
    assert page_key('ǆemal') == 'ǅemal'


def test_the_stock_rule_is_back_after_a_wikimedia_wiki() -> None:
    assert normalize_username('ალექსი') == 'Ალექსი'
    assert template_key('template:ǆemal') == 'Ǆemal'
