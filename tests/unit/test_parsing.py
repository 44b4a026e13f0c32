"""Parsing and validation of request pages: what is not a case of field values and problems.

The cases of page text -> problem codes (missing and invalid values, user names, refused
and hidden templates, redirects ...) are data: tests/cases/requests.yaml, run by
test_request_cases.py here and through the on-wiki template by
tests/integration/test_request_cases_template.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

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
