"""The notice plan, offline: which notices a run posts, skips, holds or leaves waiting,
decided from plain facts (no wiki)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest

from leadership_bot.core.model import TextRevision
from leadership_bot.core.notices import (
    Exclusion,
    Notice,
    OptOutPage,
    RecipientFacts,
    RedirectFacts,
    TemplatePage,
    ledger_data,
    marker,
    summary_token,
)
from leadership_bot.core.notify_plan import (
    NotifyFacts,
    NotifyPlan,
    Post,
    TemplateFacts,
    pending,
    plan_notices,
    planned_posts,
    selected,
)

BOT = 'LeadershipBot'
TRUSTED = frozenset({'Admin', 'Reviewer', BOT})
TEMPLATE = 'Template:Leadership recognition'
OPTOUT = 'Opt-out'
USER_IDS = {'A': 11, 'B': 12, 'C': 13, 'D': 14}
WHEN = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def notice(page_id: int, user: str, *, allowed: bool = True, lang: str | None = None,
           event: str = 'approved') -> Notice:
    return Notice(id=f'{event}:{page_id}', event=event, user=user, when=WHEN, lang=lang,
                  allowed=allowed, params=(('program', 'P'), ('request', f'R/{page_id}')),
                  page=f'R/{page_id}')


def listed(user: str) -> Notice:
    return Notice(id=f'listed:u{USER_IDS[user]}', event='listed', user=user, when=WHEN,
                  lang=None, allowed=True, params=(('directory', 'Dir'),), page='Dir')


def person(user: str, **changes: object) -> RecipientFacts:
    base = RecipientFacts(user=user, chain=(f'User talk:{user}',))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def revision(revid: int, user: str, text: str) -> TextRevision:
    return TextRevision(revid=revid, user=user, timestamp=WHEN, text=text)


def facts(due: list[Notice], *people: RecipientFacts, **changes: object) -> NotifyFacts:
    """Every stage gathered: the recipients (those not given are plain users with their
    own talk page), an opt-out page listing nobody."""
    known = {p.user: p for p in people}
    base = NotifyFacts(
        due=tuple(due), user_ids=USER_IDS, optout=OptOutPage(OPTOUT, redirect=False),
        recipients={n.user: known.get(n.user) or person(n.user) for n in due},
        trusted=TRUSTED, bot=BOT)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def trusted_page(title: str) -> TemplatePage:
    return TemplatePage(title, 10, 'Admin', protected=False)


def vetted(facts: NotifyFacts, limit: int = 10,
           uses: Callable[[Post], set[str]] = lambda _post: {TEMPLATE},
           pages: dict[str, TemplatePage] | None = None) -> NotifyFacts:
    """The last stage: which pages each planned post's text would come from."""
    posts = planned_posts(facts, limit)
    used = tuple(frozenset(uses(p)) for p in posts)
    found = dict(pages or {})
    for title in set().union(*used):
        found.setdefault(title, trusted_page(title))
    return dataclasses.replace(facts, templates=TemplateFacts(
        used, found, {t: (p.revid, p.protected) for t, p in found.items()}))


def plan(facts: NotifyFacts, limit: int = 10, **vetting: object) -> NotifyPlan:
    return plan_notices(vetted(facts, limit, **vetting), limit)  # type: ignore[arg-type]


def posted(result: NotifyPlan) -> list[tuple[str, str, str | None]]:
    return [(p.notice.id, p.target, p.lang) for p in result.posts]


def skipped(result: NotifyPlan) -> dict[str, str]:
    return {p.message.split('(')[1].split(')')[0]: p.message for p in result.problems
            if p.code == 'notice-skipped'}


def test_due_notices_are_posted_on_each_users_talk_page_in_their_language():
    result = plan(facts([notice(1, 'A', lang='fr'), notice(2, 'B', lang='de')],
                        translations=frozenset({'fr'})))
    assert posted(result) == [('approved:1', 'User talk:A', 'fr'),
                              ('approved:2', 'User talk:B', None)]
    assert (result.problems, result.waiting, result.held) == ((), 0, 0)
    assert result.templates is not None and set(result.templates.state) == {TEMPLATE}


def test_a_requests_own_notices_no_is_neither_posted_nor_reported():
    result = plan(facts([notice(1, 'A', allowed=False), notice(2, 'B')]))
    assert posted(result) == [('approved:2', 'User talk:B', None)]
    assert (result.problems, result.waiting) == ((), 0)


# -- the skip rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(('who', 'reason'), [
    (person('A', exists=False), 'the user does not exist'),
    (person('A', block_expiry='infinity'), 'the user is blocked indefinitely'),
    (person('A', in_optout_category=True), 'the user opted out of messages'),
    (person('A', exclusions=(Exclusion('User talk:A', '{{nobots}}'),)),
     'a {{bots}} or {{nobots}} template on the user or talk page denies this bot'),
    (person('A', exclusions=(Exclusion('User:A', '{{Away}}', ('{{bots|deny=all}}',)),)),
     'denies this bot'),  # through a userbox, on the user page
    (person('A', content_model='flow-board'), 'the talk page is not wikitext (flow-board)'),
    (person('A', protected=True), 'the talk page is protected against this bot'),
    (person('A', chain=('User talk:A', 'User talk:M', 'User talk:E')),
     'the talk page redirects to a redirect (a loop or a double redirect)'),
    (person('A', chain=('User talk:A', 'User talk:L'), target_redirect=True),
     'the talk page redirects to a redirect'),
    (person('A', chain=('User talk:A', 'Elsewhere'), target_namespace=0),
     'the talk page redirects outside user talk pages'),
    (person('A', chain=('User talk:A', 'User talk:New'), redirect=RedirectFacts(
        'User talk:A', 'User talk:New', owner_exists=True, made_by='Vandal')),
     'made a redirect to User talk:New by Vandal, not by a page move or by the user'),
    (person('A', chain=('User talk:A', 'User talk:Gone'), redirect=RedirectFacts(
        'User talk:A', 'User talk:Gone', owner_exists=False, made_by='A')),
     'not the talk page of an existing user'),
])
def test_skip_rules(who, reason):
    result = plan(facts([notice(1, 'A'), notice(2, 'B')], who))
    assert posted(result) == [('approved:2', 'User talk:B', None)]
    assert list(skipped(result)) == ['approved:1']
    assert reason in skipped(result)['approved:1']
    assert skipped(result)['approved:1'].startswith('approved notice (approved:1) to A not '
                                                    'posted: ')
    assert result.problems[0].page == 'R/1' and result.waiting == 0


@pytest.mark.parametrize('who', [
    person('A', block_expiry='2027-01-01T00:00:00Z'),  # a block that ends
    person('A', exclusions=(Exclusion('User talk:A', '{{bots|deny=Other bot}}'),)),
    person('A', exclusions=(Exclusion('User talk:A', '{{Box}}', ('{{bots|allow=all}}',)),)),
    person('A', protected=False, content_model='wikitext'),
])
def test_what_does_not_stop_a_notice(who):
    assert posted(plan(facts([notice(1, 'A')], who))) == [('approved:1', 'User talk:A', None)]


def test_a_redirect_made_by_a_rename_is_followed():
    moved = person('A', chain=('User talk:A', 'User talk:New A'), redirect=RedirectFacts(
        'User talk:A', 'User talk:New A', owner_exists=True, made_by='Admin',
        moved_by='Admin'))
    assert posted(plan(facts([notice(1, 'A')], moved))) == [
        ('approved:1', 'User talk:New A', None)]


# -- the opt-out rule -------------------------------------------------------------------------


def test_a_name_on_the_opt_out_page_stays_there_until_its_user_or_an_admin_removes_it():
    history = (revision(1, 'B', '* [[User:B]]\n* [[User:C]]'),
               revision(2, 'Vandal', '* [[User:C]]'),  # B stays opted out
               revision(3, 'C', ''))  # C took themselves off
    optout = OptOutPage(OPTOUT, redirect=False, history=history, admins=frozenset({'Admin'}))
    result = plan(facts([notice(1, 'A'), notice(2, 'B'), notice(3, 'C')], optout=optout))
    assert posted(result) == [('approved:1', 'User talk:A', None),
                              ('approved:3', 'User talk:C', None)]
    assert 'opted out' in skipped(result)['approved:2']


def test_an_opt_out_page_that_is_a_redirect_holds_every_notice():
    result = plan_notices(facts([notice(1, 'A'), notice(2, 'B'), notice(3, 'B', allowed=False)],
                                optout=OptOutPage(OPTOUT, redirect=True), recipients={}), 10)
    assert result.posts == () and result.waiting == 2 and result.templates is None
    assert [(p.page, p.code) for p in result.problems] == [(OPTOUT, 'notice-skipped')]
    assert result.problems[0].message.startswith(
        'The opt-out page is a redirect, so who opted out cannot be read; 2 notices wait')


# -- notify.max_per_run -----------------------------------------------------------------------


def test_beyond_max_per_run_notices_wait_and_skipped_ones_take_no_place():
    due = [notice(1, 'A'), notice(2, 'B'), notice(3, 'C'), notice(4, 'D')]
    result = plan(facts(due, person('A', exists=False)), limit=2)
    assert posted(result) == [('approved:2', 'User talk:B', None),
                              ('approved:3', 'User talk:C', None)]
    assert result.waiting == 1 and list(skipped(result)) == ['approved:1']
    assert plan(facts(due), limit=0).posts == ()
    assert plan(facts(due), limit=0).waiting == 4


# -- the exactly-once ledger ------------------------------------------------------------------


def test_ids_known_posted_from_the_ledger_the_contributions_and_the_markers_are_not_posted():
    due = [notice(1, 'A'), notice(2, 'B'), notice(3, 'C'), notice(4, 'D'), listed('A'),
           listed('B')]
    result = plan(facts(
        due, ledger_page=ledger_data({'approved:1', 'listed:u11'}),
        summaries=(f'{summary_token("approved:2")} Leadership recognition: …', 'other edit'),
        talk_texts={'User talk:C': f'== Hi ==\nWell done. {marker("approved:3")} ~~~~'}))
    assert posted(result) == [('approved:4', 'User talk:D', None),
                              ('listed:u12', 'User talk:B', None)]
    assert {'approved:1', 'approved:2', 'approved:3', 'listed:u11'} <= result.known
    assert result.ledger == {'approved:1', 'listed:u11'}
    assert (result.problems, result.waiting) == ((), 0)


def test_old_name_based_ids_count_for_the_users_ids():
    """An id the ledger, a summary or a marker holds by name (before ids were keyed on
    user ids) counts for the user's id."""
    for gathered in (facts([listed('A')], ledger_page={'schema': 1, 'posted': {'listed': 'A'}}),
                     facts([listed('A')], summaries=(summary_token('listed:A'),)),
                     facts([listed('A')], talk_texts={'User talk:A': marker('listed:A')})):
        result = plan(gathered)
        assert result.posts == () and 'listed:u11' in result.known


def test_nothing_unposted_needs_no_more_facts():
    """When the ledger knows every due notice, nothing else is read: the plan needs no
    opt-out page, recipients, talk pages or templates."""
    gathered = NotifyFacts(due=(notice(1, 'A'), notice(2, 'B', allowed=False)),
                           user_ids=USER_IDS, ledger_page=ledger_data({'approved:1'}))
    assert pending(gathered) == []
    result = plan_notices(gathered, 10)
    assert result == NotifyPlan((), (), 0, known=frozenset({'approved:1'}),
                                ledger=frozenset({'approved:1'}))


def test_markers_are_read_only_on_the_talk_pages_of_the_notices_selected():
    due = [notice(1, 'A'), notice(2, 'B'), notice(3, 'C')]
    gathered = facts(due, person('A', in_optout_category=True))
    assert set(selected(gathered, 1).targets.values()) == {'User talk:B'}
    # A marker elsewhere is not read; the one on B's page is.
    result = plan(dataclasses.replace(gathered, talk_texts={
        'User talk:B': marker('approved:2'), 'User talk:C': marker('approved:3')}), limit=1)
    assert result.posts == () and 'approved:2' in result.known
    assert 'approved:3' not in result.known and result.waiting == 1


# -- the provenance of the notice text --------------------------------------------------------


def test_a_notice_whose_text_comes_from_an_untrusted_page_is_held():
    box = 'Template:Leadership recognition/fr'
    pages = {box: TemplatePage(box, 7, '203.0.113.9', protected=False)}
    due = [notice(1, 'A', lang='fr'), notice(2, 'B'), notice(3, 'C', lang='fr')]
    result = plan(facts(due, translations=frozenset({'fr'})), pages=pages,
                  uses=lambda p: {TEMPLATE, box} if p.lang == 'fr' else {TEMPLATE})
    assert posted(result) == [('approved:2', 'User talk:B', None)]
    assert (result.waiting, result.held) == (2, 2)
    assert [(p.page, p.code) for p in result.problems] == [(box, 'notice-template-untrusted')]
    assert '203.0.113.9' in result.problems[0].message
    assert '2 notices wait' in result.problems[0].message
    assert result.templates is not None and result.templates.state[box] == (7, False)


def test_a_protected_or_trusted_template_holds_nothing():
    box = 'Template:Box'
    for page in (TemplatePage(box, 7, '203.0.113.9', protected=True),
                 TemplatePage(box, 7, 'Reviewer', protected=False),
                 TemplatePage(box, 0, None, protected=False)):  # missing: adds no text
        result = plan(facts([notice(1, 'A')]), pages={box: page},
                      uses=lambda _p: {TEMPLATE, box})
        assert len(result.posts) == 1 and result.held == 0 and result.problems == ()


def test_the_plan_refuses_template_facts_of_other_posts():
    gathered = vetted(facts([notice(1, 'A')]))
    with pytest.raises(ValueError, match='template uses'):
        plan_notices(dataclasses.replace(gathered, due=(notice(1, 'A'), notice(2, 'B')),
                                         recipients={'A': person('A'), 'B': person('B')}), 10)
