"""Random hostile rows through the real parser: nothing in them becomes markup.

Sixty values are drawn (a fixed seed) from wikitext and HTML fragments, the hostile
corpus and random characters of many scripts, and go into the free-text fields of a
directory page (skills, latest program, a language name) and a report (problem
messages). Each page and a baseline with plain values in the same places is parsed once
by the local wiki, with the pre-save transform as if saved. The hostile pages may hold
no category, template, external link or link beyond the expected user and request
pages, no HTML element or attribute the baseline does not have, and every cell must
read as the value typed. ``FUZZ_SEED=N`` draws another sample.
"""

from __future__ import annotations

import html
import os
import random
import unicodedata
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest

from devwiki.wikiuser import WikiSession
from leadership_bot.core.directory import EMPTY_LABEL, HEADERS, Organizer, plan_directory
from leadership_bot.core.model import Problem, ProblemCode, Snapshot
from leadership_bot.core.rendering import plain, render_report
from tests.hostile import HOSTILE

SEED = int(os.environ.get('FUZZ_SEED', '20261126'))
ROWS = 60
DIRECTORY_TITLE = 'Leadership network/Directory'
REPORT_TITLE = 'Leadership network/Report'
REQUESTS = 'Leadership network/Requests/'
BOT = 'Leadership bot'
PLAIN = 'Plain value'
PROPS = ('text', 'categories', 'templates', 'links', 'externallinks', 'properties', 'sections')
SKILLS_LIMIT, PROGRAM_LIMIT, LANGUAGE_LIMIT, MESSAGE_LIMIT = 300, 120, 200, 400

FRAGMENTS = [
    '{{', '}}', '{{{', '}}}', '|', '||', '!', '!!', '=', '==', '[[', ']]', '[', ']', '{|',
    '|}', '|-', '|+', '<!--', '-->', '<nowiki>', '</nowiki>', '<pre>', '<ref>', '</ref>',
    '<references/>', '<gallery>', '<includeonly>', '<onlyinclude>', '<noinclude>',
    '<div style="x">', '</div>', '<span onclick="x">', '<b>', '</b>', '<i>', '<s>', '<u>',
    '<script>', '<img src=x>', '<a href="//x">', '<math>', '<br>', '<hr>', '<table>', '<td>',
    '{{subst:', '{{safesubst:', '{{msgnw:', '{{#if:', '{{#invoke:', '{{PAGENAME}}',
    '{{int:', '{{Foo}}', 'Template:', 'Category:', 'File:', 'Special:', 'User:', 'w:', ':',
    'http://', 'https://', '//', 'mailto:', 'evil.example', 'www.', 'ftp://', 'ISBN ', 'RFC ',
    'PMID ', '~~~', '~~~~', '~~~~~', '__NOTOC__', '__TOC__', '__NOINDEX__', '__', '_', "'",
    "''", "'''", "'''''", '*', '#', ';', '\n', '\n ', '\r\n', '\t', '  ', '-{', '}-', '-{R|',
    '&', '&amp;', '&lt;', '&#91;', '&#x7C;', '&nbsp;', '&bogus;', '"', '\\', '$1', '%s',
    '----', 'REDIRECT', '#REDIRECT', 'Plain value',
] + [value for value in HOSTILE if len(value) <= 60]
# Character ranges random characters come from: most scripts, spaces, invisible format
# characters, combining marks, control characters, emoji (no surrogates, no noncharacters).
RANGES = [(0x20, 0x7e)] * 4 + [
    (0x00, 0x1f), (0x7f, 0x9f), (0xa0, 0x24f), (0x300, 0x36f), (0x370, 0x3ff), (0x400, 0x4ff),
    (0x590, 0x5ff), (0x600, 0x6ff), (0x900, 0x97f), (0xe00, 0xe5b), (0x1100, 0x11ff),
    (0x2000, 0x206f), (0x20a0, 0x20c0), (0x2190, 0x22ff), (0x3000, 0x303f), (0x4e00, 0x4fff),
    (0xac00, 0xad00), (0xfe00, 0xfe0f), (0xff00, 0xffef), (0x1f300, 0x1f64f),
    (0x1f900, 0x1f9ff), (0xe0020, 0xe007f)]


def hostile_values(rnd: random.Random, count: int) -> list[str]:
    """``count`` values of 1 to 12 pieces (fragments or random characters); some long."""
    values = []
    for _ in range(count):
        pieces = []
        for _ in range(rnd.randint(1, 12)):
            if rnd.random() < 0.6:
                pieces.append(rnd.choice(FRAGMENTS))
            else:
                low, high = rnd.choice(RANGES)
                pieces.append(chr(rnd.randint(low, high)))
        value = ''.join(pieces)
        if rnd.random() < 0.1:
            value *= rnd.randint(20, 80)  # past every cell's limit
        values.append(value)
    return values


RANDOM = random.Random(SEED)
SKILLS = hostile_values(RANDOM, ROWS)
PROGRAMS = hostile_values(RANDOM, ROWS)
LANGUAGE_NAMES = hostile_values(RANDOM, ROWS)
MESSAGES = hostile_values(RANDOM, ROWS)


def user(index: int) -> str:
    return f'Fuzz organizer {index:02d}'


def request_page(index: int) -> str:
    return f'{REQUESTS}Fuzz {index:02d}'


def shown(value: str, limit: int) -> str:
    """What a reader sees of ``value`` in a cell: MediaWiki stores wikitext NFC-normalized."""
    return html.unescape(unicodedata.normalize('NFC', plain(value, limit)))


def directory_body(skills: list[str], programs: list[str], languages: list[str]) -> str:
    organizers = [
        Organizer(user=user(i), region='ssa', languages=('en', f'x-f{i:02d}'), areas=('glam',),
                  skills=skills[i], mentor=True, approved=1, completed=0,
                  latest_program=programs[i], latest_request=request_page(i))
        for i in range(ROWS)]
    names = {'en': 'English'} | {f'x-f{i:02d}': name for i, name in enumerate(languages)}
    plan = plan_directory(organizers, ('ssa',), DIRECTORY_TITLE, max_rows=ROWS,
                          language_names=names, previous_rows={})
    assert len(plan.pages) == 1
    return plan.pages[0].body


def report_body(messages: list[str]) -> str:
    problems = tuple(Problem(page=request_page(i), code=ProblemCode.INVALID_VALUE, message=message,
                             user=user(i)) for i, message in enumerate(messages))
    return render_report(Snapshot(requests=(), problems=problems, pages_read=ROWS), BOT,
                         prefix=REQUESTS)


class Page(HTMLParser):
    """Elements and attributes of parsed HTML, and the cell texts of its first table."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str]] = Counter()
        self.rows: list[list[str]] = []
        self._tables = 0
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes.update((tag, name) for name, _ in attrs)
        if tag == 'table':
            self._tables += 1
        elif self._tables == 1 and tag == 'tr':
            self.rows.append([])
        elif self._tables == 1 and tag in ('td', 'th'):
            self._cell = []
            self.rows[-1].append('')

    def handle_endtag(self, tag: str) -> None:
        if tag in ('td', 'th', 'tr', 'table') and self._cell is not None:
            # MediaWiki's French spacing makes a space before ? ! : ; % » and after « ‹
            # non-breaking; plain() leaves no non-breaking space of its own.
            text = ''.join(self._cell).replace('\u00a0', ' ').replace('\u202f', ' ')
            self.rows[-1][-1] = text.strip()
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parsed(session: WikiSession, title: str, wikitext: str) -> tuple[dict[str, Any], Page]:
    result = session.parse(title=title, text=wikitext, props=PROPS, pst=True,
                           disablelimitreport=True)
    return result, Page(result['text'])


@pytest.fixture(scope='module')
def directory(admin_session: WikiSession) -> tuple[dict[str, Any], Page, Page]:
    """The hostile directory parsed, and the parsed baseline's elements."""
    result, page = parsed(admin_session, DIRECTORY_TITLE,
                          directory_body(SKILLS, PROGRAMS, LANGUAGE_NAMES))
    _, baseline = parsed(admin_session, DIRECTORY_TITLE,
                         directory_body([PLAIN] * ROWS, [PLAIN] * ROWS, [PLAIN] * ROWS))
    return result, page, baseline


@pytest.fixture(scope='module')
def report(admin_session: WikiSession) -> tuple[dict[str, Any], Page, Page]:
    """The hostile report parsed, and the parsed baseline's elements."""
    result, page = parsed(admin_session, REPORT_TITLE, report_body(MESSAGES))
    _, baseline = parsed(admin_session, REPORT_TITLE, report_body([PLAIN] * ROWS))
    return result, page, baseline


def assert_inert(result: dict[str, Any], page: Page, baseline: Page, links: set[str]) -> None:
    assert result['categories'] == []
    assert result['templates'] == []
    assert result['externallinks'] == []
    assert not result['properties']  # __NOTOC__, __NOINDEX__, DISPLAYTITLE …
    assert {link['title'] for link in result['links']} == links
    assert page.tags == baseline.tags  # no <b>, <i>, <pre>, <div>, <a> … beyond the baseline
    assert page.attributes == baseline.attributes
    for element in ('<script', '<img', '<a href="//', '<a href="http', 'class="external',
                    'class="error', '<pre', '<ol class="references'):
        assert element not in result['text']  # escaped text never has a bare < or "


def test_directory_rows_stay_text(directory: tuple[dict[str, Any], Page, Page]) -> None:
    """Only the expected links, the baseline's elements, and every value shown as typed."""
    result, page, baseline = directory
    assert_inert(result, page, baseline, {
        title for i in range(ROWS)
        for title in (f'User:{user(i)}', f'User talk:{user(i)}', request_page(i))})
    header, *rows = page.rows
    assert header == list(HEADERS)
    assert len(rows) == ROWS
    for i, row in enumerate(rows):
        cells = dict(zip(HEADERS, row, strict=True))
        assert cells['Organizer'] == f'{user(i)} (talk)'
        assert cells['Skills'] == shown(SKILLS[i], SKILLS_LIMIT), i
        assert cells['Latest program'] == (shown(PROGRAMS[i], PROGRAM_LIMIT) or EMPTY_LABEL), i
        assert cells['Languages'] == f'English, {shown(LANGUAGE_NAMES[i], LANGUAGE_LIMIT)}'.strip()


def test_report_rows_stay_text(report: tuple[dict[str, Any], Page, Page]) -> None:
    """Only the expected links, the baseline's elements, and every message shown as typed."""
    result, page, baseline = report
    assert_inert(result, page, baseline, {f'User:{BOT}'} | {
        title for i in range(ROWS) for title in (f'User:{user(i)}', request_page(i))})
    header, *rows = page.rows
    assert header == ['Request', 'Requester', 'Problem', 'Details']
    by_request = {row[0]: row for row in rows}
    assert len(by_request) == ROWS
    for i, message in enumerate(MESSAGES):
        assert by_request[f'Fuzz {i:02d}'] == [
            f'Fuzz {i:02d}', user(i), 'invalid-value', shown(message, MESSAGE_LIMIT)]
