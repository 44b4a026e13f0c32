"""Who is listed in the directory, how it is laid out, and what a run changes."""

from __future__ import annotations

import dataclasses
import json

import pytest

from leadership_bot.core.blocks import read_block, replace_block
from leadership_bot.core.directory import (
    Organizer,
    build_organizers,
    listed_rows,
    plan_directory,
    render_json,
    render_row,
)
from leadership_bot.core.model import Checked, Request
from leadership_bot.core.vocabulary import REGIONS

CODES = tuple(REGIONS)
NAMES = {'en': 'English', 'fr': 'français'}


def checked(user: str, page_id: int, *, directory: bool | None = True, status: str = 'approved',
            verified: bool = True, region: str = 'ssa', program: str = 'P',
            mentor: bool | None = None) -> Checked:
    request = Request(page=f'R/{user}/{page_id}', page_id=page_id, revid=page_id, user=user,
                      type='attend', program=program, region=region, languages=('en',),
                      directory=directory, mentor=mentor)
    return Checked(request, status=status, verified=verified)


def users(requests: list[Checked]) -> list[str]:
    return [o.user for o in build_organizers(requests)]


@pytest.mark.parametrize(('requests', 'listed'), [
    ([checked('A', 1)], ['A']),
    ([checked('A', 1, directory=None)], []),
    ([checked('A', 1, verified=False)], []),
    ([checked('A', 1, status='withdrawn')], []),
    ([checked('A', 1, status='submitted')], ['A']),
    ([checked('A', 1), checked('A', 2, directory=False)], []),
    ([checked('A', 1), checked('A', 2, directory=False, verified=False)], []),
    ([checked('A', 1, status='withdrawn'), checked('A', 2)], ['A']),
    ([checked('A', 1, verified=False), checked('A', 2, directory=None)], []),
])
def test_consent_rules(requests, listed):
    assert users(requests) == listed


def test_profile_from_newest_request_and_counts_over_all():
    organizers = build_organizers([
        checked('A', 5, program='Old', region='ssa', status='completed'),
        checked('A', 9, program='New', region='nwe', status='approved', mentor=True),
        checked('A', 7, directory=None, status='approved'),
        checked('A', 8, status='approved', verified=False),
    ])
    assert len(organizers) == 1
    a = organizers[0]
    assert (a.latest_program, a.region, a.mentor) == ('New', 'nwe', True)
    assert (a.approved, a.completed) == (2, 1)


def test_order_is_deterministic_and_accent_insensitive():
    names = ['Zoë', 'zed', 'Łukasz', 'Lars', 'Émile', 'Eve', 'أحمد', '田中']
    requests = [checked(n, i) for i, n in enumerate(names)]
    assert users(requests) == users(list(reversed(requests)))
    assert users(requests)[:6] == ['Émile', 'Eve', 'Lars', 'Łukasz', 'zed', 'Zoë']


def organizer(user: str, region: str = 'ssa', **changes) -> Organizer:
    base = Organizer(user=user, region=region, languages=('en', 'fr'), areas=('open-data',),
                     skills='Training', mentor=False, approved=1, completed=0,
                     latest_program='Camp', latest_request=f'R/{user}')
    return dataclasses.replace(base, **changes)


def plan(organizers, max_rows=500, previous=None):
    return plan_directory(organizers, CODES, 'Dir', max_rows, NAMES, previous or {})


def test_one_page_grouped_by_region_in_config_order():
    result = plan([organizer('B', 'nwe'), organizer('A', 'ssa'), organizer('C', 'nwe')])
    assert [p.title for p in result.pages] == ['Dir']
    body = result.pages[0].body
    assert body.index('(ssa) ==') < body.index('(nwe) ==')
    assert "'''3''' organizers in '''2''' regions." in body
    assert body.index('[[User:B|B]]') < body.index('[[User:C|C]]')


def test_large_directory_moves_regions_to_subpages_and_splits_large_regions():
    organizers = [organizer(f'S{i:02}', 'ssa') for i in range(5)] + [organizer('N', 'nwe')]
    result = plan(organizers, max_rows=2)
    titles = [p.title for p in result.pages]
    assert titles == ['Dir', 'Dir/ssa', 'Dir/ssa/1', 'Dir/ssa/2', 'Dir/ssa/3', 'Dir/nwe']
    assert f'[[Dir/ssa|{REGIONS["ssa"]} (ssa)]]: 5 organizers' in result.pages[0].body
    assert '[[Dir/ssa/3|S04 – S04]]: 1 organizers' in result.pages[1].body
    listed = [u for p in result.pages for u in p.users]
    assert sorted(listed) == sorted(o.user for o in organizers)
    assert all(len(p.users) <= 2 for p in result.pages)


def test_changes_against_previous_rows():
    first = plan([organizer('A'), organizer('B'), organizer('C')])
    previous = listed_rows(read_block(replace_block('Intro', 'directory',
                                                      first.pages[0].body), 'directory'))
    assert set(previous) == {'A', 'B', 'C'}
    second = plan([organizer('A'), organizer('B', skills='New skills'), organizer('D')],
                  previous=previous)
    assert (second.added, second.removed, second.changed) == ({'D'}, {'C'}, {'B'})
    assert second.summary() == 'leadership-bot: directory +1 −1 ~1 organizers'
    assert second.removed_share == pytest.approx(1 / 3)
    same = plan([organizer('A'), organizer('B'), organizer('C')], previous=previous)
    assert (same.added, same.removed, same.changed) == (set(), set(), set())
    # What the bot keeps in its data page is what its own page would give back.
    assert first.listing == previous and set(second.listing) == {'A', 'B', 'D'}


def test_row_shows_language_names_and_escapes_free_text():
    row = render_row(organizer('A', skills='{{X}} [[Category:Y]]', latest_program="''P''"),
                     NAMES)
    assert row[0] == '[[User:A|A]] ([[User talk:A|talk]])'
    assert row[2] == 'English, français'
    assert row[3] == 'open data'
    assert '{' not in row[4] and '[' not in row[4]
    assert row[8] == '[[:R/A|&#39;&#39;P&#39;&#39;]]'


def test_json_copy_has_the_same_data():
    [(title, text)] = render_json([organizer('A'), organizer('B')], 'Dir', 'Dir.json').items()
    data = json.loads(text)
    assert title == 'Dir.json'
    assert data['schema'] == 1 and data['directory'] == 'Dir'
    assert [o['user'] for o in data['organizers']] == ['A', 'B']
    assert data['organizers'][0]['languages'] == ['en', 'fr']


def test_json_copy_is_split_into_parts_within_the_size_limit_and_cuts_long_values():
    many = [dataclasses.replace(organizer(f'User {i:05}'), skills='x' * 100_000)
            for i in range(3000)]
    limit = 2048 * 1024
    pages = render_json(many, 'Dir', 'Dir.json', limit)
    index = json.loads(pages.pop('Dir.json'))
    assert index['schema'] == 2 and index['count'] == 3000
    assert index['parts'] == sorted(pages, key=lambda t: int(t.rsplit('/', 1)[1]))
    users = []
    for text in pages.values():
        assert len(text.encode('utf-8')) <= limit * 0.7
        # What MediaWiki stores (re-formatted with four spaces) is what was measured.
        assert len(json.dumps(json.loads(text), indent=4, ensure_ascii=False)) == len(text)
        part = json.loads(text)
        users += [o['user'] for o in part['organizers']]
        assert all(len(o['skills']) <= 500 and o['skills'].endswith('…')
                   for o in part['organizers'])
    assert users == [o.user for o in many]


def test_region_headings_come_from_the_vocabulary() -> None:
    """One definition of region names: the vocabulary's, or the operator's own labels."""
    assert f'== {REGIONS["eseap"]} (eseap) ==' in plan([organizer('A', 'eseap')]).pages[0].body
    own = plan_directory([organizer('A', 'eseap')], CODES, 'Dir', 500, NAMES, {},
                         region_names={**REGIONS, 'eseap': 'Asia-Pacific'})
    assert '== Asia-Pacific (eseap) ==' in own.pages[0].body
