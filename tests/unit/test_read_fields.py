"""read_fields: page text -> the request fields MediaWiki renders, as data cases.

The cases are in cases/read_fields.yaml; one test function runs them all, and
test_read_fields_mediawiki.py renders the same cases with MediaWiki's own parser.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from devwiki.seeding import render_request
from leadership_bot.core.model import FIELDS
from leadership_bot.core.parsing import FieldRead, read_fields

TEMPLATE = 'Leadership request'
CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / 'cases' / 'read_fields.yaml').read_text(encoding='utf-8'))


def expected(case: dict[str, Any]) -> FieldRead:
    """The FieldRead a case expects."""
    return FieldRead(values=case.get('values', {}), found=case.get('found', 0),
                     lenient=case.get('lenient', False), unknown=tuple(case.get('unknown', ())),
                     nested=case.get('nested', False))


def test_case_names_are_unique():
    names = [case['name'] for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize('case', CASES, ids=[case['name'] for case in CASES])
def test_read_fields(case: dict[str, Any]) -> None:
    words = case.get('redirect_words', ['#REDIRECT'])
    assert read_fields(case['text'], TEMPLATE, words) == expected(case)


@pytest.mark.parametrize('text', [
    '{{' * 50_000, '{{Leadership request' * 5_000, '{{a|' * 20_000 + '}}' * 20_000,
    '{{Leadership request|' + '{{x|' * 20_000, '<' * 100_000, '<!--' * 20_000,
    '[[' * 50_000, '-{' * 50_000, '<nowiki>' * 20_000, '\n=' * 50_000,
    '{{Leadership request|' + '[[' * 20_000 + '\n| user = A' * 1_000,
])
def test_pathological_text_is_read_quickly(text: str) -> None:
    """No recursion, no quadratic blow-up: well under a second for 100 kB."""
    start = time.perf_counter()
    read_fields(text, TEMPLATE)
    assert time.perf_counter() - start < 3


def test_a_typical_page_is_cheap():
    """Every revision of every request page is read: a 4 kB page takes about a
    millisecond (2,000 pages well within 20 s even on a loaded machine)."""
    text = render_request({name: 'some value' for name in ('user', 'type', 'program',
                                                           'region', 'goals', 'skills')})
    text += '\n' + 'Prose with a [[link]], a {{tl|x}} and a <!-- comment -->.\n' * 60
    start = time.perf_counter()
    for _ in range(2_000):
        read = read_fields(text, TEMPLATE)
    assert read.found == 1
    assert time.perf_counter() - start < 20


# -- properties -------------------------------------------------------------------------------

MARKUP = ['{{', '}}', '{{{', '}}}', '|', '=', '[[', ']]', '<!--', '-->', '\n', ' ', '}', '{',
          '<nowiki>', '</nowiki>', '<pre>', '</pre>', '<ref>', '</ref>', '<includeonly>',
          '</includeonly>', '<noinclude>', '<onlyinclude>', '-{', '}-', '{|', '|}', '\n==',
          '{{Leadership request', '{{leadership_request', '{{Template:Leadership request',
          '{{#if:', '{{subst:', '{{lc:USER}}', '{{{|user}}}', '#REDIRECT [[X]]', '&#32;',
          '| user = ', '| username = ', '| status = ', 'approved', 'Amina', '\u200e']
PAGE_TEXT = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=4)),
                     max_size=60).map(''.join)
EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@EXAMPLES
@given(PAGE_TEXT)
def test_any_text_is_read_without_raising(text: str) -> None:
    read = read_fields(text, TEMPLATE)
    assert set(read.values) <= set(FIELDS)
    assert all(value and value == value.strip() for value in read.values.values())
    assert not (read.lenient and read.found)


VALUE = st.text(st.characters(codec='utf-8', exclude_characters='{}[]|=<>&\n\r~'
                              ).filter(lambda c: unicodedata.category(c) not in ('Cf', 'Cs')),
                min_size=1, max_size=12).map(str.strip).filter(bool)


@EXAMPLES
@given(st.dictionaries(st.sampled_from(FIELDS), VALUE, max_size=len(FIELDS)),
       st.sampled_from(['Leadership request', 'leadership_request', 'Template:Leadership request']),
       st.booleans())
def test_a_rendered_request_reads_back(params: dict[str, str], name: str, closed: bool) -> None:
    """What the seeding renders reads back as written; unclosed too, leniently."""
    text = render_request(params, name)
    read = read_fields(text if closed else text.removesuffix('}}'), TEMPLATE)
    assert read == FieldRead(values=params, found=1 if closed else 0, lenient=not closed)
