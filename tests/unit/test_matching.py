"""Mentorship matching on small hand-made cases."""

from __future__ import annotations

import datetime as dt

import pytest

from leadership_bot.core.blocks import read_block, replace_block
from leadership_bot.core.matching import (
    Pair,
    Person,
    find_mentees,
    match,
    pair_score,
    read_pairs,
    render_matches,
)
from leadership_bot.core.model import Checked, Request

TODAY = dt.date(2026, 11, 26)
EARLIER = dt.date(2026, 5, 1)


def person(user: str, languages: str = 'en', region: str = 'ssa', areas: str = '') -> Person:
    return Person(user, tuple(languages.split()), region, tuple(areas.split()))


def people(*persons: Person) -> dict[str, Person]:
    return {p.user: p for p in persons}


def pairs(result) -> set[tuple[str, str]]:
    return {(p.mentee, p.mentor) for p in result.pairs}


def test_maximum_number_matched_beats_greedy_best_score():
    # Greedy by score would give M1 to A (same region) and leave B without a mentor.
    mentees = people(person('A', 'en fr', 'ssa'), person('B', 'fr', 'nwe'))
    mentors = people(person('M1', 'fr', 'ssa'), person('M2', 'en', 'nwe'))
    result = match(mentees, mentors, 1, [], TODAY)
    assert pairs(result) == {('A', 'M2'), ('B', 'M1')}
    assert result.unmatched == ()


def test_then_best_total_score():
    mentees = people(person('A', 'en', 'ssa', 'glam'), person('B', 'en', 'nwe', 'media'))
    mentors = people(person('M1', 'en', 'nwe', 'media'), person('M2', 'en', 'ssa', 'glam'))
    assert pairs(match(mentees, mentors, 1, [], TODAY)) == {('A', 'M2'), ('B', 'M1')}


def test_capacity_is_respected_and_reasons_are_given():
    mentees = people(*(person(f'A{i}', 'en') for i in range(4)), person('X', 'de'),
                     person('Y', ''))
    mentors = people(person('M', 'en'))
    result = match(mentees, mentors, 3, [], TODAY)
    assert len(result.pairs) == 3 and {p.mentor for p in result.pairs} == {'M'}
    reasons = {u.mentee.user: u.reason for u in result.unmatched}
    assert reasons['A3'] == 'every mentor who shares a language is at capacity'
    assert reasons['X'] == 'no mentor shares a language'
    assert reasons['Y'] == 'the request names no languages'


def test_capacity_zero_matches_nobody():
    result = match(people(person('A')), people(person('M')), 0, [], TODAY)
    assert result.pairs == () and len(result.unmatched) == 1


def test_nobody_mentors_themself():
    mentees = people(person('Both', 'en'), person('A', 'en'))
    mentors = people(person('Both', 'en'), person('M', 'en'))
    result = match(mentees, mentors, 1, [], TODAY)
    assert ('Both', 'Both') not in pairs(result)
    assert pairs(result) == {('Both', 'M'), ('A', 'Both')}


def test_ties_are_broken_the_same_way_every_time():
    mentees = people(*(person(f'A{i}') for i in range(6)))
    mentors = people(*(person(f'M{i}') for i in range(3)))
    first = match(mentees, mentors, 2, [], TODAY)
    again = match(dict(reversed(list(mentees.items()))), dict(reversed(list(mentors.items()))),
                  2, [], TODAY)
    assert first.pairs == again.pairs


def test_earlier_pairs_stay_and_only_orphans_are_rematched():
    mentees = people(person('A', 'en', 'nwe'), person('B', 'en'), person('C', 'en'))
    mentors = people(person('M1', 'en', 'ssa'), person('M2', 'en', 'nwe'))
    # A would score better with M2, but A already has M1: the pair stays.
    previous = [Pair('A', 'M1', EARLIER), Pair('B', 'Gone', EARLIER)]
    result = match(mentees, mentors, 2, previous, TODAY)
    assert Pair('A', 'M1', EARLIER) in result.pairs
    assert {p.mentee for p in result.pairs} == {'A', 'B', 'C'}
    assert all(p.since == TODAY for p in result.pairs if p.mentee != 'A')


@pytest.mark.parametrize('change', ['mentor gone', 'no shared language', 'mentee gone'])
def test_a_pair_ends_when_a_side_stops_qualifying(change):
    mentees = people(person('A', 'en'))
    mentors = people(person('M', 'en'), person('N', 'en'))
    if change == 'mentor gone':
        del mentors['M']
    elif change == 'no shared language':
        mentors['M'] = person('M', 'de')
    else:
        mentees = {}
    result = match(mentees, mentors, 1, [Pair('A', 'M', EARLIER)], TODAY)
    assert Pair('A', 'M', EARLIER) not in result.pairs


def test_lowered_capacity_keeps_the_oldest_pairs():
    mentees = people(person('A'), person('B'))
    mentors = people(person('M'))
    previous = [Pair('B', 'M', EARLIER), Pair('A', 'M', dt.date(2026, 6, 1))]
    assert match(mentees, mentors, 1, previous, TODAY).pairs == (Pair('B', 'M', EARLIER),)


def test_pair_score():
    a = person('A', 'en fr de', 'ssa', 'glam media open-data civil-society')
    assert pair_score(a, person('B', 'en', 'nwe')) == 0
    assert pair_score(a, person('B', 'en fr de', 'ssa',
                                'glam media open-data civil-society')) == 2 + 3 + 2


def test_mentees_come_from_approved_mentorship_requests():
    def checked(user: str, page_id: int, type_: str, status: str, verified: bool = True):
        request = Request(page=f'R/{page_id}', page_id=page_id, revid=1, user=user, type=type_,
                          program='P', region='ssa', languages=('en',))
        return Checked(request, status=status, verified=verified)
    found = find_mentees([checked('A', 1, 'mentorship', 'approved'),
                          checked('B', 2, 'mentorship', 'submitted'),
                          checked('C', 3, 'attend', 'approved'),
                          checked('D', 4, 'mentorship', 'completed'),
                          checked('E', 5, 'mentorship', 'approved', verified=False)])
    assert set(found) == {'A'}


def test_rendered_pairs_read_back():
    mentees = people(person('Łukasz', 'pl uk', 'ceeca', 'glam'), person('X', 'de'))
    mentors = people(person('Олена', 'uk', 'ceeca', 'glam'))
    result = match(mentees, mentors, 3, [], TODAY)
    body = render_matches(result, {'uk': 'українська'})
    assert 'українська' in body and 'Waiting for a mentor' in body
    text = replace_block('Intro', 'matches', body)
    assert read_pairs(read_block(text, 'matches')) == list(result.pairs)


def test_many_distinct_languages_are_compared_exactly():
    # More codes than one 63-bit mask holds: codes in different words never "overlap".
    mentees = people(*(person(f'A{i}', f'l{i}') for i in range(100)))
    mentors = people(person('M', 'l7 l99'))
    result = match(mentees, mentors, 5, [], TODAY)
    assert pairs(result) == {('A7', 'M'), ('A99', 'M')}
