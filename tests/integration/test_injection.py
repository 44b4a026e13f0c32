"""Hostile volunteer text stays plain text, checked by the real MediaWiki parser.

Every value of :data:`tests.hostile.HOSTILE` goes into the free-text fields of one
directory row (skills, latest program, a language name) and one report row (the problem
message). Each page is rendered once with all rows and once with a harmless value in
their place, and both are parsed by the local wiki with the pre-save transform
(``pst``), as if saved. A leak shows up as a category, a transcluded template, an extra
link, a magic-word property, an HTML element the harmless page does not have, a broken
table, or cell text that is not what the volunteer typed. A real save then shows that
signatures, ``subst:`` and the pipe trick do not touch the saved wikitext.
"""

from __future__ import annotations

import dataclasses
import html
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from html.parser import HTMLParser
from typing import Any

import pytest

from devwiki.wikiuser import WikiSession
from leadership_bot.core.directory import (
    EMPTY_LABEL,
    HEADERS,
    DirectoryPlan,
    Organizer,
    listed_rows,
    plan_directory,
)
from leadership_bot.core.model import Problem, ProblemCode, Snapshot
from leadership_bot.core.rendering import plain, render_report
from tests.hostile import HOSTILE, expected_text

DIRECTORY_TITLE = 'Leadership network/Directory'
REPORT_TITLE = 'Leadership network/Report'
SAVED_DIRECTORY = 'Injection test/Directory'
SAVED_REPORT = 'Injection test/Report'
REQUESTS = 'Leadership network/Requests/'
BOT = 'Leadership bot'
HARMLESS = 'Plain'
PROPS = ('text', 'categories', 'templates', 'links', 'externallinks', 'properties',
         'sections')
# Templates a leaked transclusion or subst would use: visible text and a category.
TEMPLATES = {
    'Template:Foo': 'FOO LEAKED<includeonly>[[Category:Spam]]</includeonly>',
    'Template:Subst_me_not': 'SUBST LEAKED<includeonly>[[Category:Spam]]</includeonly>',
}
# Limits of the fields the values go into (leadership_bot/core/directory.py,
# leadership_bot/core/rendering.py).
SKILLS_LIMIT, PROGRAM_LIMIT, LANGUAGE_LIMIT, MESSAGE_LIMIT = 300, 120, 200, 400
# Characters and sequences that are markup somewhere; plain() must leave none.
MARKUP_CHARS = frozenset('|{}[]<>~\'=')
MARKUP_SEQUENCES = ('__', '://')


def user(index: int) -> str:
    """The (real-looking, valid) user name of row ``index``."""
    return f'Organizer {index:02d}'


def request_page(index: int) -> str:
    """The request page of row ``index``."""
    return f'{REQUESTS}Test {index:02d}'


def value_id(value: str) -> str:
    """A short, ASCII test id for a hostile value."""
    text = ascii(value)[1:-1]
    return text if len(text) <= 30 else f'{text[:24]}...{len(value)}ch'


# Values that plain() reduces to nothing (only invisible characters): the program link
# must still have a label, or saving would expand the "pipe trick" to the request title.
EMPTY_PROGRAM = [value for value in HOSTILE if not expected_text(value, PROGRAM_LIMIT)]

CASES = [pytest.param(i, value, id=f'{i:02d}-{value_id(value)}')
         for i, value in enumerate(HOSTILE)]


# -- HTML ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Cell:
    """One ``td`` or ``th``: its text as a reader sees it and the elements inside it."""

    tag: str
    attributes: tuple[str, ...]
    parts: list[str] = dataclasses.field(default_factory=list)
    elements: list[str] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> str:
        """The cell's text, stripped as a browser shows it."""
        return ''.join(self.parts).strip()


class Html(HTMLParser):
    """The elements and attributes of a page, and its tables as rows of cells.

    A table inside a cell is not split into rows: it counts as elements of that cell.
    """

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[str] = Counter()
        self.tables: list[list[list[Cell]]] = []
        self._cell: Cell | None = None
        self._nested = 0
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = tuple(sorted(name for name, _ in attrs))
        self.tags[tag] += 1
        self.attributes.update(names)
        if self._cell is not None and (self._nested or tag not in ('td', 'th', 'tr')):
            self._cell.elements.append(f'<{" ".join((tag, *names))}>')
            self._nested += tag == 'table'
        elif tag == 'table':
            self.tables.append([])
        elif tag == 'tr' and self.tables:
            self.tables[-1].append([])
        elif tag in ('td', 'th') and self.tables and self.tables[-1]:
            self._cell = Cell(tag, names)
            self.tables[-1][-1].append(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if self._nested:
            self._nested -= tag == 'table'
        elif tag in ('td', 'th', 'tr', 'table'):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.parts.append(data)


@dataclasses.dataclass(frozen=True)
class Parsed:
    """A page as the wiki parsed it, with its HTML taken apart."""

    wikitext: str
    parse: dict[str, Any]
    html: Html

    @property
    def rows(self) -> list[list[Cell]]:
        """The rows of the first table, the header row first."""
        return self.html.tables[0]

    def data_rows(self, key: Callable[[list[Cell]], str]) -> dict[str, list[Cell]]:
        """The data rows of the first table by ``key`` (which must be unique)."""
        rows = {key(row): row for row in self.rows[1:]}
        assert len(rows) == len(self.rows) - 1, 'rows are not told apart by their key'
        return rows


def parse(session: WikiSession, title: str, wikitext: str) -> Parsed:
    """``wikitext`` parsed on ``title`` after the pre-save transform, as if saved."""
    result = session.parse(title=title, text=wikitext, props=PROPS, pst=True,
                           disablelimitreport=True)
    return Parsed(wikitext, result, Html(result['text']))


# -- pages -----------------------------------------------------------------------------------


def directory_plan(values: Sequence[str], previous_rows: Mapping[str, str]) -> DirectoryPlan:
    """The directory of one organizer per value (skills, program, a language name)."""
    organizers = [
        Organizer(user=user(i), region='ssa', languages=('en', f'x-h{i:02d}'),
                  areas=('glam',), skills=value, mentor=True, approved=1, completed=0,
                  latest_program=value, latest_request=request_page(i))
        for i, value in enumerate(values)]
    names = {'en': 'English'} | {f'x-h{i:02d}': value for i, value in enumerate(values)}
    plan = plan_directory(organizers, ('ssa',), DIRECTORY_TITLE, max_rows=len(values) + 1,
                          language_names=names, previous_rows=previous_rows)
    assert len(plan.pages) == 1
    return plan


def directory_body(values: Sequence[str]) -> str:
    """The directory page (a single page: all organizers fit on it)."""
    return directory_plan(values, {}).pages[0].body


def report_body(values: Sequence[str]) -> str:
    """The report block with one problem per value, quoted in its message."""
    problems = tuple(Problem(page=request_page(i), code=ProblemCode.INVALID_VALUE, message=value,
                             user=user(i)) for i, value in enumerate(values))
    return render_report(Snapshot(requests=(), problems=problems, pages_read=len(values)),
                         BOT, prefix=REQUESTS)


@pytest.fixture(scope='module')
def wiki(admin_session: WikiSession) -> WikiSession:
    """The admin session, with templates a leaked transclusion or subst would show."""
    for title, text in TEMPLATES.items():
        admin_session.edit(title, text, summary='injection tests')
    return admin_session


@pytest.fixture(scope='module')
def directory(wiki: WikiSession) -> Parsed:
    """The directory with every hostile value, parsed."""
    return parse(wiki, DIRECTORY_TITLE, directory_body(HOSTILE))


@pytest.fixture(scope='module')
def directory_baseline(wiki: WikiSession) -> Parsed:
    """The same directory with a harmless value in every row, parsed."""
    return parse(wiki, DIRECTORY_TITLE, directory_body([HARMLESS] * len(HOSTILE)))


@pytest.fixture(scope='module')
def report(wiki: WikiSession) -> Parsed:
    """The report with every hostile value, parsed."""
    return parse(wiki, REPORT_TITLE, report_body(HOSTILE))


@pytest.fixture(scope='module')
def report_baseline(wiki: WikiSession) -> Parsed:
    """The same report with a harmless message in every row, parsed."""
    return parse(wiki, REPORT_TITLE, report_body([HARMLESS] * len(HOSTILE)))


def organizer_of(row: list[Cell]) -> str:
    """The organizer a directory row is about: its first cell reads ``NAME (talk)``."""
    return row[0].text.removesuffix(' (talk)')


def request_of(row: list[Cell]) -> str:
    """The request a report row is about, shown without the request prefix."""
    return REQUESTS + row[0].text


def assert_no_leak(page: Parsed, baseline: Parsed, links: set[str]) -> None:
    """Nothing but ``links`` and the harmless page's elements reached the parsed page."""
    parsed = page.parse
    assert parsed['categories'] == []
    assert parsed['templates'] == []
    assert parsed['externallinks'] == []
    assert {link['title'] for link in parsed['links']} == links
    assert parsed['properties'] == baseline.parse['properties']  # __NOTOC__, __NOINDEX__ …
    assert [s['line'] for s in parsed['sections']] == [
        s['line'] for s in baseline.parse['sections']]
    assert page.html.tags == baseline.html.tags
    assert page.html.attributes == baseline.html.attributes
    assert '<script' not in parsed['text'] and '<img' not in parsed['text']
    assert 'LEAKED' not in parsed['text']


# -- plain() on its own ----------------------------------------------------------------------


@pytest.mark.parametrize('limit', [SKILLS_LIMIT, PROGRAM_LIMIT, MESSAGE_LIMIT])
@pytest.mark.parametrize(('index', 'value'), CASES)
def test_plain_leaves_no_markup(index: int, value: str, limit: int) -> None:
    """plain() output has no markup character and decodes to the expected text."""
    escaped = plain(value, limit)
    assert not MARKUP_CHARS & set(escaped)
    assert not [s for s in MARKUP_SEQUENCES if s in escaped]
    assert '\n' not in escaped
    assert html.unescape(escaped) == expected_text(value, limit)


# -- the directory ---------------------------------------------------------------------------


def test_directory_page_has_no_leak(directory: Parsed, directory_baseline: Parsed) -> None:
    """No category, template, link, property or element beyond the harmless page's."""
    assert_no_leak(directory, directory_baseline, {
        title for i in range(len(HOSTILE))
        for title in (f'User:{user(i)}', f'User talk:{user(i)}', request_page(i))})


def test_directory_is_one_table_of_all_rows(directory: Parsed) -> None:
    """One table: the header row, then one row per value with a cell per header."""
    assert len(directory.html.tables) == 1
    header, *rows = directory.rows
    assert [(cell.tag, cell.text) for cell in header] == [('th', h) for h in HEADERS]
    assert len(rows) == len(HOSTILE)
    assert all([cell.tag for cell in row] == ['td'] * len(HEADERS) for row in rows)


@pytest.mark.parametrize(('index', 'value'), CASES)
def test_directory_row_shows_value_as_text(index: int, value: str, directory: Parsed,
                                           directory_baseline: Parsed) -> None:
    """Skills, language and program read as typed; the row has a plain row's elements."""
    row = directory.data_rows(organizer_of)[user(index)]
    baseline = directory_baseline.data_rows(organizer_of)[user(index)]
    cells = dict(zip(HEADERS, row, strict=True))
    assert cells['Region'].text == 'ssa'
    assert cells['Skills'].text == expected_text(value, SKILLS_LIMIT)
    assert cells['Languages'].text == f'English, {expected_text(value, LANGUAGE_LIMIT)}'.strip()
    assert cells['Latest program'].text == (expected_text(value, PROGRAM_LIMIT) or EMPTY_LABEL)
    assert [(c.attributes, c.elements) for c in row] == [
        (c.attributes, c.elements) for c in baseline]


# -- the report ------------------------------------------------------------------------------


def test_report_page_has_no_leak(report: Parsed, report_baseline: Parsed) -> None:
    """No category, template, link, property or element beyond the harmless page's."""
    assert_no_leak(report, report_baseline, {f'User:{BOT}'} | {
        title for i in range(len(HOSTILE)) for title in (f'User:{user(i)}', request_page(i))})


def test_report_problems_are_one_row_each(report: Parsed) -> None:
    """The problems table: a header row, then one row of four cells per value."""
    assert len(report.html.tables) == 3  # problems, requests by status, by region
    header, *rows = report.rows
    assert [cell.text for cell in header] == ['Request', 'Requester', 'Problem', 'Details']
    assert len(rows) == len(HOSTILE)
    assert all([cell.tag for cell in row] == ['td'] * 4 for row in rows)


@pytest.mark.parametrize(('index', 'value'), CASES)
def test_report_row_shows_message_as_text(index: int, value: str, report: Parsed,
                                          report_baseline: Parsed) -> None:
    """The Details cell reads as typed; the row has a plain row's elements."""
    row = report.data_rows(request_of)[request_page(index)]
    baseline = report_baseline.data_rows(request_of)[request_page(index)]
    assert [cell.text for cell in row] == [
        f'Test {index:02d}', user(index), 'invalid-value', expected_text(value, MESSAGE_LIMIT)]
    assert [(c.attributes, c.elements) for c in row] == [
        (c.attributes, c.elements) for c in baseline]


# -- a real save -----------------------------------------------------------------------------


@pytest.mark.parametrize(('title', 'values'), [
    pytest.param(SAVED_DIRECTORY, [v for v in HOSTILE if v not in EMPTY_PROGRAM],
                 id='directory'),
    pytest.param(f'{SAVED_DIRECTORY} empty program', EMPTY_PROGRAM,
                 id='directory-empty-program'),
])
def test_saved_directory_is_as_rendered(wiki: WikiSession, title: str,
                                        values: list[str]) -> None:
    """Saving (signatures, subst, pipe trick) keeps the text; a re-plan sees no change."""
    body = directory_body(values)
    wiki.edit(title, body, summary='injection tests')
    saved = wiki.text(title)
    assert saved == body.rstrip()
    assert directory_plan(values, listed_rows(saved)).changed == frozenset()


def test_saved_report_is_as_rendered(wiki: WikiSession) -> None:
    """Saving (signatures, subst, pipe trick) keeps the report text byte for byte."""
    body = report_body(HOSTILE)
    wiki.edit(SAVED_REPORT, body, summary='injection tests')
    assert wiki.text(SAVED_REPORT) == body.rstrip()
    saved = wiki.parse(title=SAVED_REPORT)
    assert (saved['templates'], saved['categories']) == ([], [])
