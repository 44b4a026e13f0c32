"""Pure planning, offline: facts in (plain data), a plan out.

The wipe guard, the marker checks, the block check (a human edit in a block) and where
the previous listing and pairs come from, with no wiki at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from leadership_bot.core.blocks import (
    MarkerError,
    block_digest,
    check_markers,
    markers,
    read_block,
    replace_block,
)
from leadership_bot.core.directory import (
    BLOCK,
    DirectoryPlan,
    build_organizers,
    listed_rows,
    plan_directory,
    wipe_guard,
)
from leadership_bot.core.matching import BLOCK as MATCHES
from leadership_bot.core.matching import Pair, Person, match, pair_score, render_matches, score
from leadership_bot.core.model import Checked, Request, TextRevision
from leadership_bot.core.plans import (
    DirectoryFacts,
    MatchFacts,
    listing_needs_history,
    plan_directory_run,
    plan_matches,
    plan_report,
)
from leadership_bot.core.rendering import REPORT_BLOCK
from leadership_bot.core.settings import Directory, Settings
from leadership_bot.core.state import (
    BlockFacts,
    OwnRevisions,
    check_block,
    foreign_state,
    needs_history,
)

BOT = 'LeadershipBot'
DIR = 'Leadership network/Directory'
MATCHES_PAGE = 'Leadership network/Mentorship'
TODAY = dt.date(2026, 11, 26)
EARLIER = dt.date(2026, 5, 1)
SETTINGS = Settings()


def revision(revid: int, user: str, text: str | None) -> TextRevision:
    return TextRevision(revid=revid, user=user,
                        timestamp=dt.datetime(2026, 1, revid, tzinfo=dt.UTC), text=text)


def bot_wrote(body: str) -> OwnRevisions:
    return OwnRevisions(revision(1, BOT, replace_block('Intro', BLOCK, body)))


def checked(user: str, page_id: int, *, type_: str = 'attend', directory: bool | None = True,
            mentor: bool | None = None, languages: tuple[str, ...] = ('en',)) -> Checked:
    request = Request(page=f'R/{user}/{page_id}', page_id=page_id, revid=page_id, user=user,
                      type=type_, program='P', region='ssa', languages=languages,
                      directory=directory, mentor=mentor)
    return Checked(request, status='approved', verified=True)


def requests_for(*users: str) -> tuple[Checked, ...]:
    return tuple(checked(u, i) for i, u in enumerate(users, 1))


def directory_body(*users: str) -> str:
    """The directory block as the bot would write it for these organizers."""
    plan = plan_directory(build_organizers(requests_for(*users)), SETTINGS.vocabulary.regions,
                          DIR, 500, {}, {})
    return plan.pages[0].body


def listing(*users: str) -> dict[str, str]:
    return listed_rows(directory_body(*users))


def directory_facts(text: str | None, stored: dict[str, str] | None, requests=(), *,
                    known: str | None = None, history: OwnRevisions | None = None,
                    ) -> DirectoryFacts:
    pages = () if text is None else (BlockFacts(DIR, BLOCK, text, known, history),)
    return DirectoryFacts(DIR, pages, stored, tuple(requests), {})


def with_share(share: float) -> Settings:
    return dataclasses.replace(SETTINGS, directory=Directory(max_removed_share=share))


# -- the marker check: one function, for every task and for saving


@pytest.mark.parametrize(('text', 'marked', 'broken'), [
    (None, False, False),
    ('No markers', False, False),
    (replace_block('Intro', BLOCK, 'rows'), True, False),
    (markers(BLOCK)[0] + ' only BEGIN', True, True),
    ('only END ' + markers(BLOCK)[1], True, True),
    (markers(BLOCK)[1] + ' reversed ' + markers(BLOCK)[0], True, True),
    (replace_block('Intro', BLOCK, 'rows') * 2, True, True),
])
def test_marker_check_is_the_one_saving_and_reading_go_by(text, marked, broken):
    check = check_markers(text, BLOCK)
    assert (check.marked, check.broken) == (marked, broken)
    if broken:
        assert read_block(text, BLOCK) is None
        with pytest.raises(MarkerError) as error:
            replace_block(text, BLOCK, 'new')
        assert str(error.value) == check.fault
    else:
        assert read_block(replace_block(text, BLOCK, 'new'), BLOCK) == 'new'


# -- the wipe guard


def removal_plan(before: int, after: int) -> DirectoryPlan:
    users = [f'U{i:02}' for i in range(before)]
    return plan_directory(build_organizers(requests_for(*users[:after])),
                          SETTINGS.vocabulary.regions, DIR, 500, {}, listing(*users))


def test_wipe_guard_allows_exactly_the_share_and_fires_above_it():
    at_limit = removal_plan(10, 8)  # 2 of 10 removed: 20 %
    assert at_limit.removed_share == pytest.approx(0.2)
    assert wipe_guard(at_limit, 0.2) is None
    above = removal_plan(10, 7)  # 3 of 10: 30 %
    message = wipe_guard(above, 0.2)
    assert message is not None
    assert message.startswith('This run would remove 3 of 10 listed organizers (30%, more '
                              'than the 20% allowed by directory.max_removed_share)')
    assert '-force-removal' in message


def test_wipe_guard_yields_to_force_and_ignores_a_first_listing():
    assert wipe_guard(removal_plan(10, 0), 0.2, force=True) is None
    assert wipe_guard(removal_plan(0, 0), 0.0) is None  # nobody listed before


def test_the_directory_plan_is_blocked_by_the_wipe_guard_but_still_lists_the_organizers():
    stored = listing('A', 'B', 'C', 'D', 'E')
    text = replace_block('Intro', BLOCK, directory_body('A', 'B', 'C', 'D', 'E'))
    facts = directory_facts(text, stored, requests_for('A', 'B', 'C'),
                            known=block_digest(read_block(text, BLOCK)))
    blocked = plan_directory_run(facts, with_share(0.2))
    assert blocked.blocked and blocked.plan is None
    assert [p.code for p in blocked.problems] == ['directory-not-saved']
    assert 'remove 2 of 5 listed organizers' in blocked.problems[0].message
    assert blocked.listed_now == frozenset('ABCDE')
    assert [o.user for o in blocked.organizers] == ['A', 'B', 'C']
    assert not plan_directory_run(facts, with_share(0.4)).blocked  # 40 %: at the limit
    forced = plan_directory_run(facts, with_share(0.2), force_removal=True)
    assert forced.plan is not None and forced.plan.removed == frozenset('DE')


def test_broken_markers_block_the_directory():
    broken = replace_block('Intro', BLOCK, 'rows').replace(markers(BLOCK)[1], '')
    facts = directory_facts(broken, {}, requests_for('A'), history=OwnRevisions())
    prepared = plan_directory_run(facts, SETTINGS)
    assert prepared.blocked
    assert prepared.problems[-1].code == 'directory-not-saved'
    assert prepared.problems[-1].message.startswith(f'[[{DIR}]] has a broken directory marker')
    assert [o.user for o in prepared.organizers] == ['A']


def test_broken_markers_block_the_matches_page_with_the_reason():
    text = replace_block('Intro', MATCHES, 'pairs') + markers(MATCHES)[0]
    facts = MatchFacts(BlockFacts(MATCHES_PAGE, MATCHES, text, block_digest('pairs'),
                                  OwnRevisions()), (), (), (), {}, TODAY)
    prepared = plan_matches(facts, SETTINGS)
    assert prepared.blocked
    [problem] = prepared.problems
    assert problem.code == 'matches-not-saved'
    assert problem.message == ('The matches page was not saved: the page has 2 BEGIN and 1 '
                               'END markers for the matches block; exactly one of each is '
                               'needed. Put both markers back around the generated tables; '
                               'the bot will not guess.')
    good = dataclasses.replace(facts, page=dataclasses.replace(
        facts.page, text=replace_block('Intro', MATCHES, 'pairs')))
    assert not plan_matches(good, SETTINGS).blocked


# -- the block check: a human edit in a block


def test_an_untouched_block_needs_no_history():
    text = replace_block('Edited intro', REPORT_BLOCK, 'rows')
    assert not needs_history(REPORT_BLOCK, text, block_digest('rows'))
    assert plan_report(BlockFacts('Report', REPORT_BLOCK, text, block_digest('rows'))) \
        .problems == ()


def test_a_human_edit_in_the_report_block_is_reported():
    own = replace_block('Intro', REPORT_BLOCK, 'rows')
    edited = replace_block('Intro', REPORT_BLOCK, 'rows, and a fake one')
    history = OwnRevisions(revision(1, BOT, own), (revision(2, 'Vandal', edited),))
    facts = BlockFacts('Report', REPORT_BLOCK, edited, block_digest('rows'), history)
    [problem] = plan_report(facts).problems
    assert (problem.page, problem.code, problem.user) == ('Report', 'unauthorized-change',
                                                          'Vandal')
    assert problem.message.startswith('Vandal changed the section the bot writes')


def test_a_human_edit_in_the_directory_is_reported_and_not_taken_as_a_listing():
    own = replace_block('Intro', BLOCK, directory_body('A', 'B'))
    edited = replace_block('Intro', BLOCK, directory_body('A', 'B', 'Fake'))
    history = OwnRevisions(revision(1, BOT, own), (revision(2, 'Vandal', edited),))
    facts = directory_facts(edited, listing('A', 'B'), requests_for('A', 'B'),
                            known=block_digest(read_block(own, BLOCK)), history=history)
    prepared = plan_directory_run(facts, SETTINGS)
    assert [(p.code, p.user) for p in prepared.problems] == [('unauthorized-change', 'Vandal')]
    assert prepared.plan is not None and prepared.plan.added == frozenset()
    assert prepared.listed_now == frozenset('AB')


def test_the_bots_own_block_with_a_lagging_fingerprint_is_adopted():
    text = replace_block('Intro', REPORT_BLOCK, 'new rows')
    history = OwnRevisions(revision(2, BOT, text))
    planned = plan_report(BlockFacts('Report', REPORT_BLOCK, text, block_digest('old rows'),
                                     history))
    assert planned.problems == ()
    assert [(c.title, c.adopt) for c in planned.adopted] == [('Report', 'new rows')]


def test_a_check_that_needs_history_refuses_to_guess_without_it():
    text = replace_block('Intro', REPORT_BLOCK, 'changed')
    with pytest.raises(ValueError, match='own revisions'):
        check_block(BlockFacts('Report', REPORT_BLOCK, text, block_digest('rows')))


def test_data_pages_last_edited_by_someone_else():
    pages = {'User:B/leadership-pairs/X.json': 'pairs/X', 'User:B/leadership-regions.json':
             'regions'}
    found = foreign_state(pages, {'User:B/leadership-pairs/X.json': 'Admin',
                                  'User:B/leadership-regions.json': 'B', 'Other': 'Admin'}, 'B')
    assert [(name, p.code, p.user) for name, p in found] == [
        ('pairs/X', 'unauthorized-change', 'Admin')]


# -- the previous listing and pairs: the bot's data page, or its own revisions


def test_previous_listing_comes_from_the_data_page_not_the_page():
    # The page shows other rows than the data page: the data page counts.
    text = replace_block('Intro', BLOCK, directory_body('A', 'B', 'C'))
    facts = directory_facts(text, listing('A', 'B'), requests_for('A', 'B', 'C'),
                            known=block_digest(read_block(text, BLOCK)))
    prepared = plan_directory_run(facts, SETTINGS)
    assert prepared.listed_now == frozenset('AB') and prepared.stored
    assert prepared.plan is not None and prepared.plan.added == frozenset('C')


def test_first_run_listing_comes_from_the_bots_own_revision():
    own = directory_body('A', 'B', 'C', 'D', 'E')
    vandalised = replace_block('Intro', BLOCK, directory_body('A'))  # 4 rows deleted
    assert listing_needs_history(None, vandalised)
    assert not listing_needs_history({}, vandalised)
    assert not listing_needs_history(None, 'No markers')
    history = OwnRevisions(bot_wrote(own).own, (revision(2, 'Vandal', vandalised),))
    facts = directory_facts(vandalised, None, requests_for('A', 'B', 'C', 'D', 'E'),
                            history=history)
    prepared = plan_directory_run(facts, SETTINGS)
    assert prepared.listed_now == frozenset('ABCDE') and not prepared.stored
    assert prepared.plan is not None and prepared.plan.removed == frozenset()
    # The vandal's removal cannot fool the wipe guard either way.
    assert [p.code for p in prepared.problems] == ['unauthorized-change']


def test_first_run_on_a_wiki_the_bot_never_wrote_starts_empty():
    text = replace_block('Intro', BLOCK, directory_body('A'))
    facts = directory_facts(text, None, requests_for('A'), history=OwnRevisions())
    prepared = plan_directory_run(facts, SETTINGS)
    assert prepared.listed_now == frozenset() and not prepared.stored
    assert prepared.plan is not None and prepared.plan.added == frozenset('A')


def match_facts(text: str, stored: tuple[Pair, ...] | None,
                history: OwnRevisions | None = None) -> MatchFacts:
    requests = (checked('Mentee', 1, type_='mentorship', directory=None),
                checked('Other', 2, type_='mentorship', directory=None))
    organizers = tuple(build_organizers([checked('M', 3, mentor=True),
                                         checked('N', 4, mentor=True)]))
    known = block_digest(read_block(text, MATCHES))
    return MatchFacts(BlockFacts(MATCHES_PAGE, MATCHES, text, known, history), stored,
                      requests, organizers, {}, TODAY)


def bot_pairs_body(pairs: list[Pair]) -> str:
    mentees = {p.mentee: Person(p.mentee, ('en',), 'ssa', ()) for p in pairs}
    mentors = {p.mentor: Person(p.mentor, ('en',), 'ssa', ()) for p in pairs}
    return render_matches(match(mentees, mentors, 3, pairs, TODAY), {})


def test_previous_pairs_come_from_the_data_page():
    text = replace_block('Intro', MATCHES, bot_pairs_body([Pair('Mentee', 'N', EARLIER)]))
    prepared = plan_matches(match_facts(text, (Pair('Mentee', 'M', EARLIER),)), SETTINGS)
    assert prepared.previous == (Pair('Mentee', 'M', EARLIER),) and prepared.stored
    assert Pair('Mentee', 'M', EARLIER) in prepared.matching.pairs


def test_first_run_pairs_come_from_the_bots_own_revision():
    own = replace_block('Intro', MATCHES, bot_pairs_body([Pair('Mentee', 'N', EARLIER)]))
    page = replace_block('Intro', MATCHES, bot_pairs_body([Pair('Mentee', 'M', EARLIER)]))
    history = OwnRevisions(revision(1, BOT, own), (revision(2, 'Vandal', page),))
    facts = match_facts(page, None, history)
    prepared = plan_matches(dataclasses.replace(facts, page=dataclasses.replace(
        facts.page, known=block_digest(read_block(own, MATCHES)))), SETTINGS)
    assert prepared.previous == (Pair('Mentee', 'N', EARLIER),) and not prepared.stored
    assert Pair('Mentee', 'N', EARLIER) in prepared.matching.pairs
    assert [(p.code, p.user) for p in prepared.problems] == [('unauthorized-change', 'Vandal')]


# -- the matching score: one table for the scalar and the vectorised scorer


def test_the_scalar_and_the_vectorised_score_are_one_table():
    people = [Person('A', ('en', 'fr', 'de'), 'ssa', ('glam', 'media', 'open-data', 'x')),
              Person('B', ('en',), 'nwe', ()), Person('C', ('en', 'fr'), 'ssa', ('glam',)),
              Person('D', ('de', 'fr', 'en', 'pl'), 'ssa', ('glam', 'media', 'open-data'))]
    for a in people:
        for b in people:
            same = a.region == b.region
            areas = len(set(a.areas) & set(b.areas))
            languages = len(set(a.languages) & set(b.languages))
            vector = score(np.array([same]), np.array([areas]), np.array([languages]))
            assert int(vector[0]) == pair_score(a, b)
    assert pair_score(people[0], people[3]) == 2 + 3 + 2


def test_one_more_matched_mentee_beats_any_gain_in_score_however_many_pairs():
    # 15 mentees each fit their own mentor perfectly (score 7); matching everyone means
    # giving each the next mentor instead (score 0). The most mentees matched wins.
    n = 15
    mentors = {f'M{i}': Person(f'M{i}', (f'x{i}', f'y{i}', f'z{i}', f'w{i - 1}'), f'r{i}',
                               (f'a{i}', f'b{i}', f'c{i}')) for i in range(1, n + 1)}
    mentees = {f'A{i}': Person(f'A{i}', (f'x{i}', f'y{i}', f'z{i}', f'w{i}'), f'r{i}',
                               (f'a{i}', f'b{i}', f'c{i}')) for i in range(1, n + 1)}
    mentors[f'M{n + 1}'] = Person(f'M{n + 1}', (f'w{n}',), 's', ())
    mentees['B'] = Person('B', ('w0',), 't', ())
    result = match(mentees, mentors, 1, [], TODAY)
    assert len(result.pairs) == n + 1 and result.unmatched == ()
