"""Property-based tests: arbitrary text and values through parsing, validation and rendering.

Nothing a volunteer types may make the pure core raise; what the bot renders must read
back as what it meant (request templates, directory rows, mentorship pairs, marker
regions); matching must be a maximum matching of best score. Hypothesis runs
derandomized and without an example database, so CI sees the same examples every run.
For a deeper, random hunt: ``FUZZ_SCALE=20 .venv/bin/pytest tests/unit/test_fuzz.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import os
import unicodedata
from decimal import Decimal

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from devwiki.seeding import render_request
from leadership_bot.core.blocks import MarkerError, markers, read_block, replace_block
from leadership_bot.core.directory import BLOCK as DIRECTORY_BLOCK
from leadership_bot.core.directory import Organizer, listed_rows, plan_directory
from leadership_bot.core.matching import BLOCK as MATCHES_BLOCK
from leadership_bot.core.matching import Pair, Person, match, pair_score, read_pairs, render_matches
from leadership_bot.core.model import STATUSES, ProblemCode, Request, RequestPage
from leadership_bot.core.normalize import normalize_username
from leadership_bot.core.notices import (
    Notice,
    bots_template_denies,
    marker,
    notice_text,
    posted_ids,
    summary_token,
)
from leadership_bot.core.parsing import _URL, Vocabulary, parse_request, read_fields
from leadership_bot.core.rendering import plain
from leadership_bot.core.settings import (
    Directory,
    Network,
    Notify,
    Pages,
    Settings,
    SettingsError,
    parse_settings,
)
from leadership_bot.core.settings import Vocabulary as VocabularySettings
from leadership_bot.core.trust import value_key

SETTINGS = Settings()
TEMPLATE = SETTINGS.pages.request_template
LANGUAGES = ('en', 'fr', 'es', 'pt-br', 'ar', 'sw')
VOCABULARY = Vocabulary(types=frozenset(SETTINGS.vocabulary.types),
                        regions=frozenset(SETTINGS.vocabulary.regions),
                        areas=frozenset(SETTINGS.vocabulary.areas),
                        languages=frozenset(LANGUAGES))
PAGE = 'Leadership network/Requests/Fuzz'
BOT = 'LeadershipBot'


# More examples, drawn at random, when FUZZ_SCALE is set above 1.
SCALE = float(os.environ.get('FUZZ_SCALE', '1'))


def fuzz(examples: int) -> settings:
    """Settings of one property: ``examples`` examples, reproducible, no time limit."""
    return settings(max_examples=max(1, round(examples * SCALE)), deadline=None,
                    derandomize=SCALE <= 1, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


# -- strategies ------------------------------------------------------------------------------

# Wikitext and HTML that change how the text around them is read.
MARKUP = ['{{', '}}', '{{{', '}}}', '|', '=', '[[', ']]', '[', ']', '<!--', '-->', '\n', ' ',
          '<nowiki>', '</nowiki>', '<pre>', '<ref>', '</ref>', '<noinclude>', '</includeonly>',
          '{{Leadership request', '{{leadership_request', '{{Template:Leadership request',
          '{{ Leadership_request |', '{{#if:', '{{subst:', '{|', '|}', '|-', '!!', '~~~~',
          '__NOTOC__', "'''", '&amp;', '&#124;', '&lt;', '\u200b', '\u202e', '\t', '\r\n',
          'https://x.example', '[[Category:X]]', '-{', '}-', ':', '*', '#', ';']
FIELD_WORDS = ['user', 'username', 'type', 'program', 'region', 'amount', 'currency',
               'start', 'end', 'status', 'languages', 'areas', 'directory', 'mentor',
               'notices', 'lang', 'reviewer', 'decision_date', 'program_url',
               'attend', 'ssa', 'mentorship', 'approved', 'yes', 'no', 'USD', '2026-03-01',
               '1500', '1e5', 'en, fr', 'Ngozi Okafor']


def wikitext(fragments: list[str], max_size: int = 60) -> st.SearchStrategy[str]:
    """Text mixing random Unicode with ``fragments`` of markup."""
    part = st.one_of(st.sampled_from(fragments), st.text(max_size=6),
                     st.characters(codec='utf-8').map(str))
    return st.lists(part, max_size=max_size).map(''.join)


def _template_page(parts: list[tuple[str, str, str]], closed: bool, before: str,
                   after: str) -> str:
    body = ''.join(f'{sep}{key}={value}' for sep, key, value in parts)
    return f'{before}{{{{Leadership request{body}{"}}" if closed else ""}{after}'


# Pages that look like a request: a template with parameters of random names and values.
TEMPLATE_PAGES = st.builds(
    _template_page,
    st.lists(st.tuples(st.sampled_from(['|', '\n|', '|\n ', '| ']),
                       st.one_of(st.sampled_from(FIELD_WORDS), wikitext(MARKUP, 4)),
                       st.one_of(st.sampled_from(FIELD_WORDS), wikitext(MARKUP + FIELD_WORDS, 8))),
             max_size=12),
    st.booleans(), wikitext(MARKUP, 6), wikitext(MARKUP, 6))


# C0 control characters never reach wikitext: MediaWiki replaces them when text is saved.
CONTROLS = ''.join(chr(c) for c in range(32) if chr(c) not in '\t\n\r')


def valid_user_raw(text: str) -> bool:
    """Whether ``text`` is a user name the template syntax can hold and the parser sees."""
    if set(text) & set(CONTROLS):
        return False
    visible = [c for c in text if unicodedata.category(c) != 'Cf' and not c.isspace()]
    return normalize_username(text) is not None and bool(visible)


# Raw user names as typed (underscores, spaces, lower case), valid once normalized.
RAW_USERS = st.one_of(
    st.text(st.characters(codec='utf-8', exclude_characters='#<>[]|{}/:' + CONTROLS),
            min_size=1, max_size=24),
    st.lists(st.sampled_from(['a', 'Ngozi', '_', ' ', 'ł', 'ß', 'ǆ', 'é', 'e\u0301', '&amp;',
                              '\u200e', '=', "'", '~', '.', '9', 'أحمد', '\u00a0']),
             min_size=1, max_size=8).map(''.join),
).filter(valid_user_raw)
USERS = RAW_USERS.map(normalize_username)

# Free text the template syntax can hold as a parameter value: no | { } [ ] < >.
FREE_TEXT = st.text(
    alphabet=st.characters(codec='utf-8', exclude_characters='|{}[]<>' + CONTROLS),
    min_size=1, max_size=40,
).map(str.strip).filter(
    lambda t: any(unicodedata.category(c) != 'Cf' and not c.isspace() for c in t))


def spelled(code: str) -> st.SearchStrategy[str]:
    """``code`` as a volunteer might type it: any case, ``-``, ``_`` or space between words."""
    words = code.split('-')
    return st.tuples(st.lists(st.sampled_from(['-', '_', ' ', ' - ', '__']),
                              min_size=len(words) - 1, max_size=len(words) - 1),
                     st.lists(st.booleans(), min_size=len(code), max_size=len(code)),
                     st.sampled_from(['', ' ', '\n'])).map(
        lambda t: t[2] + ''.join(
            ''.join(c.upper() if up else c for c, up in zip(word, t[1], strict=False))
            + (t[0][i] if i < len(t[0]) else '') for i, word in enumerate(words)))


def spelled_language(code: str) -> st.SearchStrategy[str]:
    """A language code in any case, with ``_`` or ``-``."""
    return st.tuples(st.booleans(), st.booleans()).map(
        lambda t: (code.upper() if t[0] else code).replace('-', '_' if t[1] else '-'))


def code_list(codes: tuple[str, ...], spell) -> st.SearchStrategy[tuple[str, tuple[str, ...]]]:
    """A comma-separated list as typed (empty items, repeats) and the codes it means."""
    def joined(items: list[tuple[str, str]], gaps: list[str]) -> tuple[str, tuple[str, ...]]:
        text = ''.join(typed + (gaps[i] if i < len(gaps) else '')
                       for i, (_, typed) in enumerate(items))
        return text, tuple(dict.fromkeys(code for code, _ in items))
    item = st.sampled_from(codes).flatmap(lambda c: spell(c).map(lambda s: (c, s)))
    return st.tuples(st.lists(item, min_size=1, max_size=5),
                     st.lists(st.sampled_from([',', ', ', ' ,', ',,', ', ,']),
                              min_size=5, max_size=5)).map(lambda t: joined(*t))


AMOUNTS = st.from_regex(r'\+?([0-9]{1,12}\.?[0-9]{0,6}|\.[0-9]{1,6})([eE][+-]?[0-9]{1,4})?',
                        fullmatch=True)
DATES = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))
CURRENCIES = ['USD', 'eur', 'Inr', 'NGN', 'brl', 'JPY']


@st.composite
def request_params(draw) -> tuple[dict[str, str], dict[str, object]]:
    """Template parameters with valid values as typed, and the Request fields they mean."""
    params: dict[str, str] = {}
    expected: dict[str, object] = {}

    def put(field: str, typed: str, value: object) -> None:
        params[field] = typed
        expected[field] = value

    user = draw(RAW_USERS)
    put('user', user, normalize_username(user))
    for field, codes in (('type', SETTINGS.vocabulary.types),
                         ('region', SETTINGS.vocabulary.regions)):
        code = draw(st.sampled_from(codes))
        put(field, draw(spelled(code)), code)
    program = draw(FREE_TEXT)
    put('program', program, program)
    optional = draw(st.sets(st.sampled_from(
        ['program_url', 'dates', 'location', 'amount', 'languages', 'areas', 'skills', 'goals',
         'directory', 'mentor', 'notices', 'lang', 'status', 'reviewer', 'decision_date',
         'report'])))
    if 'program_url' in optional:
        url = draw(st.from_regex(_URL, fullmatch=True).filter(
            lambda u: not set(u) & set(CONTROLS)))
        put('program_url', url, url)
    if 'dates' in optional:
        start, end = sorted(draw(st.lists(DATES, min_size=2, max_size=2)))
        put('start', start.isoformat(), start)
        put('end', end.isoformat(), end)
    for field in ('location', 'skills', 'goals', 'report'):
        if field in optional:
            text = draw(FREE_TEXT)
            put(field, text, text)
    if 'amount' in optional:
        amount, currency = draw(AMOUNTS), draw(st.sampled_from(CURRENCIES))
        put('amount', amount, Decimal(amount))
        put('currency', currency, currency.upper())
    if 'languages' in optional:
        typed, codes = draw(code_list(LANGUAGES, spelled_language))
        put('languages', typed, codes)
    if 'areas' in optional:
        typed, codes = draw(code_list(SETTINGS.vocabulary.areas, spelled))
        put('areas', typed, codes)
    for field in ('directory', 'mentor', 'notices'):
        if field in optional:
            yes = draw(st.booleans())
            put(field, draw(spelled('yes' if yes else 'no')), yes)
    if 'lang' in optional:
        code = draw(st.sampled_from(LANGUAGES))
        put('lang', draw(spelled_language(code)), code)
    if 'status' in optional:
        status = draw(st.sampled_from(STATUSES))
        put('status', draw(spelled(status)), status)
    if 'reviewer' in optional:
        reviewer = draw(RAW_USERS)
        put('reviewer', reviewer, normalize_username(reviewer))
    if 'decision_date' in optional:
        day = draw(DATES)
        put('decision_date', day.isoformat(), day)
    order = draw(st.permutations(list(params)))
    return {key: params[key] for key in order}, expected


@st.composite
def damaged_requests(draw) -> str:
    """A valid request with some values spoiled by markup, next to other text."""
    params, _ = draw(request_params())
    for key in draw(st.sets(st.sampled_from(list(params)), max_size=3)):
        value = draw(wikitext(MARKUP + FIELD_WORDS, 6))
        params[key] = draw(st.sampled_from([value, params[key] + value, value + params[key]]))
    text = render_request(params, draw(st.sampled_from(
        ['Leadership request', 'leadership_request', 'Template:Leadership request'])))
    before, after = draw(wikitext(MARKUP, 4)), draw(wikitext(MARKUP, 4))
    return before + text + after


PAGE_TEXTS = st.one_of(wikitext(MARKUP + FIELD_WORDS), TEMPLATE_PAGES, damaged_requests())


def parse(text: str) -> tuple[Request | None, list]:
    page = RequestPage(title=PAGE, page_id=7, revid=70, text=text)
    return parse_request(page, TEMPLATE, VOCABULARY)


# -- 1. parsing never raises ------------------------------------------------------------------


@fuzz(200)
@given(PAGE_TEXTS)
@example('{{Leadership request' * 200)
@example('{{' * 500 + '}}' * 3)
@example('[[' * 300 + '{{Leadership request|user=A')
def test_parse_request_never_raises(text: str) -> None:
    """Any page text gives a request or not, and problems with known codes only."""
    request, problems = parse(text)
    assert all(isinstance(p.code, ProblemCode) for p in problems)
    assert all(p.page == PAGE for p in problems)
    assert request is None or request.user == normalize_username(request.user)
    assert value_key('status', read_fields(text, TEMPLATE).values.get('status')) in STATUSES


@fuzz(50)
@given(st.from_regex(r'\+?([0-9]{1,3}|\.[0-9]{1,3})[eE][+-]?[0-9]{17,22}', fullmatch=True))
@example('1e1000000000000000000')
def test_parse_request_never_raises_on_huge_exponents(amount: str) -> None:
    """An amount with a huge exponent is reported as a problem, not raised."""
    request, problems = parse(
        '{{Leadership request | user = A | type = attend | program = P | region = ssa'
        f' | amount = {amount} | currency = USD }}}}')
    assert request is not None
    if request.amount is None:
        assert [p.code for p in problems] == ['invalid-value']
    else:  # an exponent Decimal can hold
        assert (problems, request.amount) == ([], Decimal(amount))


# -- 2. render_request then parse_request round-trips -----------------------------------------


@fuzz(200)
@given(request_params())
def test_rendered_request_parses_back(case: tuple[dict[str, str], dict[str, object]]) -> None:
    """Valid values as typed come back normalized, with no problem."""
    params, expected = case
    text = render_request(params)
    request, problems = parse(text)
    assert problems == []
    assert request == Request(page=PAGE, page_id=7, revid=70, **expected)  # type: ignore[arg-type]
    assert value_key('status', read_fields(text, TEMPLATE).values.get('status')) == \
        expected.get('status', 'submitted')


@fuzz(200)
@given(st.text(max_size=30))
@example('ɐ' + 'a' * 200)
def test_normalize_username_is_idempotent(text: str) -> None:
    """A normalized name normalizes to itself."""
    name = normalize_username(text)
    assert name is None or normalize_username(name) == name


@fuzz(50)
@given(st.sampled_from('ɐɑɒɥɦɪɫɬɱɽʂʇʝʞ'), st.integers(min_value=0, max_value=3))
@example('ɐ', 0)
def test_normalize_username_respects_byte_limit(first: str, shorter: int) -> None:
    """A name MediaWiki could store is at most 255 bytes, after its first letter is upper."""
    text = first + 'a' * (255 - len(first.encode()) - shorter)
    name = normalize_username(text)
    assert name is None or len(name.encode()) <= 255


# -- 3. settings ------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                    DATES, st.datetimes(), st.sampled_from(['', 'approved', 'meta:meta', '1',
                                                            '2026-01-01', 'Open_Data']))


def containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Lists and mappings (keys as YAML gives them) of ``inner``."""
    keys = st.one_of(st.text(max_size=8), st.integers(), st.none())
    return st.one_of(st.lists(inner, max_size=4),
                     st.dictionaries(keys, inner, max_size=4))


ANYTHING = st.recursive(SCALARS, containers, max_leaves=12)


def section(cls: type) -> st.SearchStrategy[object]:
    """Data for one settings section: its own keys (mostly) with arbitrary values."""
    fields = [f.name for f in dataclasses.fields(cls) if f.name != 'source']
    value = st.one_of(ANYTHING, st.lists(st.sampled_from(
        ['approved', 'listed', 'x', 'glam', 'Bad Code', '', 'a-b']), max_size=4),
        st.lists(st.integers(min_value=-2, max_value=30), max_size=4),
        st.floats(min_value=-1, max_value=2), st.integers(min_value=-3, max_value=3))
    known = st.fixed_dictionaries({}, optional={name: value for name in fields})
    return st.one_of(known, ANYTHING, known.flatmap(
        lambda d: st.dictionaries(st.text(max_size=8), ANYTHING, max_size=2).map(
            lambda extra: {**d, **extra})))


SETTINGS_DATA = st.one_of(ANYTHING, st.fixed_dictionaries({}, optional={
    'site': st.one_of(ANYTHING, st.sampled_from(['meta:meta', 'meta', ''])),
    'pages': section(Pages), 'network': section(Network), 'notify': section(Notify),
    'directory': section(Directory), 'vocabulary': section(VocabularySettings)}))


@fuzz(200)
@given(SETTINGS_DATA)
@example({'notify': {'since': True}})
@example({'notify': {'milestones': [True]}})
@example({'directory': {'max_removed_share': float('nan')}})
@example({'vocabulary': {'types': [['a']]}})
def test_parse_settings_raises_only_settings_error(data: object) -> None:
    """Any data loads as Settings or raises SettingsError, never anything else."""
    try:
        result = parse_settings(data)
    except SettingsError as error:
        assert str(error)
    else:
        assert isinstance(result, Settings)


# -- 4. plain() -------------------------------------------------------------------------------

PLAIN_INPUT = st.one_of(st.text(), wikitext(MARKUP + ['://', '__', '_', 'http', '~', "'", '\x00',
                                                       '\x85', '\u2028', '\u00ad', '…']))


@fuzz(200)
@given(PLAIN_INPUT, st.integers(min_value=1, max_value=300))
@example('a' * 10, 1)
@example('x\u2028y\x85z\x1e_\u200b_', 5)
def test_plain_is_inert_and_bounded(value: str, limit: int) -> None:
    """No markup character or sequence, one line, at most ``limit`` visible characters."""
    escaped = plain(value, limit)
    assert not set(escaped) & set("|{}[]<>~'=")
    assert '__' not in escaped and '://' not in escaped
    assert not set(escaped) & set('\n\r\x85\u2028\u2029\x0b\x0c\x1c\x1d\x1e')
    shown = html.unescape(escaped)
    assert len(shown) <= limit
    assert html.unescape(plain(shown, limit)) == shown


# -- 5. directory rendering round trip --------------------------------------------------------

REGIONS = SETTINGS.vocabulary.regions
PREFIX = 'Leadership network/Requests/'
DIRECTORY = 'Leadership network/Directory'
HOSTILE_TEXT = st.one_of(st.none(), st.text(max_size=30), wikitext(MARKUP, 10))


@st.composite
def organizers(draw) -> list[Organizer]:
    users = draw(st.lists(USERS, max_size=14, unique=True))
    return [Organizer(
        user=user,
        region=draw(st.sampled_from((*REGIONS, 'x-unknown', 'ssa'))),
        languages=tuple(draw(st.lists(st.sampled_from(LANGUAGES), unique=True, max_size=3))),
        areas=tuple(draw(st.lists(st.sampled_from(SETTINGS.vocabulary.areas), unique=True,
                                  max_size=3))),
        skills=draw(HOSTILE_TEXT), mentor=draw(st.booleans()),
        approved=draw(st.integers(0, 9)), completed=draw(st.integers(0, 9)),
        latest_program=draw(HOSTILE_TEXT) or '', latest_request=f'{PREFIX}Request {i}',
    ) for i, user in enumerate(users)]


@fuzz(100)
@given(organizers(), st.integers(min_value=1, max_value=6),
       st.dictionaries(st.sampled_from(LANGUAGES), st.text(max_size=12)))
def test_directory_pages_list_their_users(listed: list[Organizer], max_rows: int,
                                          names: dict[str, str]) -> None:
    """Every page's region lists exactly its users; a re-plan against them sees no change."""
    plan = plan_directory(listed, REGIONS, DIRECTORY, max_rows, names, {})
    assert plan.added == {o.user for o in listed}
    previous: dict[str, str] = {}
    for page in plan.pages:
        begin, end = markers(DIRECTORY_BLOCK)
        assert begin not in page.body and end not in page.body
        rows = listed_rows(read_block(replace_block(None, DIRECTORY_BLOCK, page.body),
                                       DIRECTORY_BLOCK))
        assert sorted(rows) == sorted(page.users)
        assert not previous.keys() & rows.keys()
        previous |= rows
    assert previous.keys() == {o.user for o in listed}
    again = plan_directory(listed, REGIONS, DIRECTORY, max_rows, names, previous)
    assert (again.added, again.removed, again.changed) == (frozenset(),) * 3
    assert again.pages == plan.pages


# -- 6. marker regions ------------------------------------------------------------------------

NAME = 'directory'
BEGIN, END = markers(NAME)
HUMAN = wikitext(['<!--', '-->', ' BEGIN', ' END', 'leadership-bot', NAME, '\n', '\n\n', ' ',
                  BEGIN[:-1], END[5:], '<!-- BEGIN leadership-bot matches -->']).filter(
    lambda t: BEGIN not in t and END not in t)
BODY = st.one_of(st.text(max_size=30), wikitext(['\n', '{|', '|}', '| a || b', '<!-- x -->']))


@fuzz(200)
@given(HUMAN, HUMAN, HUMAN, BODY, st.booleans())
@example('', '', '', '', True)
@example(' \n', 'old', '\n', '\n\nx\n\n', True)
@example(' \n\t', '', '', 'x', False)
def test_replace_region_keeps_human_text(head: str, old: str, tail: str, body: str,
                                         with_markers: bool) -> None:
    """Text outside the markers is kept byte for byte; the region reads back as ``body``."""
    if with_markers:
        text = f'{head}{BEGIN}{old}{END}{tail}'
        assume(text.count(BEGIN) == 1 and text.count(END) == 1)
        result = replace_block(text, NAME, body)
        assert result.startswith(head + BEGIN) and result.endswith(END + tail)
    else:
        text = head
        result = replace_block(text, NAME, body)
        if text.strip():
            assert result.startswith(text) and result.endswith(END + '\n')
        else:  # a blank page counts as missing
            assert result == f'{BEGIN}\n{body.strip(chr(10))}\n{END}\n'
    assert read_block(result, NAME) == body.strip('\n')
    assert replace_block(result, NAME, body) == result


@fuzz(120)
@given(st.lists(HUMAN, min_size=7, max_size=7),
       st.sampled_from([(s, e) for s in range(4) for e in range(4) if (s, e) != (0, 0)]),
       st.randoms(use_true_random=False))
def test_broken_markers_raise(texts: list[str], counts: tuple[int, int], rnd) -> None:
    """Missing, repeated or reversed markers raise MarkerError and read as no region."""
    starts, ends = counts
    pieces = [BEGIN] * starts + [END] * ends
    rnd.shuffle(pieces)
    if counts == (1, 1):
        pieces = [END, BEGIN]
    text = texts[0] + ''.join(p + t for p, t in zip(pieces, texts[1:], strict=False))
    with pytest.raises(MarkerError):
        replace_block(text, NAME, 'BODY')
    assert read_block(text, NAME) is None


# -- 7. matching ------------------------------------------------------------------------------

POOL = ['Ana', 'Ángel', 'Zoë', 'Łukasz', 'Ngozi Okafor', 'أحمد', 'Bob', 'Bob2',
        'Chen', 'Dara', 'Émile', 'Farah', 'Gita', 'Hugo', 'Ife', 'Jo', 'Kofi', 'Lena', 'Mo',
        'Nia', 'Olu', 'Pia', 'Qasim', 'Rui', 'Sana', 'Tariq', 'Uma', 'Vik', 'Wen', 'Xu', 'Yara',
        'Zane', 'A&amp;B', "O'Neil", 'Tilde~~~']
MATCH_LANGUAGES = ('en', 'fr', 'es', 'ar', 'sw')
TODAY = dt.date(2026, 11, 26)


def people(users: list[str]) -> st.SearchStrategy[dict[str, Person]]:
    person = st.builds(lambda langs, region, areas: (tuple(langs), region, tuple(areas)),
                       st.lists(st.sampled_from(MATCH_LANGUAGES), unique=True, max_size=3),
                       st.sampled_from(REGIONS[:3]),
                       st.lists(st.sampled_from(SETTINGS.vocabulary.areas[:4]), unique=True,
                                max_size=3))
    return st.lists(person, min_size=len(users), max_size=len(users)).map(
        lambda ps: {u: Person(u, *p) for u, p in zip(users, ps, strict=True)})


@st.composite
def instances(draw) -> tuple[dict[str, Person], dict[str, Person], int]:
    mentee_names = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=30))
    mentor_names = draw(st.lists(st.sampled_from(POOL), unique=True, max_size=10))
    return (draw(people(mentee_names)), draw(people(mentor_names)),
            draw(st.integers(min_value=0, max_value=3)))


def best(mentees: dict[str, Person], mentors: dict[str, Person],
         capacity: int) -> tuple[int, int]:
    """Size of a maximum matching and the best total score among those (min-cost flow)."""
    graph = nx.DiGraph()
    graph.add_node('s', demand=0)
    for mentee in mentees.values():
        graph.add_edge('s', ('e', mentee.user), capacity=1, weight=0)
        for mentor in mentors.values():
            if mentee.user != mentor.user and set(mentee.languages) & set(mentor.languages):
                graph.add_edge(('e', mentee.user), ('m', mentor.user), capacity=1,
                               weight=-pair_score(mentee, mentor))
    for mentor in mentors.values():
        graph.add_edge(('m', mentor.user), 't', capacity=capacity, weight=0)
    graph.add_node('t')
    flow = nx.max_flow_min_cost(graph, 's', 't')
    return (sum(flow['s'].values()), -nx.cost_of_flow(graph, flow))


@fuzz(150)
@given(instances())
def test_matching_is_maximum_and_valid(case: tuple[dict, dict, int]) -> None:
    """Shared language, no self pair, capacity kept, maximum size and best score."""
    mentees, mentors, capacity = case
    result = match(mentees, mentors, capacity, (), TODAY)
    load: dict[str, int] = {}
    for pair in result.pairs:
        mentee, mentor = mentees[pair.mentee], mentors[pair.mentor]
        assert set(mentee.languages) & set(mentor.languages)
        assert pair.mentee != pair.mentor
        load[pair.mentor] = load.get(pair.mentor, 0) + 1
    assert all(n <= capacity for n in load.values())
    matched = [p.mentee for p in result.pairs]
    assert len(matched) == len(set(matched))
    assert sorted(matched + [u.mentee.user for u in result.unmatched]) == sorted(mentees)
    size, score = best(mentees, mentors, capacity)
    assert len(result.pairs) == size
    assert sum(pair_score(mentees[p.mentee], mentors[p.mentor]) for p in result.pairs) == score
    body = render_matches(result, {'en': 'English', 'fr': '[[Category:X]] | {{x}}'})
    block = read_block(replace_block(None, MATCHES_BLOCK, body), MATCHES_BLOCK)
    # Names shown as text only (holding ~~~) are no links, so the legacy read skips them;
    # the bot's own pairs page holds every pair.
    linked = [p for p in result.pairs if '~~~' not in p.mentee + p.mentor]
    assert read_pairs(block) == linked


@fuzz(100)
@given(instances(), st.lists(st.tuples(st.sampled_from(POOL), st.sampled_from(POOL),
                                       DATES), max_size=12))
def test_matching_keeps_invariants_with_earlier_pairs(case: tuple[dict, dict, int],
                                                      earlier: list) -> None:
    """Earlier pairs (valid or not) never break the rules, and valid ones stay."""
    mentees, mentors, capacity = case
    previous = [Pair(a, b, day) for a, b, day in earlier]
    result = match(mentees, mentors, capacity, previous, TODAY)
    load: dict[str, int] = {}
    for pair in result.pairs:
        assert set(mentees[pair.mentee].languages) & set(mentors[pair.mentor].languages)
        assert pair.mentee != pair.mentor
        load[pair.mentor] = load.get(pair.mentor, 0) + 1
    assert all(n <= capacity for n in load.values())
    matched = [p.mentee for p in result.pairs]
    assert len(matched) == len(set(matched))
    kept = {p for p in result.pairs if p.since != TODAY}
    assert kept <= set(previous)


# -- 8. notices -------------------------------------------------------------------------------

BOTS_TEXT = wikitext(MARKUP + ['{{bots', '{{nobots', '{{Bots', '{{ NoBots ', '{{Template:bots',
                               '|deny=', '|allow=', '|optout=', 'all', 'none', BOT,
                               BOT.lower(), ',', 'OtherBot'])


@fuzz(200)
@given(BOTS_TEXT, st.sampled_from([BOT, ' LeadershipBot ', 'Other bot', '']))
@example('{{bots|deny}}{{bots|allow}}{{nobots|allow}}', BOT)
def test_bots_template_denies_never_raises(text: str, bot: str) -> None:
    """Any talk page text gives a yes or no."""
    assert bots_template_denies(text, bot) in (True, False)


@fuzz(100)
@given(USERS, USERS, st.sampled_from(['matched', 'listed', 'milestone']), BOTS_TEXT)
def test_notice_ids_read_back(user: str, partner: str, event: str, around: str) -> None:
    """A posted notice's id is found again in its summary and in the talk page text."""
    notice_id = f'{event}:{user}:{partner}'
    notice = Notice(id=notice_id, event=event, user=user, when=None, lang=None, allowed=True,
                    params=(('partner', partner), ('program', plain(around))), page=PAGE)
    text = notice_text(notice, 'Template:Leadership recognition', ())
    assert marker(notice_id) in text
    assert notice_id in posted_ids([f'Notice {summary_token(notice_id)}'], [])
    assert notice_id in posted_ids([], [f'{around}\n{text}'])
