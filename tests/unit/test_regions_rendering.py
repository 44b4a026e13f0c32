"""Marker regions keep human text byte for byte; rendering keeps volunteer text inert."""

from __future__ import annotations

import pytest

from bots.model import Checked, Problem, Request, Snapshot
from bots.regions import MarkerError, markers, read_region, replace_region
from bots.rendering import plain, render_report

BEGIN, END = markers('report')


@pytest.mark.parametrize(('text', 'expected'), [
    (None, f'{BEGIN}\nBODY\n{END}\n'),
    ('', f'{BEGIN}\nBODY\n{END}\n'),
    ('Intro', f'Intro\n\n{BEGIN}\nBODY\n{END}\n'),
    ('Intro\n', f'Intro\n\n{BEGIN}\nBODY\n{END}\n'),
    (f'Intro  \n{BEGIN}\nold\n{END}\n outro ', f'Intro  \n{BEGIN}\nBODY\n{END}\n outro '),
    (f'{BEGIN}{END}', f'{BEGIN}\nBODY\n{END}'),
])
def test_replace_region(text, expected):
    assert replace_region(text, 'report', 'BODY') == expected


@pytest.mark.parametrize('text', [
    f'{BEGIN}\nno end', f'no begin\n{END}', f'{END}\n{BEGIN}', f'{BEGIN}{BEGIN}{END}',
    f'{BEGIN}{END}{END}',
])
def test_broken_markers_are_never_repaired(text):
    with pytest.raises(MarkerError):
        replace_region(text, 'report', 'BODY')
    assert read_region(text, 'report') is None


def test_read_region_round_trip():
    assert read_region(replace_region('Intro', 'report', 'a\nb'), 'report') == 'a\nb'


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
