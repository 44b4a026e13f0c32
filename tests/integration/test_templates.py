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
from leadership_bot.core.parsing import parse_request
from leadership_bot.core.settings import Settings
from tests.cases import request_cases
from tests.cases.request_cases import BASES

from .conftest import PREFIX, Seeded

SETTINGS = Settings()
TEMPLATE = SETTINGS.pages.request_template
STATUSES = ('submitted', 'under-review', 'approved', 'declined', 'withdrawn', 'completed')
NOTICE = SETTINGS.pages.notice_template.removeprefix('Template:')
PARSE_TITLE = f'{PREFIX}Template test'


# A complete, valid request: every parameter of the template, in FIELDS order (the
# ``full`` base of tests/cases/requests.yaml, where the cases of field values and the
# problems they give are: tests/integration/test_request_cases_template.py renders them).
VALID: dict[str, str] = BASES['full']
USER = VALID['user']
PROGRAM = VALID['program']

Changes = Mapping[str, str | None]  # None drops the parameter

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
    return request_cases.with_changes(changes, base)


def render(session: WikiSession, text: str) -> Rendered:
    """Parse ``text`` as if it were a request page."""
    return Rendered.of(session.parse(
        text=text, title=PARSE_TITLE, props=('text', 'categories', 'links', 'externallinks')))


def bot_problems(text: str) -> list[str]:
    """The problems the bot's parser finds in a request page text (the cases' vocabulary)."""
    page = RequestPage(PARSE_TITLE, 1, 1, text)
    _, problems = parse_request(page, TEMPLATE, request_cases.VOCABULARY)
    return [p.message for p in problems]


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
