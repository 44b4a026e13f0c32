"""Parsing and validation of request pages: cases as data, one test function each."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from bots.model import FIELDS, RequestPage
from bots.parsing import ALIASES, Vocabulary, parse_request, read_status
from bots.settings import Settings

SETTINGS = Settings()
VOCABULARY = Vocabulary(types=frozenset(SETTINGS.vocabulary.types),
                        regions=frozenset(SETTINGS.vocabulary.regions),
                        areas=frozenset(SETTINGS.vocabulary.areas),
                        languages=frozenset({'en', 'fr', 'es', 'pt-br', 'ar', 'sw'}))
TEMPLATE = SETTINGS.pages.request_template
VALID = ('{{Leadership request\n| user = Ngozi Okafor\n| type = attend\n'
         '| program = GLAM bootcamp\n| region = ssa\n')


def parse(text: str):
    page = RequestPage(title='Leadership network/Requests/X', page_id=7, revid=70, text=text,
                       contributors=frozenset())
    return parse_request(page, TEMPLATE, VOCABULARY)


def codes(text: str) -> list[str]:
    return sorted(p.code for p in parse(text)[1])


def test_complete_request_reads_every_field():
    request, problems = parse(
        VALID + '| program_url = https://example.org/x\n| start = 2026-03-02\n'
        '| end = 2026-03-06\n| location = Dakar\n| amount = 850.50\n| currency = usd\n'
        '| languages = EN, fr,, pt_BR\n| areas = GLAM, Open Data, open_data\n'
        '| skills = Training\n| goals = Build a network\n| directory = Yes\n'
        '| mentor = no\n| notices = NO\n| lang = fr\n| status = Under review\n'
        '| reviewer = reviewer\n| decision_date = 2026-02-10\n| report = [[Report]]\n}}')
    assert problems == []
    assert request is not None
    assert (request.user, request.type, request.region) == ('Ngozi Okafor', 'attend', 'ssa')
    assert request.start == dt.date(2026, 3, 2) and request.end == dt.date(2026, 3, 6)
    assert (request.amount, request.currency) == (Decimal('850.50'), 'USD')
    assert request.languages == ('en', 'fr', 'pt-br')
    assert request.areas == ('glam', 'open-data')
    assert (request.directory, request.mentor, request.notices) == (True, False, False)
    assert request.status == 'under-review' and request.reviewer == 'Reviewer'
    assert (request.page_id, request.revid) == (7, 70)


def test_defaults():
    request, problems = parse(VALID + '}}')
    assert problems == [] and request is not None
    assert (request.status, request.notices, request.directory) == ('submitted', True, None)


@pytest.mark.parametrize(('text', 'expected'), [
    ('{{Leadership request | user = A | type = attend | region = ssa }}', ['missing-field']),
    ('{{Leadership request}}', ['missing-field'] * 4),
    ('{{Leadership request | user = | type = | program = | region = }}', ['missing-field'] * 4),
    ('{{Leadership request | user = <!-- your name --> | type = attend | program = P '
     '| region = ssa }}', ['missing-field']),
    (VALID + '| amount = 10 }}', ['missing-field']),
    ('Broken: {{Leadership request | user = A', ['missing-field']),
    ('Broken: {{leadership_request', ['missing-field']),
    ('An outcome report page, not a request.', []),
])
def test_missing_fields(text, expected):
    assert codes(text) == expected


@pytest.mark.parametrize(('line', 'field'), [
    ('type = workshop', 'type'), ('region = europe', 'region'), ('status = done', 'status'),
    ('directory = maybe', 'directory'), ('amount = lots', 'amount'),
    ('amount = -5', 'amount'), ('start = 2026-31-12', 'start'), ('end = 31/12/2026', 'end'),
    ('program_url = javascript:alert(1)', 'program_url'), ('currency = EURO', 'currency'),
    ('languages = en, klingon', 'languages'), ('areas = glam, cooking', 'areas'),
    ('lang = xx-nope', 'lang'), ('user = Foo[[bar]]', 'user'), ('regoin = ssa', 'regoin'),
])
def test_invalid_values(line, field):
    request, problems = parse(VALID.replace('| user = Ngozi Okafor\n', '| user = Ngozi Okafor\n'
                                            if field != 'user' else '') + f'| {line}\n}}}}')
    invalid = [p for p in problems if p.code == 'invalid-value']
    assert len(invalid) == 1, problems
    assert field in invalid[0].message


def test_invalid_required_value_drops_request_but_keeps_problem():
    request, problems = parse(VALID.replace('region = ssa', 'region = europe') + '}}')
    assert request is None
    assert [p.code for p in problems] == ['invalid-value']
    assert problems[0].user == 'Ngozi Okafor'


def test_invalid_optional_value_keeps_request():
    request, _ = parse(VALID + '| amount = lots\n| notices = perhaps\n}}')
    assert request is not None
    assert request.amount is None and request.notices is False


def test_date_order():
    assert codes(VALID + '| start = 2026-03-06\n| end = 2026-03-02\n}}') == ['date-order']


def test_multiple_requests_counts_none():
    request, problems = parse(VALID + '}}\n' + VALID + '}}')
    assert request is None
    assert [(p.code, p.user) for p in problems] == [('multiple-requests', 'Ngozi Okafor')]


@pytest.mark.parametrize(('typed', 'stored'), [
    ('ngozi Okafor', 'Ngozi Okafor'), ('Ngozi_Okafor', 'Ngozi Okafor'),
    ('  Ngozi   Okafor ', 'Ngozi Okafor'), ('łukasz Wiśniewski', 'Łukasz Wiśniewski'),
    ('\u200eأحمد الراشد\u200f', 'أحمد الراشد'), ('田中花子', '田中花子'),
])
def test_usernames_are_normalized_like_mediawiki(typed, stored):
    request, problems = parse(VALID.replace('Ngozi Okafor', typed) + '}}')
    assert problems == [] and request is not None
    assert request.user == stored


@pytest.mark.parametrize('name', ['leadership request', 'Template:Leadership_request',
                                  'template: Leadership  request'])
def test_template_name_variants(name):
    request, _ = parse(VALID.replace('Leadership request', name) + '}}')
    assert request is not None


def test_last_repeated_parameter_wins_like_mediawiki():
    request, _ = parse(VALID + '| region = lac\n}}')
    assert request is not None and request.region == 'lac'


@pytest.mark.parametrize(('text', 'status'), [
    (VALID + '| status = APPROVED }}', 'approved'),
    (VALID + '| status = under_review }}', 'under-review'),
    (VALID + '| status = nonsense }}', 'submitted'),
    (VALID + '}}', 'submitted'),
    ('', 'submitted'),
    (VALID + '| status = approved }}' + VALID + '}}', 'submitted'),
])
def test_read_status(text, status):
    assert read_status(text, TEMPLATE) == status


def test_hostile_values_never_raise():
    hostile = ('<script>alert(1)</script> [[Category:Spam]] {{subst:foo}} ~~~~ __NOTOC__ '
               "'''x''' {{!}} <!-- c --> \u202egnp.exe " + 'x' * 5000)
    request, problems = parse(VALID + f'| skills = {hostile}\n| goals = {{{{ {{{{ }}\n}}}}')
    assert isinstance(problems, list)


def test_parser_fields_match_templatedata():
    doc = Path(__file__).parents[2] / 'templates_wikitext/Template/Leadership request/doc.wiki'
    data = json.loads(re.search(r'<templatedata>(.*?)</templatedata>', doc.read_text(),
                                re.S).group(1))
    assert set(data['params']) == set(FIELDS)
    aliases = {a: name for name, p in data['params'].items() for a in p.get('aliases', [])}
    assert aliases == ALIASES
