"""Marker regions keep human text byte for byte; rendering keeps volunteer text inert."""

from __future__ import annotations

import datetime as dt

import pytest

from leadership_bot.core.blocks import (
    MarkerError,
    block_digest,
    block_editors,
    markers,
    read_block,
    replace_block,
)
from leadership_bot.core.model import Checked, Problem, Request, Snapshot, TextRevision
from leadership_bot.core.rendering import ROWS_PER_PAGE, plain, render_report, user_link

BEGIN, END = markers('report')


@pytest.mark.parametrize(('text', 'expected'), [
    (None, f'{BEGIN}\nBODY\n{END}\n'),
    ('', f'{BEGIN}\nBODY\n{END}\n'),
    ('Intro', f'Intro\n\n{BEGIN}\nBODY\n{END}\n'),
    ('Intro\n', f'Intro\n\n{BEGIN}\nBODY\n{END}\n'),
    (f'Intro  \n{BEGIN}\nold\n{END}\n outro ', f'Intro  \n{BEGIN}\nBODY\n{END}\n outro '),
    (f'{BEGIN}{END}', f'{BEGIN}\nBODY\n{END}'),
])
def test_replace_block(text, expected):
    assert replace_block(text, 'report', 'BODY') == expected


@pytest.mark.parametrize('text', [
    f'{BEGIN}\nno end', f'no begin\n{END}', f'{END}\n{BEGIN}', f'{BEGIN}{BEGIN}{END}',
    f'{BEGIN}{END}{END}',
])
def test_broken_markers_are_never_repaired(text):
    with pytest.raises(MarkerError):
        replace_block(text, 'report', 'BODY')
    assert read_block(text, 'report') is None


def test_read_block_round_trip():
    assert read_block(replace_block('Intro', 'report', 'a\nb'), 'report') == 'a\nb'


@pytest.mark.parametrize(('value', 'limit', 'expected'), [
    ('Plain text', 200, 'Plain text'),
    ('a|b', 200, 'a&#124;b'),
    ('{{subst:x}}', 200, '&#123;&#123;subst&#58;x&#125;&#125;'),
    ('~~~~', 200, '&#126;&#126;&#126;&#126;'),
    ('__NOTOC__', 200, '&#95;&#95;NOTOC&#95;&#95;'),
    ('line\nbreak\ttab', 200, 'line break tab'),
    ('\u202eevil\u200f', 200, 'evil'),
    ('x' * 10, 5, 'xxxx…'),
])
def test_plain(value, limit, expected):
    assert plain(value, limit=limit) == expected


def test_plain_leaves_no_markup_characters():
    rendered = plain("<script>[[Category:X]]{{T}}''b''=h=*#;:!&amp;", limit=1000)
    assert not set(rendered) & set('<>[]{}|\'=*#;:!~_') - {'&', '#', ';'}
    assert '<' not in rendered and '[[' not in rendered and '{{' not in rendered


def test_report_has_a_row_per_problem_and_counts():
    request = Request(page='P1', page_id=1, revid=1, user='Amina', type='attend',
                      program='X', region='ssa')
    snapshot = Snapshot(
        requests=(Checked(request, status='approved', verified=True),),
        problems=(Problem('P2', 'missing-field', 'program is required', 'Bo'),
                  Problem('P3', 'invalid-value', 'type: "[[x]]" bad', None)),
        pages_read=3)
    text = render_report(snapshot, 'LeadershipBot')
    rows = [line for line in text.splitlines() if line.startswith('| [[')]
    assert rows == [
        '| [[:P2]] || [[User:Bo|Bo]] || missing-field || program is required',
        '| [[:P3]] ||  || invalid-value || type&#58; &#34;&#91;&#91;x&#93;&#93;&#34; bad',
    ]
    assert '| approved || 1' in text and '| ssa || 1' in text


def revision(revid: int, user: str, text: str | None) -> TextRevision:
    return TextRevision(revid=revid, user=user, text=text,
                        timestamp=dt.datetime(2026, 1, revid, tzinfo=dt.UTC))


def page(body: str, intro: str = 'Intro') -> str:
    return replace_block(intro, 'report', body)


def test_block_digest_is_the_block_as_stored():
    assert block_digest(read_block(page('rows'), 'report')) == block_digest('\nrows\n')
    assert block_digest('rows') != block_digest('rows!')
    # MediaWiki saves NFC: a decomposed é fingerprints as the composed one.
    assert block_digest('Marie-E\u0301ve') == block_digest('Marie-\u00c9ve')
    assert block_digest(None) is None


@pytest.mark.parametrize(('later', 'editors'), [
    # An edit outside the region names nobody; one inside names its author.
    ([revision(2, 'Human', page('rows', 'New intro'))], []),
    ([revision(2, '192.0.2.1', page('fake rows'))], ['192.0.2.1']),
    # Changed, then edited outside the region by someone else: only the first is named.
    ([revision(2, 'Vandal', page('fake')), revision(3, 'Human', page('fake', 'Hi'))],
     ['Vandal']),
    # Markers deleted: the region is gone, which is a change.
    ([revision(2, 'Vandal', 'Intro only')], ['Vandal']),
    # A revision-deleted edit changed the region: its author (hidden: '') is named.
    ([revision(2, '', None), revision(3, 'Human', page('fake', 'Hi'))], ['']),
    # Changed and reverted (the revert names nobody), then changed again.
    ([revision(2, 'A', page('x')), revision(3, 'B', page('rows')), revision(4, 'C', page('y'))],
     ['A', 'C']),
    # A revision-deleted edit reverted by someone: nobody is named.
    ([revision(2, '', None), revision(3, 'Human', page('rows'))], []),
    # Two people change it in turn.
    ([revision(2, 'A', page('x')), revision(3, 'B', page('y'))], ['A', 'B']),
])
def test_block_editors(later, editors):
    assert block_editors('report', page('rows'), later) == editors


@pytest.mark.parametrize(('name', 'expected'), [
    ('Ngozi Okafor', '[[User:Ngozi Okafor|Ngozi Okafor]]'),
    ('~~~', '&#126;&#126;&#126;'),  # a signature if it reached the saved text
    ('a~~~~b', 'a&#126;&#126;&#126;&#126;b'),
    ('User:X', 'User&#58;X'),  # not a name MediaWiki stores: text only
    ('[[X]]', '&#91;&#91;X&#93;&#93;'),
])
def test_user_link_never_carries_markup(name, expected):
    assert user_link(name) == expected


def test_report_rows_are_capped_per_page_and_by_size():
    many = [Problem('P/Big', 'invalid-value', f'unknown parameter "q{i}" is ignored', 'A')
            for i in range(15000)]
    others = [Problem(f'P/x{i}', 'missing-field', 'x' * 300, 'B') for i in range(5000)]
    snapshot = Snapshot(requests=(), problems=tuple(many + others), pages_read=5001)
    text = render_report(snapshot, 'Bot', 'P/', max_bytes=1024 * 1024)
    assert len(text.encode()) <= 1024 * 1024 * 0.85
    assert text.count('[[:P/Big|Big]]') == ROWS_PER_PAGE + 1
    assert '14990 more problems on this page, not shown' in text
    assert 'more problems are not shown' in text  # the 5,000 long rows do not all fit
