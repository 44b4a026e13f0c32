"""Which notices are due, which are skipped, and their text."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bots.directory import Organizer
from bots.messages import message
from bots.model import Checked, Request
from bots.notices import (
    Notice,
    Recipient,
    bots_template_denies,
    due_notices,
    heading,
    marker,
    notice_text,
    pick_peers,
    posted_ids,
    skip_reason,
    summary,
    summary_token,
)

SINCE = dt.date(2026, 1, 1)
EVENTS = ('approved', 'completed', 'listed', 'milestone')


def at(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)


def checked(user: str, page_id: int, status: str, decided: int | None = 10, *,
            verified: bool = True, notices: bool = True, lang: str | None = None,
            updated: int = 10) -> Checked:
    request = Request(page=f'R/{page_id}', page_id=page_id, revid=page_id, user=user,
                      type='attend', program=f'Program {page_id}', region='ssa',
                      notices=notices, lang=lang, updated=at(updated))
    return Checked(request, status=status, verified=verified,
                   decided_at=at(decided) if decided is not None else None)


def organizer(user: str, **changes: object) -> Organizer:
    base = Organizer(user=user, region='ssa', languages=('en',), areas=('glam',), skills=None,
                     mentor=False, approved=1, completed=0, latest_program='P',
                     latest_request='R/1')
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def due(requests, organizers=(), events=EVENTS, milestones=(2,)):
    return due_notices(requests, list(organizers), {o.user for o in organizers}, events,
                       milestones, SINCE, 'Dir')


def ids(notices: list[Notice]) -> list[str]:
    return [n.id for n in notices]


@pytest.mark.parametrize(('requests', 'expected'), [
    ([checked('A', 1, 'approved')], ['approved:1']),
    ([checked('A', 1, 'completed')], ['completed:1']),
    ([checked('A', 1, 'submitted')], []),
    ([checked('A', 1, 'declined')], []),
    ([checked('A', 1, 'approved', verified=False)], []),
    ([checked('A', 1, 'approved', decided=-5)], []),  # before notify.since
    ([checked('A', 1, 'approved', decided=None)], []),  # no authorized decision time
    ([checked('A', 1, 'completed', 3), checked('A', 2, 'completed', 5)],
     ['completed:1', 'completed:2', 'milestone:A:2']),
    ([checked('A', 1, 'completed', -9), checked('A', 2, 'completed', 5)],
     ['completed:2', 'milestone:A:2']),
    ([checked('A', 1, 'completed', -9), checked('A', 2, 'completed', -5)], []),
])
def test_due_events(requests, expected):
    assert ids(due(requests)) == expected


def test_oldest_first_and_events_from_config():
    requests = [checked('A', 1, 'approved', 9), checked('B', 2, 'approved', 3)]
    assert ids(due(requests)) == ['approved:2', 'approved:1']
    assert ids(due(requests, events=('completed',))) == []


def test_listed_names_peers_and_respects_since():
    requests = [checked('A', 1, 'approved'), checked('B', 2, 'approved', updated=-30)]
    organizers = [organizer('A'), organizer('B', mentor=True), organizer('C')]
    listed = [n for n in due(requests, organizers) if n.event == 'listed']
    assert ids(listed) == ['listed:A']  # B's request was last touched before since
    assert dict(listed[0].params) == {'directory': 'Dir', 'peer1': 'B', 'peer2': 'C'}


def test_peers_share_language_and_region_mentors_first():
    me = organizer('Me', languages=('fr', 'en'), areas=('glam', 'media'))
    others = [organizer('Zed', languages=('fr',), mentor=True),
              organizer('Amy', languages=('fr', 'en'), areas=('glam', 'media')),
              organizer('Bob', languages=('en',), areas=()),
              organizer('Cat', languages=('fr',), region='nwe'),
              organizer('Dan', languages=('de',)),
              organizer('Eve', languages=('en',), areas=('glam',))]
    assert pick_peers(me, [me, *others]) == ['Zed', 'Amy', 'Eve']


def test_ledger_reads_summaries_and_markers():
    summaries = ['Leadership recognition: X [notice approved:12]', 'unrelated',
                 '[notice listed:Łukasz Wiśniewski] and [notice milestone:A:5]']
    texts = [f'== Hi ==\nText {marker("completed:3")} ~~~~']
    assert posted_ids(summaries, texts) == {
        'approved:12', 'listed:Łukasz Wiśniewski', 'milestone:A:5', 'completed:3'}
    assert summary_token('approved:1') in summary(due([checked('A', 1, 'approved')])[0], 'fr')


@pytest.mark.parametrize(('recipient', 'allowed', 'reason'), [
    (Recipient('A', target='User talk:A'), True, None),
    (Recipient('A', target='User talk:A'), False, 'notices = no'),
    (Recipient('A', exists=False), True, 'does not exist'),
    (Recipient('A', blocked_indefinitely=True, target='User talk:A'), True, 'blocked'),
    (Recipient('A', opted_out=True, target='User talk:A'), True, 'opted out'),
    (Recipient('A', bots_denied=True, target='User talk:A'), True, 'nobots'),
    (Recipient('A', target=None, target_problem='redirects outside'), True, 'outside'),
    (Recipient('A', target='User talk:A', content_model='flow-board'), True, 'not wikitext'),
    (Recipient('A', target='User talk:A', protected=True), True, 'protected'),
])
def test_skip_reasons(recipient, allowed, reason):
    notice = dataclasses.replace(due([checked('A', 1, 'approved')])[0], allowed=allowed)
    found = skip_reason(notice, recipient)
    assert (found is None) if reason is None else (reason in (found or ''))


@pytest.mark.parametrize(('text', 'denied'), [
    ('Hello', False),
    ('{{nobots}}', True),
    ('{{Nobots|allow=LeadershipBot}}', False),
    ('{{bots}}', False),
    ('{{bots|deny=all}}', True),
    ('{{bots|deny=OtherBot, LeadershipBot}}', True),
    ('{{bots|deny=OtherBot}}', False),
    ('{{bots|allow=none}}', True),
    ('{{bots|allow=OtherBot}}', True),
    ('{{bots|allow=leadershipbot}}', False),
    ('{{bots|allow=all}}', False),
    ('{{bots|optout=all}}', True),
    ('{{Template:Bots|deny=all}}', True),
])
def test_bots_templates(text, denied):
    assert bots_template_denies(text, 'LeadershipBot') is denied


def test_notice_text_uses_translation_only_when_it_exists():
    notice = dataclasses.replace(due([checked('A', 1, 'approved', lang='fr')])[0])
    assert notice_text(notice, 'Template:Leadership recognition', {'fr'}).startswith(
        '{{subst:Leadership recognition/fr|event=approved|user=A|program=Program 1|request=R/1}}')
    assert notice_text(notice, 'Template:Leadership recognition', set()).startswith(
        '{{subst:Leadership recognition|event=approved|')
    assert notice_text(notice, 'Template:Leadership recognition', set()).endswith(
        f'{marker("approved:1")} ~~~~')


def test_program_is_passed_as_inert_text():
    request = checked('A', 1, 'approved')
    hostile = dataclasses.replace(request, request=dataclasses.replace(
        request.request, program='{{X}}|[[Category:Y]]'))
    call = notice_text(due([hostile])[0], 'Template:Leadership recognition', set())
    assert '{{X}}' not in call and '[[Category' not in call and call.count('|') == 4


@pytest.mark.parametrize(('lang', 'count', 'expected'), [
    ('en', 1, 'Milestone: 1 completed leadership request'),
    ('en', 5, 'Milestone: 5 completed leadership requests'),
    ('fr', 0, 'Étape franchie : 0 demande terminée'),
    ('fr', 2, 'Étape franchie : 2 demandes terminées'),
    ('xx', 2, 'Milestone: 2 completed leadership requests'),
    (None, 2, 'Milestone: 2 completed leadership requests'),
])
def test_messages_translate_with_plural_and_fallback(lang, count, expected):
    assert message('leadership-bot-notice-title-milestone', lang, count) == expected


def test_heading_of_each_event_is_translated():
    notice = due([checked('A', 1, 'approved')])[0]
    assert heading(notice, 'es') == 'Tu solicitud de liderazgo fue aprobada'
    assert heading(notice, None) == 'Your leadership request was approved'
