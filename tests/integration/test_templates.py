"""The on-wiki templates, rendered by the real local wiki.

Tests as data: each case is a row of a table (a variation of a valid request, an event
of the recognition template, a hostile value), run against the pages that
``leadership-bot install-templates`` published. Request texts are rendered with
``action=parse`` under a title in the request prefix, so categories come straight from
the parse and no job queue is involved.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

from devwiki.localwiki import LocalWiki
from devwiki.seeding import render_request
from devwiki.wikiuser import WikiSession
from leadership_bot.core.model import FIELDS, REQUIRED_FIELDS, RequestPage
from leadership_bot.core.parsing import Vocabulary, parse_request
from leadership_bot.core.settings import Settings

from .conftest import PREFIX, Seeded

SETTINGS = Settings()
TEMPLATE = SETTINGS.pages.request_template
STATUSES = ('submitted', 'under-review', 'approved', 'declined', 'withdrawn', 'completed')
NOTICE = SETTINGS.pages.notice_template.removeprefix('Template:')
PARSE_TITLE = f'{PREFIX}Template test'
USER = 'Ngozi Okafor'
PROGRAM = 'Partnerships Leadership Summit 2026'
BOT_PROBLEMS = frozenset({'missing-field', 'invalid-value', 'date-order'})


# A complete, valid request: every parameter of the template, in FIELDS order.
VALID: dict[str, str] = {
    'user': USER,
    'type': 'attend',
    'program': PROGRAM,
    'region': 'ssa',
    'program_url': 'https://example.org/summit-2026',
    'start': '2026-03-01',
    'end': '2026-03-04',
    'location': 'Lagos, Nigeria',
    'amount': '1500',
    'currency': 'EUR',
    'languages': 'en, yo',
    'areas': 'glam, open-data',
    'skills': 'negotiating agreements with museums',
    'goals': 'Keep long partnerships with archives.',
    'directory': 'yes',
    'mentor': 'yes',
    'notices': 'yes',
    'lang': 'fr',
    'status': 'approved',
    'reviewer': 'Some Reviewer',
    'decision_date': '2026-02-01',
    'report': 'https://example.org/report',
}

Changes = Mapping[str, str | None]  # None drops the parameter

# Invalid variations of VALID, and the field the template's warning names.
INVALID: list[Any] = [
    pytest.param({'user': None}, 'user', id='user-missing'),
    pytest.param({'user': ''}, 'user', id='user-empty'),
    pytest.param({'type': None}, 'type', id='type-missing'),
    pytest.param({'program': None}, 'program', id='program-missing'),
    pytest.param({'region': None}, 'region', id='region-missing'),
    pytest.param({'type': 'workshop'}, 'type', id='type-workshop'),
    pytest.param({'region': 'europe'}, 'region', id='region-europe'),
    pytest.param({'status': 'done'}, 'status', id='status-done'),
    pytest.param({'directory': 'maybe'}, 'directory', id='directory-maybe'),
    pytest.param({'amount': '10', 'currency': None}, 'currency', id='amount-without-currency'),
    pytest.param({'start': '2026-31-12'}, 'start', id='start-month-31'),
    pytest.param({'start': '2026-03-04', 'end': '2026-03-01'}, 'end', id='end-before-start'),
    pytest.param({'program_url': 'javascript:alert(1)'}, 'program_url', id='url-javascript'),
]

# Spelling variants the template and the bot both accept, and the categories they give.
VARIANTS: list[Any] = [
    pytest.param({'region': 'MENA'}, 'Leadership requests in mena', id='region-MENA'),
    pytest.param({'status': 'Under Review'}, 'Leadership requests (under-review)',
                 id='status-Under-Review'),
    pytest.param({'status': 'under_review'}, 'Leadership requests (under-review)',
                 id='status-under_review'),
    pytest.param({'type': 'ATTEND'}, 'Leadership requests (approved)', id='type-ATTEND'),
    pytest.param({'directory': 'YES'}, 'Leadership requests (approved)', id='directory-YES'),
]

# More variations for the bot/template agreement (languages, areas and lang are left
# out: only the bot checks them).
EDGES: list[Any] = [
    pytest.param({'user': 'User:Ngozi Okafor'}, id='user-with-prefix'),
    pytest.param({'user': '[[User:Ngozi Okafor]]'}, id='user-as-link'),
    pytest.param({'user': 'ngozi_Okafor'}, id='user-lower-underscore'),
    pytest.param({'user': 'Ngozi/Okafor'}, id='user-with-slash'),
    pytest.param({'user': 'Talk:Ngozi'}, id='user-with-colon'),
    pytest.param({'user': 'Ngozi#Okafor'}, id='user-with-hash'),
    pytest.param({'reviewer': 'user:Some Reviewer'}, id='reviewer-with-prefix'),
    pytest.param({'reviewer': 'Some/Reviewer'}, id='reviewer-with-slash'),
    pytest.param({'type': 'Attend a program'}, id='type-words'),
    pytest.param({'region': 'Sub-Saharan Africa'}, id='region-name'),
    pytest.param({'program_url': 'HTTP://EXAMPLE.ORG/x'}, id='url-upper-case'),
    pytest.param({'program_url': 'www.example.org'}, id='url-without-scheme'),
    pytest.param({'program_url': 'https://'}, id='url-without-host'),
    pytest.param({'program_url': 'https://exa mple.org'}, id='url-with-space'),
    pytest.param({'end': '2026-3-4'}, id='end-short-form'),
    pytest.param({'start': '2026-02-29'}, id='start-feb-29'),
    pytest.param({'start': '2028-02-29', 'end': '2028-03-01'}, id='leap-day'),
    pytest.param({'start': '2026-03-01', 'end': '2026-03-01'}, id='one-day'),
    pytest.param({'decision_date': '2026-02-30'}, id='decision-date-feb-30'),
    pytest.param({'decision_date': 'yesterday'}, id='decision-date-word'),
    pytest.param({'amount': '1500.50'}, id='amount-decimal'),
    pytest.param({'amount': '.5'}, id='amount-leading-dot'),
    pytest.param({'amount': '1500.'}, id='amount-trailing-dot'),
    pytest.param({'amount': '1e3'}, id='amount-exponent'),
    pytest.param({'amount': '+5'}, id='amount-plus'),
    pytest.param({'amount': '0'}, id='amount-zero'),
    pytest.param({'amount': '-5'}, id='amount-negative'),
    pytest.param({'amount': 'ten'}, id='amount-word'),
    pytest.param({'amount': '1,500'}, id='amount-with-comma'),
    pytest.param({'amount': '1 500'}, id='amount-with-space'),
    pytest.param({'currency': 'eur'}, id='currency-lower-case'),
    pytest.param({'currency': 'EURO'}, id='currency-four-letters'),
    pytest.param({'currency': '123'}, id='currency-digits'),
    pytest.param({'currency': 'XYZ'}, id='currency-not-iso'),
    pytest.param({'currency': 'US$'}, id='currency-symbol'),
    pytest.param({'directory': 'y'}, id='directory-y'),
    pytest.param({'mentor': 'No'}, id='mentor-No'),
    pytest.param({'mentor': 'perhaps'}, id='mentor-perhaps'),
    pytest.param({'notices': 'NO'}, id='notices-NO'),
    pytest.param({'notices': 'never'}, id='notices-never'),
    pytest.param({'status': 'WITHDRAWN'}, id='status-WITHDRAWN'),
    pytest.param({'status': 'Under-Review'}, id='status-Under-Review-hyphen'),
]

EVENTS = SETTINGS.notify.events
LANGUAGES = ('', 'fr', 'es')
SUBST_LEFTOVERS = ('{{', 'safesubst', '#if', '#switch', '@@', '[[Category:')

# Hostile values in free-text fields: none may add a script, a category or a box.
HOSTILE: list[Any] = [
    pytest.param('skills', '<script>alert(1)</script>', id='skills-script'),
    pytest.param('goals', '[[Category:Spam]]', id='goals-category'),
]


class _Elements(HTMLParser):
    """Start tags of an HTML fragment, with their attributes, and textarea contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.textareas: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or '' for name, value in attrs}))
        if tag == 'textarea':
            self._textarea = dict(attrs).get('name') or ''
            self.textareas[self._textarea] = ''

    def handle_endtag(self, tag: str) -> None:
        if tag == 'textarea':
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.textareas[self._textarea] += data


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


_ERROR = re.compile(r'<(\w+)[^>]*\bclass="(?:[^"]*\s)?error(?:\s[^"]*)?"[^>]*>(.*?)</\1>',
                    re.DOTALL)
_TAG = re.compile(r'<[^>]+>')
_FIELD = re.compile(r'[a-z_]+')


@dataclasses.dataclass(frozen=True)
class Rendered:
    """What ``action=parse`` gave for one wikitext."""

    html: str
    categories: frozenset[str]
    links: frozenset[str]
    external: frozenset[str]

    @classmethod
    def of(cls, parse: Mapping[str, Any]) -> Rendered:
        return cls(
            html=parse['text'],
            categories=frozenset(c['category'].replace('_', ' ') for c in parse['categories']),
            links=frozenset(link['title'] for link in parse['links']),
            external=frozenset(parse['externallinks']))

    @property
    def tags(self) -> list[tuple[str, dict[str, str]]]:
        return elements(self.html).tags

    @property
    def errors(self) -> list[str]:
        """The text of every element of class ``error`` (the visible warnings)."""
        return [_TAG.sub('', match.group(2)) for match in _ERROR.finditer(self.html)]


def with_changes(changes: Changes, base: Mapping[str, str] = VALID) -> dict[str, str]:
    """``base`` with values replaced, added or (``None``) dropped."""
    params = dict(base)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params


def render(session: WikiSession, text: str) -> Rendered:
    """Parse ``text`` as if it were a request page."""
    return Rendered.of(session.parse(
        text=text, title=PARSE_TITLE, props=('text', 'categories', 'links', 'externallinks')))


def bot_problems(text: str) -> list[str]:
    """The validation problems the bot's parser finds in a request page text."""
    vocabulary = SETTINGS.vocabulary
    page = RequestPage(PARSE_TITLE, 1, 1, text)
    _, problems = parse_request(page, TEMPLATE, Vocabulary(
        types=frozenset(vocabulary.types), regions=frozenset(vocabulary.regions),
        areas=frozenset(vocabulary.areas)))
    return [p.message for p in problems if p.code in BOT_PROBLEMS]


def named_fields(messages: list[str]) -> set[str]:
    """The field each message is about: both sides start their messages with it."""
    return {match.group() for message in messages if (match := _FIELD.match(message))}


@pytest.fixture(scope='module')
def wiki(seeded: Seeded, admin_session: WikiSession) -> WikiSession:
    """An admin session on the wiki where the templates are installed."""
    return admin_session


def test_the_valid_request_has_every_field() -> None:
    """The table's base request uses all parameters, so every check runs on it."""
    assert tuple(VALID) == FIELDS


def test_complete_request_renders_without_warnings(wiki: WikiSession) -> None:
    """All 22 valid values: the box, the user link and the program, no warning."""
    rendered = render(wiki, render_request(VALID))
    assert rendered.errors == []
    assert f'User:{USER}' in rendered.links
    assert PROGRAM in rendered.html
    assert VALID['program_url'] in rendered.external
    assert rendered.html.count('class="leadership-request"') == 1
    assert {'Leadership requests', 'Leadership requests (approved)',
            'Leadership requests in ssa'} <= rendered.categories
    assert 'Leadership requests with errors' not in rendered.categories
    assert bot_problems(render_request(VALID)) == []


@pytest.mark.parametrize(('changes', 'field'), INVALID)
def test_invalid_value_shows_a_warning_and_the_errors_category(
        wiki: WikiSession, changes: Changes, field: str) -> None:
    """Each missing or wrong value gets a visible warning naming the field."""
    rendered = render(wiki, render_request(with_changes(changes)))
    assert rendered.errors, rendered.html
    assert any(field in error for error in rendered.errors), rendered.errors
    assert 'Leadership requests with errors' in rendered.categories
    assert 'Leadership requests' in rendered.categories


@pytest.mark.parametrize(('changes', 'category'), VARIANTS)
def test_spelling_variants_are_accepted(wiki: WikiSession, changes: Changes,
                                        category: str) -> None:
    """Case, spaces and underscores do not matter in codes."""
    rendered = render(wiki, render_request(with_changes(changes)))
    assert rendered.errors == []
    assert category in rendered.categories
    assert 'Leadership requests with errors' not in rendered.categories


@pytest.mark.parametrize('changes', [
    *(pytest.param(p.values[0], id=p.id, marks=p.marks) for p in INVALID + VARIANTS),
    *EDGES])
def test_bot_and_template_agree(wiki: WikiSession, changes: Changes) -> None:
    """The parser reports a problem exactly when the box shows a warning."""
    text = render_request(with_changes(changes))
    rendered = render(wiki, text)
    problems = bot_problems(text)
    assert bool(problems) == bool(rendered.errors), (problems, rendered.errors)
    assert named_fields(problems) == named_fields(rendered.errors), (problems, rendered.errors)


def test_templatedata_matches_the_fields(wiki: WikiSession) -> None:
    """TemplateData lists exactly the bot's fields, in order, with the right ones required."""
    result = wiki.api(action='templatedata', titles=TEMPLATE)
    pages = result['pages']
    [data] = pages.values() if isinstance(pages, Mapping) else pages
    params = data['params']
    assert set(params) == set(FIELDS)
    assert len(data['paramOrder']) == len(FIELDS)
    assert set(data['paramOrder']) == set(FIELDS)
    assert {name for name, spec in params.items() if spec.get('required')} == set(
        REQUIRED_FIELDS)
    assert all(params[name]['required'] is True for name in REQUIRED_FIELDS)
    assert data['format'] == 'block'


@pytest.mark.parametrize('event', EVENTS)
@pytest.mark.parametrize('lang', LANGUAGES, ids=lambda lang: lang or 'en')
def test_recognition_substitutes_to_plain_text(wiki: WikiSession, lang: str,
                                               event: str) -> None:
    """A substituted notice keeps no template code, placeholder or category."""
    name = f'{NOTICE}/{lang}' if lang else NOTICE
    title = f'Template test/Recognition {lang or "en"} {event}'
    wiki.edit(title, f'{{{{subst:{name}|event={event}|user={USER}|program=P'
                     f'|request={PREFIX}X|peer1=A|count=5|partner=B|role=mentor}}}}',
              'Template test: substitute the recognition notice')
    saved = wiki.text(title) or ''
    assert USER in saved
    for leftover in SUBST_LEFTOVERS:
        assert leftover not in saved, (leftover, saved)


def test_landing_page_has_an_inputbox_for_new_requests(wiki: WikiSession) -> None:
    """The landing page's form creates pages under the request prefix from the preload."""
    rendered = Rendered.of(wiki.parse(title=SETTINGS.pages.landing,
                                      props=('text', 'categories', 'links', 'externallinks')))
    tags = rendered.tags
    assert any(tag == 'form' for tag, _ in tags)
    inputs = {attrs.get('name'): attrs for tag, attrs in tags if tag == 'input'}
    assert 'title' in inputs
    assert PREFIX in inputs['prefix']['value']
    assert inputs['preload']['value'] == f'{TEMPLATE}/preload'
    assert inputs['editintro']['value'] == f'{TEMPLATE}/editintro'


@dataclasses.dataclass(frozen=True)
class EditForm:
    """The edit page a browser shows: its HTML and the text in the edit box."""

    html: str
    text: str


def open_from_landing_page(wiki: WikiSession, local_wiki: LocalWiki, typed: str) -> EditForm:
    """Type ``typed`` into the landing page's box and press the button, as a browser does:
    submit its form (a GET with its hidden fields) and follow InputBox's redirect to the
    edit form."""
    html = wiki.parse(title=SETTINGS.pages.landing, props=('text',))['text']
    form = elements(html).tags
    [action] = [attrs['action'] for tag, attrs in form if tag == 'form']
    fields = {attrs['name']: attrs.get('value', '') for tag, attrs in form
              if tag == 'input' and attrs.get('type') == 'hidden'}
    browser = requests.Session()
    browser.trust_env = False
    response = browser.get(urljoin(local_wiki.index_url, action),
                           params={**fields, 'title': typed}, timeout=60)
    response.raise_for_status()
    assert response.history, 'InputBox redirects to the edit form of prefix + title'
    return EditForm(response.text, elements(response.text).textareas['wpTextbox1'])


def test_an_existing_title_on_the_landing_page_warns_before_editing(
        wiki: WikiSession, local_wiki: LocalWiki) -> None:
    """Someone else's request opens with a red warning above the edit form (the
    button's editintro), not as if it were an empty form."""
    typed = 'Someone else/Summit 2026'
    existing = render_request(VALID)
    wiki.edit(PREFIX + typed, existing, 'Template test: an existing request')
    form = open_from_landing_page(wiki, local_wiki, typed)
    assert 'class="leadership-request-exists"' in form.html
    assert 'leadership-request-new' not in form.html
    assert 'This page already exists' in form.html
    assert PREFIX + typed in form.html
    # The form holds the existing request (a preload never replaces an existing text).
    assert form.text.strip() == existing


def test_a_new_title_on_the_landing_page_opens_the_empty_form(
        wiki: WikiSession, local_wiki: LocalWiki) -> None:
    """A free title opens the preloaded empty form with a short intro and no warning."""
    form = open_from_landing_page(wiki, local_wiki, 'A title nobody has taken yet')
    assert 'class="leadership-request-new"' in form.html
    assert 'leadership-request-exists' not in form.html
    assert '{{Leadership request' in form.text
    assert re.findall(r'^\|\s*(\w+)\s*=', form.text, re.MULTILINE) == list(FIELDS)


def test_preload_lists_every_field_on_its_own_line(wiki: WikiSession) -> None:
    """The empty form has one line per parameter, in the TemplateData order."""
    text = wiki.text(f'{TEMPLATE}/preload') or ''
    assert '{{Leadership request' in text
    assert re.findall(r'^\|\s*(\w+)\s*=', text, re.MULTILINE) == list(FIELDS)


# One request per region of the vocabulary, through every status, and one with an error:
# together they use every tracking category the template can add.
CATEGORY_CASES: list[Any] = [
    *(pytest.param({'region': region, 'status': STATUSES[i % len(STATUSES)]},
                   id=f'{region}-{STATUSES[i % len(STATUSES)]}')
      for i, region in enumerate(SETTINGS.vocabulary.regions)),
    *(pytest.param({'status': status}, id=f'ssa-{status}') for status in STATUSES),
    pytest.param({'program': None}, id='with-errors'),
]


@pytest.mark.parametrize('changes', CATEGORY_CASES)
def test_every_tracking_category_exists(wiki: WikiSession, changes: Changes) -> None:
    """install-templates created every category a request page is in: no red link."""
    parse = wiki.parse(text=render_request(with_changes(changes)), title=PARSE_TITLE,
                       props=('categories',))
    categories = [f'Category:{c["category"]}' for c in parse['categories']]
    assert len(categories) >= 3, categories  # all requests, status or errors, region
    assert not [c for c in parse['categories'] if c.get('missing')], parse['categories']
    info = wiki.api(action='query', titles=categories, prop='info')['query']['pages']
    assert not [page['title'] for page in info if page.get('missing')]


@pytest.mark.parametrize(('field', 'value'), HOSTILE)
def test_hostile_free_text_stays_text(wiki: WikiSession, field: str, value: str) -> None:
    """Free-text values add no script, no category and no second box."""
    rendered = render(wiki, render_request(with_changes({field: value})))
    assert not any(tag == 'script' for tag, _ in rendered.tags)
    assert 'Spam' not in rendered.categories, rendered.categories
    assert rendered.html.count('class="leadership-request"') == 1, rendered.categories


def test_a_request_template_in_a_value_makes_the_bot_refuse_the_page() -> None:
    """``location={{Leadership request}}`` draws a second box; the bot refuses the page.

    The box cannot prevent the second box: MediaWiki expands a template argument before
    the template that receives it runs, so ``{{#tag:nowiki|{{{location}}}}}`` only gets
    the already expanded box. What makes this acceptable is the bot: its parser reads
    nested templates too, so it reports ``multiple-requests`` and counts no request of
    the page (no directory entry, no recognition) until the value is fixed.
    """
    text = render_request(with_changes({'location': '{{Leadership request}}'}))
    vocabulary = SETTINGS.vocabulary
    page = RequestPage(PARSE_TITLE, 1, 1, text)
    request, problems = parse_request(page, TEMPLATE, Vocabulary(
        types=frozenset(vocabulary.types), regions=frozenset(vocabulary.regions),
        areas=frozenset(vocabulary.areas)))
    assert request is None
    assert [problem.code for problem in problems] == ['multiple-requests']
