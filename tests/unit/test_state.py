"""The bot's own state: data pages round-trip, and human edits in its regions are caught."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from leadership_bot.core.blocks import block_digest, replace_block
from leadership_bot.core.matching import Pair
from leadership_bot.core.model import TextRevision
from leadership_bot.core.state import (
    digests_data,
    digests_from,
    listing_data,
    listing_from,
    pairs_data,
    pairs_from,
    pairs_name,
)
from leadership_bot.wiki.guard import BlockGuard

BOT = 'LeadershipBot'
TITLE = 'Leadership network/Mentorship'


def test_pairs_round_trip_through_json():
    pairs = (Pair('Zoë', 'Олена', dt.date(2026, 3, 1)), Pair('A', 'M', dt.date(2026, 1, 2)))
    data = pairs_data(pairs, TITLE)
    assert data['pairs'][0] == {'mentee': 'A', 'mentor': 'M', 'since': '2026-01-02'}
    assert pairs_from(data) == tuple(sorted(pairs))
    assert pairs_from(pairs_data((), TITLE)) == ()


@pytest.mark.parametrize('data', [None, [], {'schema': 2, 'pairs': []}, {'schema': 1},
                                  {'schema': 1, 'pairs': [{'mentee': 'A'}]},
                                  {'schema': 1, 'pairs': [{'mentee': 'A', 'mentor': 'B',
                                                           'since': 'soon'}]}])
def test_no_or_unreadable_pairs_data_is_none(data):
    assert pairs_from(data) is None


def test_listing_round_trip():
    data = listing_data({'B': 'bb', 'A': 'aa'}, 'Dir')
    assert list(data['listed']) == ['A', 'B']
    assert listing_from(data) == {'A': 'aa', 'B': 'bb'}
    assert listing_from(None) is None and listing_from({'schema': 1}) is None
    assert listing_from(listing_data({}, 'Dir')) == {}


def revision(revid: int, user: str, text: str | None) -> TextRevision:
    return TextRevision(revid=revid, user=user, timestamp=dt.datetime(2026, 1, revid,
                                                                      tzinfo=dt.UTC), text=text)


class FakeSite:
    def username(self) -> str:
        return BOT


class FakeWiki:
    """The few Wiki methods the guard uses, over in-memory pages."""

    def __init__(self, own: dict[str, Any], histories: dict[str, list[TextRevision]],
                 authors: dict[str, str] | None = None) -> None:
        self.own = own
        self.histories = histories
        self.authors = authors or {}
        self.site = FakeSite()
        self.history_reads: list[str] = []
        self.saved: list[tuple[str, Any]] = []

    def own_page(self, name: str) -> str:
        return f'User:{BOT}/leadership-{name}.json'

    def read_own(self, name: str) -> Any:
        return self.own.get(name)

    def save_own(self, name: str, data: Any, summary: str) -> bool:
        self.own[name] = data
        self.saved.append((name, data))
        return True

    def own_revision(self, title: str) -> tuple[TextRevision | None, list[TextRevision]]:
        self.history_reads.append(title)
        history = self.histories.get(title, [])
        mine = [i for i, r in enumerate(history) if r.user == BOT]
        if not mine:
            return None, []
        return history[mine[-1]], history[mine[-1] + 1:]

    def latest_authors(self, titles: Any) -> dict[str, str]:
        return {t: self.authors[t] for t in titles if t in self.authors}


def page(body: str, intro: str = 'Intro') -> str:
    return replace_block(intro, 'matches', body)


def guard_for(history: list[TextRevision], digest: str | None) -> tuple[BlockGuard, FakeWiki]:
    own = {'regions': {'schema': 1, 'regions': {TITLE: digest}}} if digest else {}
    wiki = FakeWiki(own, {TITLE: history})
    return BlockGuard(wiki), wiki  # type: ignore[arg-type]


def test_an_untouched_block_costs_no_history_read():
    guard, wiki = guard_for([revision(1, BOT, page('pairs'))], block_digest('pairs'))
    assert guard.check(TITLE, 'matches', page('pairs', 'Edited intro')) is None
    assert wiki.history_reads == []


def test_a_human_edit_in_the_block_is_reported_with_its_author():
    history = [revision(1, BOT, page('pairs')), revision(2, '192.0.2.7', page('fake pair'))]
    guard, _ = guard_for(history, block_digest('pairs'))
    problem = guard.check(TITLE, 'matches', page('fake pair'))
    assert problem is not None
    assert (problem.page, problem.code, problem.user) == (TITLE, 'unauthorized-change',
                                                          '192.0.2.7')
    assert '192.0.2.7 changed the section the bot writes' in problem.message


def test_without_fingerprint_the_bots_own_revision_decides():
    # First run of this version, or a crash between the save and the fingerprint.
    history = [revision(1, BOT, page('old')), revision(2, BOT, page('pairs')),
               revision(3, 'Human', page('pairs', 'New intro'))]
    guard, wiki = guard_for(history, block_digest('old'))
    assert guard.check(TITLE, 'matches', page('pairs', 'New intro')) is None
    guard.save()
    assert wiki.own['regions']['regions'] == {TITLE: block_digest('pairs')}
    guard, _ = guard_for(history[:2] + [revision(3, 'Vandal', page('fake'))], None)
    problem = guard.check(TITLE, 'matches', page('fake'))
    assert problem is not None and problem.user == 'Vandal'


def test_a_page_the_bot_never_saved_is_not_reported():
    guard, _ = guard_for([revision(1, 'Admin', page('prepared by a human'))], None)
    assert guard.check(TITLE, 'matches', page('prepared by a human')) is None
    guard, wiki = guard_for([revision(1, 'Admin', 'No markers')], None)
    assert guard.check(TITLE, 'matches', 'No markers') is None
    assert wiki.history_reads == []


def test_removed_markers_and_broken_markers_are_reported():
    history = [revision(1, BOT, page('pairs')), revision(2, 'Vandal', 'Intro')]
    guard, _ = guard_for(history, block_digest('pairs'))
    problem = guard.check(TITLE, 'matches', 'Intro')
    assert problem is not None and 'writes the block again from its own data.' in (
        problem.message)
    broken = page('pairs').replace('<!-- END leadership-bot matches -->', '')
    guard, _ = guard_for(history[:1] + [revision(2, 'Vandal', broken)], block_digest('pairs'))
    problem = guard.check(TITLE, 'matches', broken)
    assert problem is not None and 'once both markers are back' in problem.message


def test_saving_fingerprints_keeps_those_of_other_configs():
    guard, wiki = guard_for([revision(1, BOT, page('pairs'))], block_digest('pairs'))
    wiki.own['regions']['regions']['Other config page'] = 'abc'  # saved meanwhile
    guard.save()
    assert wiki.saved == []  # nothing written: nothing to save
    guard.wrote(TITLE, 'new pairs')
    guard.save()
    assert wiki.own['regions']['regions'] == {TITLE: block_digest('new pairs'),
                                              'Other config page': 'abc'}


def test_data_pages_edited_by_someone_else_are_reported_and_restored():
    name = pairs_name(TITLE)
    wiki = FakeWiki({}, {}, {f'User:{BOT}/leadership-{name}.json': 'Interface Admin',
                             f'User:{BOT}/leadership-regions.json': BOT})
    guard = BlockGuard(wiki)  # type: ignore[arg-type]
    problems = guard.check_state([name])
    assert [(p.code, p.user) for p in problems] == [('unauthorized-change', 'Interface Admin')]
    assert guard.restore(name) and not guard.restore('regions')


def test_fingerprints_round_trip_under_their_old_name():
    data = digests_data({'B': 'bb', 'A': 'aa'})
    assert data == {'schema': 1, 'regions': {'A': 'aa', 'B': 'bb'}}  # the on-wiki format
    assert list(data['regions']) == ['A', 'B']
    assert digests_from(data) == {'A': 'aa', 'B': 'bb'}
    assert digests_from(None) == {} and digests_from({'schema': 2, 'regions': {}}) == {}


def test_the_guard_gathers_history_only_when_asked_or_needed():
    guard, wiki = guard_for([revision(1, BOT, page('pairs'))], block_digest('pairs'))
    facts = guard.facts(TITLE, 'matches', page('pairs'))
    assert facts.history is None and wiki.history_reads == []
    facts = guard.facts(TITLE, 'matches', page('pairs'), own=True)
    assert facts.history is not None and facts.own_block() == 'pairs'
    guard.facts(TITLE, 'matches', page('changed'))  # needed, but read once only
    assert wiki.history_reads == [TITLE]
