"""Parsing and validation of request pages: cases as data, one test function each."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from leadership_bot.core.model import FIELDS, RequestPage
from leadership_bot.core.parsing import ALIASES, FieldRead, Vocabulary, parse_request, validate
from leadership_bot.core.settings import Settings

SETTINGS = Settings()
VOCABULARY = Vocabulary(types=frozenset(SETTINGS.vocabulary.types),
                        regions=frozenset(SETTINGS.vocabulary.regions),
                        areas=frozenset(SETTINGS.vocabulary.areas),
                        languages=frozenset({'en', 'fr', 'es', 'pt-br', 'ar', 'sw'}))
TEMPLATE = SETTINGS.pages.request_template
VALID = ('{{Leadership request\n| user = Ngozi Okafor\n| type = attend\n'
         '| program = GLAM bootcamp\n| region = ssa\n')


PAGE = RequestPage(title='Leadership network/Requests/X', page_id=7, revid=70, text='')


def parse(text: str, redirect_words: tuple[str, ...] = ('#REDIRECT',)):
    return parse_request(dataclasses.replace(PAGE, text=text), TEMPLATE, VOCABULARY,
                         redirect_words)


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


def test_a_comment_in_a_parameter_name_does_not_hide_it():
    """MediaWiki drops comments in names, and the last of repeated names wins."""
    request, problems = parse(VALID + '| user<!-- --> = Amina\n}}')
    assert problems == [] and request is not None and request.user == 'Amina'


@pytest.mark.parametrize('text', [
    '{{#if: x | ' + VALID + '}} }}',
    '{{Box|' + VALID + '}}}}',
    '<ref>' + VALID + '}}</ref>',
    VALID.replace('request', 'request{{{|}}}', 1) + '}}',
])
def test_a_template_not_written_directly_on_the_page_is_refused(text):
    request, problems = parse(text)
    assert request is None
    assert [p.code for p in problems] == ['missing-field']
    assert 'directly on the page' in problems[0].message


def test_a_request_template_in_a_value_makes_the_page_unusable():
    """The page shows two boxes (the value is shown), so neither counts."""
    request, problems = parse(VALID + '| location = {{Leadership request}}\n}}')
    assert request is None
    assert [(p.code, p.user) for p in problems] == [('multiple-requests', None)]


@pytest.mark.parametrize(('name', 'text'), [
    ('parser function', VALID + '| {{lc:USER}} = Mallet\n}}'),
    ('argument default', VALID + '| {{{|user}}} = Mallet\n}}'),
])
def test_a_parameter_name_made_by_a_template_makes_the_page_unusable(name, text):
    """MediaWiki reads {{lc:USER}} = Mallet as user = Mallet: the bot cannot tell."""
    request, problems = parse(text)
    assert request is None, name
    assert [p.code for p in problems] == ['invalid-value']
    assert 'plain text' in problems[0].message


@pytest.mark.parametrize('words', [('#REDIRECT',), ('#REDIRECT', '#WEITERLEITUNG')])
def test_a_redirect_is_not_a_request(words):
    target = '#WEITERLEITUNG' if len(words) > 1 else '#redirect'
    assert parse(f'  {target} [[Leadership network/Requests/Y]]\n' + VALID + '}}',
                 words) == (None, [])


@pytest.mark.parametrize('text', [
    '<includeonly>' + VALID + '}}</includeonly>',
    '<includeonly>' + VALID + '}}',
    '<nowiki>' + VALID + '}}</nowiki>',
    '<!-- ' + VALID + '}}',
])
def test_a_template_the_page_does_not_render_is_no_request(text):
    request, problems = parse(text)
    assert request is None
    assert [p.code for p in problems] == ['missing-field']  # the text mentions it


def test_a_broken_template_is_read_leniently_but_not_counted():
    """read_fields gives its values (for attribution); the page itself counts for nothing."""
    text = VALID + '| status = approved\n'
    request, problems = parse(text)
    assert request is None
    assert [p.code for p in problems] == ['missing-field']
    assert 'closed with }}' in problems[0].message


def test_validate_takes_the_values_read():
    """validate() works on plain values, e.g. the ones the trust rules keep in force."""
    values = {'user': 'amina', 'type': 'Attend', 'program': 'P', 'region': 'SSA',
              'status': 'approved', 'username': 'ignored'}
    request, problems = validate(PAGE, FieldRead(values, 1), VOCABULARY)
    assert problems == [] and request is not None
    assert (request.user, request.type, request.region, request.status) == (
        'Amina', 'attend', 'ssa', 'approved')


def test_hostile_values_never_raise():
    hostile = ('<script>alert(1)</script> [[Category:Spam]] {{subst:foo}} ~~~~ __NOTOC__ '
               "'''x''' {{!}} <!-- c --> \u202egnp.exe " + 'x' * 5000)
    request, problems = parse(VALID + f'| skills = {hostile}\n| goals = {{{{ {{{{ }}\n}}}}')
    assert isinstance(problems, list)


TEMPLATES = Path(__file__).parents[2] / 'templates_wikitext/Template'


def test_parser_fields_match_templatedata():
    """The parser's fields and aliases are the TemplateData's parameters, in its order."""
    doc = (TEMPLATES / 'Leadership request/doc.wiki').read_text()
    data = json.loads(re.search(r'<templatedata>(.*?)</templatedata>', doc, re.S).group(1))
    assert set(data['params']) == set(FIELDS)
    assert tuple(data['paramOrder']) == FIELDS
    aliases = {a: name for name, p in data['params'].items() for a in p.get('aliases', [])}
    assert aliases == ALIASES


def test_template_reads_every_field_with_the_parsers_alias_precedence():
    """The template reads each field, an alias before its field, as read_fields does."""
    template = (TEMPLATES / 'Leadership request.wiki').read_text()
    read = set(re.findall(r'\{\{\{([a-z_]+)[|}]', template))
    assert read == set(FIELDS) | set(ALIASES)
    for alias, field in ALIASES.items():
        assert f'{{{{{{{alias}|{{{{{{{field}|}}}}}}}}}}}}' in template
        assert f'{{{{{{{field}|' not in template.replace(f'{{{{{{{alias}|{{{{{{{field}|', '')
