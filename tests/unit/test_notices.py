"""Which notices are due, which are skipped, their text, the ledger and provenance."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
import pywikibot
from pywikibot.page import BasePage, Page

from leadership_bot.core.directory import Organizer
from leadership_bot.core.matching import Pair
from leadership_bot.core.messages import fill, message
from leadership_bot.core.model import Checked, Request
from leadership_bot.core.notices import (
    SUMMARY_LIMIT,
    Exclusion,
    Notice,
    Recipient,
    RedirectFacts,
    TemplatePage,
    bots_template_denies,
    canonical_ids,
    due_notices,
    heading,
    ledger_data,
    ledger_ids,
    marker,
    notice_text,
    page_denies,
    pick_peers,
    posted_ids,
    redirect_problem,
    skip_reason,
    summary,
    summary_token,
    template_call,
    template_problem,
    truncate_bytes,
)
from leadership_bot.wiki.notify import plural

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


# MediaWiki user ids: notice ids about users are keyed on them.
USER_IDS = {'A': 11, 'B': 12, 'C': 13, 'Me': 14}


def due(requests, organizers=(), events=EVENTS, milestones=(2,), pairs=(), user_ids=None):
    return due_notices(requests, list(organizers), {o.user for o in organizers}, events,
                       milestones, SINCE, 'Dir', pairs, 'Mentorship',
                       user_ids=USER_IDS if user_ids is None else user_ids)


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
     ['completed:1', 'completed:2', 'milestone:u11:2']),
    ([checked('A', 1, 'completed', -9), checked('A', 2, 'completed', 5)],
     ['completed:2', 'milestone:u11:2']),
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
    assert ids(listed) == ['listed:u11']  # B's request was last touched before since
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
    assert summary_token('approved:1') in summary(due([checked('A', 1, 'approved')])[0], 'fr',
                                                  plural)


@pytest.mark.parametrize(('recipient', 'allowed', 'reason'), [
    (Recipient('A', target='User talk:A'), True, None),
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


class _FrameworkPage:
    """What pywikibot's ``Page.botMayEdit`` reads of a page, without a wiki: its text,
    the user name and the restricted templates of its site, and the templates the link
    table lists (every template the text calls, in the Template namespace)."""

    botMayEdit = BasePage.botMayEdit  # noqa: N815 (pywikibot's name)
    _check_bot_may_edit = BasePage._check_bot_may_edit
    templatesWithParams = Page.templatesWithParams  # noqa: N815

    class Site:
        def __init__(self, user: str) -> None:
            self.user = user

        def username(self) -> str:
            return self.user

        def get_edit_restricted_templates(self) -> tuple[str, ...]:
            return ()

        def get_archived_page_templates(self) -> tuple[str, ...]:
            return ()

    def __init__(self, text: str, user: str) -> None:
        self.text = text
        self.site = self.Site(user)
        self.raw_extracted_templates = pywikibot.textlib.extract_templates_and_params(
            text, True, True)

    def templates(self, **_: object) -> list[_FrameworkTitle]:
        return [_FrameworkTitle(name) for name, _ in self.raw_extracted_templates]


class _FrameworkTitle:
    """A template title as ``pywikibot.Link`` resolves it on a wiki with first-letter
    case (the namespace, if written, taken off)."""

    def __init__(self, name: object, *_: object, **__: object) -> None:
        title = ' '.join(str(getattr(name, 'name', name)).replace('_', ' ').split())
        namespace, colon, rest = title.partition(':')
        if colon and namespace.strip().lower() == 'template':
            title = rest.strip()
        self.name = title[:1].upper() + title[1:]

    def title(self, with_ns: bool = True) -> str:
        return f'Template:{self.name}' if with_ns else self.name

    def canonical_title(self) -> str:
        return self.title()


@pytest.fixture
def framework_denies(monkeypatch: pytest.MonkeyPatch):
    """pywikibot's own verdict (``not Page.botMayEdit()``) on a page with this text."""
    monkeypatch.setattr(pywikibot, 'Link', _FrameworkTitle)
    monkeypatch.setattr(pywikibot, 'Page', lambda link, _site: link)
    monkeypatch.setattr(pywikibot.config, 'ignore_bot_templates', False)
    # Its first log line would set up pywikibot's log handlers, for every later test.
    monkeypatch.setattr(pywikibot.logging, '_init_routines', [])
    for level in ('debug', 'warning', 'error'):
        monkeypatch.setattr(pywikibot, level, lambda *_args, **_kwargs: None)

    def verdict(text: str, user: str = 'LeadershipBot') -> bool:
        return not _FrameworkPage(text, user).botMayEdit()
    return verdict


# Ours, and pywikibot's Page.botMayEdit (which pywikibot checks before every save): they
# agree where both read a call alike; where a note says why, ours is the stricter, so a
# post pywikibot would refuse is never planned.
BOTS_CASES = [
    # text, denied (ours), denied by pywikibot, why they differ
    ('Hello', False, False, None),
    ('{{nobots}}', True, True, None),
    ('{{Nobots|allow=LeadershipBot}}', True, True, None),  # pywikibot: no parameters allowed
    ('{{bots}}', False, False, None),
    ('{{bots|deny=all}}', True, True, None),
    ('{{bots|deny=OtherBot, LeadershipBot}}', True, True, None),
    ('{{bots|deny=OtherBot}}', False, False, None),
    ('{{bots|allow=none}}', True, True, None),
    ('{{bots|allow=OtherBot}}', True, True, None),
    ('{{bots|allow=LeadershipBot}}', False, False, None),
    ('{{bots|allow=leadershipbot}}', True, True, None),  # not the bot's name as written
    ('{{bots|allow=all}}', False, False, None),
    ('{{Template:Bots|deny=all}}', True, True, None),
    ('{{template:bots|deny=LeadershipBot}}', True, True, None),
    ('{{bots|optout=all}}', True, False, 'optout: pywikibot ignores it, ours denies'),
    ('{{nobots|OtherBot}}', True, False, 'ours: every {{nobots}} denies'),
    ('{{bots|deny=ALL}}', True, False, 'ours: names in any case'),
    ('{{bots|allow=}}', True, False, 'ours: an empty allow list allows nobody'),
    ('{{bots|deny=Other}}{{nobots}}', True, True, None),
]


@pytest.mark.parametrize(('text', 'denied', 'framework', 'why'), BOTS_CASES)
def test_bots_templates(text, denied, framework, why, framework_denies):
    assert bots_template_denies(text, 'LeadershipBot') is denied
    assert framework_denies(text) is framework
    if why is None:
        assert denied is framework
    else:  # ours adds a denial; it never allows what pywikibot refuses
        assert denied and not framework


# A page that uses {{bots}} through another template (a userbox): pywikibot reads only
# the calls written on the page, so it sees none; ours reads the wrapper's calls.
WRAPPED_CASES = [
    # the page's text, the calls in the templates it uses, denied (ours), by pywikibot
    ('{{Away}} Back in May.', ('{{nobots}}',), True, False),
    ('{{Away}}', ('{{bots|deny=all}}',), True, False),
    ('{{Away}}', ('{{bots|deny=Other bot}}',), False, False),
    ('{{Away}}', ('{{bots|allow=LeadershipBot}}',), False, False),
    ('{{Away}}', ('{{bots|deny={{{1|}}}}}',), True, False),  # its parameters come from the page
    ('{{Away}}', (), True, False),  # the calls could not be read
    ('{{bots|deny=all}} {{Away}}', ('{{bots|allow=all}}',), True, True),  # its own calls decide
    ('{{bots|allow=all}}', ('{{nobots}}',), False, False),
]


@pytest.mark.parametrize(('text', 'transcluded', 'denied', 'framework'), WRAPPED_CASES)
def test_bots_templates_through_other_templates(text, transcluded, denied, framework,
                                                framework_denies):
    assert page_denies(Exclusion('User talk:A', text, transcluded), 'LeadershipBot') is denied
    assert framework_denies(text) is framework
    assert denied or not framework


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
    assert message('leadership-bot-notice-title-milestone', lang, count,
                   plural=plural) == expected


RU = '$1 {{PLURAL:$1|запрос|запроса|запросов}}'
PL = '$1 {{PLURAL:$1|wniosek|wnioski|wniosków}}'
AR = '{{PLURAL:$1|لا طلبات|طلب واحد|طلبان|$1 طلبات|$1 طلبًا|$1 طلب}}'


@pytest.mark.parametrize(('lang', 'text', 'count', 'expected'), [
    ('ru', RU, 1, '1 запрос'),
    ('ru', RU, 21, '21 запрос'),
    ('ru', RU, 3, '3 запроса'),
    ('ru', RU, 24, '24 запроса'),
    ('ru', RU, 5, '5 запросов'),
    ('ru', RU, 11, '11 запросов'),
    ('ru', RU, 12, '12 запросов'),
    ('pl', PL, 1, '1 wniosek'),
    ('pl', PL, 2, '2 wnioski'),
    ('pl', PL, 22, '22 wnioski'),
    ('pl', PL, 5, '5 wniosków'),
    ('pl', PL, 12, '12 wniosków'),
    ('pl', PL, 21, '21 wniosków'),
    ('ar', AR, 0, 'لا طلبات'),
    ('ar', AR, 1, 'طلب واحد'),
    ('ar', AR, 2, 'طلبان'),
    ('ar', AR, 3, '3 طلبات'),
    ('ar', AR, 11, '11 طلبًا'),
    ('ar', AR, 100, '100 طلب'),
    ('fr', '$1 {{PLURAL:$1|demande|demandes}}', 0, '0 demande'),
    ('en', '$1 {{PLURAL:$1|request|requests}}', 0, '0 requests'),
])
def test_plural_forms_follow_pywikibots_rules(lang, text, count, expected):
    assert fill(text, lang, (count,), plural) == expected


@pytest.mark.parametrize(('lang', 'text', 'count', 'expected'), [
    ('ru', '$1 {{PLURAL:$1|запрос|запроса}}', 5, '5 запроса'),  # the third form not given
    ('ar', '{{PLURAL:$1|صفر|واحد|اثنان}}', 100, 'اثنان'),
    ('en', '{{PLURAL:$1|only}}', 2, 'only'),
    ('en', '{{PLURAL:many|one|other}}', 1, 'other'),  # not a number
])
def test_a_missing_plural_form_is_the_last_one(lang, text, count, expected):
    assert fill(text, lang, (count,), plural) == expected


def test_heading_of_each_event_is_translated():
    notice = due([checked('A', 1, 'approved')])[0]
    assert heading(notice, 'es', plural) == 'Tu solicitud de liderazgo fue aprobada'
    assert heading(notice, None, plural) == 'Your leadership request was approved'


# -- ids on stable keys -----------------------------------------------------------------------


def test_user_events_are_keyed_on_user_ids_and_need_one():
    requests = [checked('A', 1, 'completed', 3), checked('A', 2, 'completed', 5),
                checked('B', 3, 'approved'), checked('Nobody', 4, 'completed', 3),
                checked('Nobody', 5, 'completed', 4)]
    organizers = [organizer('A'), organizer('B', mentor=True), organizer('Nobody')]
    pairs = [Pair(mentee='A', mentor='B', since=SINCE), Pair('Nobody', 'B', SINCE)]
    found = ids(due(requests, organizers, events=(*EVENTS, 'matched'), pairs=pairs))
    assert sorted(found) == sorted([
        'completed:1', 'completed:2', 'approved:3', 'completed:4', 'completed:5',
        'milestone:u11:2', 'listed:u11', 'listed:u12', 'matched:u11:u12', 'matched:u12:u11'])


def test_a_renamed_user_keeps_the_ids_of_their_notices():
    before = due([checked('Old name', 1, 'completed', 3), checked('Old name', 2, 'completed', 5)],
                 [organizer('Old name')], user_ids={'Old name': 7})
    after = due([checked('New name', 1, 'completed', 3), checked('New name', 2, 'completed', 5)],
                [organizer('New name')], user_ids={'New name': 7})
    assert ids(before) == ids(after)
    assert {'listed:u7', 'milestone:u7:2'} <= set(ids(after))


LONG = 'Ŝ' * 160  # 320 bytes in UTF-8, near MediaWiki's longest user names


@pytest.mark.parametrize('lang', [None, 'fr', 'es'])
def test_summary_starts_with_the_id_and_stays_within_500_bytes(lang):
    notice = Notice(id='matched:u12345678:u87654321', event='matched', user=LONG, when=None,
                    lang=lang, allowed=True, params=(('partner', LONG + ' ' + LONG),), page='P')
    text = summary(notice, lang, plural)
    assert text.startswith('[notice matched:u12345678:u87654321] ')
    assert len(text.encode()) <= SUMMARY_LIMIT
    assert posted_ids([text], ()) == {notice.id}


def test_a_short_summary_is_not_cut():
    notice = due([checked('A', 1, 'approved')])[0]
    assert summary(notice, None, plural) == (
        '[notice approved:1] Leadership recognition: Your leadership request was approved')


@pytest.mark.parametrize(('text', 'limit', 'expected'), [
    ('short', 10, 'short'),
    ('exactly ten', 11, 'exactly ten'),
    ('a longer text', 8, 'a lon…'),
    ('ŜŜŜŜ', 6, 'Ŝ…'),  # never half a character
])
def test_truncate_bytes(text, limit, expected):
    assert truncate_bytes(text, limit) == expected
    assert len(truncate_bytes(text, limit).encode()) <= limit


# -- the ledger -------------------------------------------------------------------------------


def test_old_name_based_ids_are_read_as_user_ids():
    old = {'listed:Alice', 'milestone:Alice:5', 'matched:Alice:Bob', 'matched:Alice:Gone',
           'approved:12', 'listed:u3'}
    assert canonical_ids(old, {'Alice': 1, 'Bob': 2}) == old | {
        'listed:u1', 'milestone:u1:5', 'matched:u1:u2'}


def test_ledger_page_round_trip_and_garbage():
    posted = {'approved:12', 'approved:3', 'listed:u5', 'milestone:u5:10', 'milestone:u5:2',
              'matched:u5:u6', 'completed:3'}
    data = ledger_data(posted)
    assert data == {'schema': 1, 'posted': {
        'approved': '3 12', 'completed': '3', 'listed': 'u5', 'matched': 'u5:u6',
        'milestone': 'u5:2 u5:10'}}
    assert ledger_ids(json.loads(json.dumps(data))) == posted
    for garbage in (None, [], 'x', {'posted': []}, {'posted': {'approved': 5}}):
        assert ledger_ids(garbage) == set()


def test_ledger_page_stays_far_below_2_mb_at_10000_requests():
    """Every event for 10,000 requests and users, with 8-digit ids, as MediaWiki stores
    the page (it re-formats JSON with tab indents)."""
    n, base = 10_000, 40_000_000
    posted = {f'{e}:{base + i}' for i in range(n) for e in ('approved', 'completed')}
    posted |= {f'listed:u{base + i}' for i in range(n)}
    posted |= {f'milestone:u{base + i}:{m}' for i in range(0, n, 4) for m in (2, 5, 10, 25)}
    posted |= {f'matched:u{base + i}:u{base + i + 1}' for i in range(n)}
    stored = json.dumps(ledger_data(posted), indent='\t', ensure_ascii=False)
    assert len(stored.encode()) < 2 * 1024 * 1024 / 3
    assert ledger_ids(json.loads(stored)) == posted


# -- provenance -------------------------------------------------------------------------------

TRUSTED = {'Admin', 'Reviewer', 'LeadershipBot'}


@pytest.mark.parametrize(('page', 'problem'), [
    (TemplatePage('Template:T', 5, 'Reviewer', protected=False), False),
    (TemplatePage('Template:T', 5, 'LeadershipBot', protected=False), False),
    (TemplatePage('Template:T', 5, '203.0.113.9', protected=True), False),  # admins only
    (TemplatePage('Template:T', 0, None, protected=False), False),  # missing: no text
    (TemplatePage('Template:T', 5, '203.0.113.9', protected=False), True),
    (TemplatePage('Template:T', 5, None, protected=False), True),  # hidden author
])
def test_template_trust(page, problem):
    found = template_problem(page, TRUSTED, 2)
    assert (found is not None) is problem
    if found:
        assert (found.page, found.code) == ('Template:T', 'notice-template-untrusted')
        assert (page.user or 'a hidden user') in found.message and '2 notices wait' in found.message


def facts(**changes: object) -> RedirectFacts:
    base = RedirectFacts(source='User talk:X', target='User talk:Y', owner_exists=True,
                         made_by='Z')
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(('redirect', 'reason'), [
    (facts(made_by='X'), None),  # the user's own edit
    (facts(moved_by='Admin', made_by='Admin'), None),  # a rename's page move
    (facts(moved_by='X', made_by='X'), None),
    (facts(moved_by='Renamer', renamed_to_target=True), None),  # a global rename
    (facts(), 'made a redirect to User talk:Y by Z, not by a page move or by the user'),
    (facts(made_by=None), 'by a hidden user'),
    (facts(moved_by='Z'), 'moved to User talk:Y by Z, who is neither'),
    (facts(made_by='X', owner_exists=False), 'not the talk page of an existing user'),
    (facts(moved_by='Admin', owner_exists=False), 'not the talk page of an existing user'),
])
def test_redirect_provenance(redirect, reason):
    found = redirect_problem('X', redirect, TRUSTED)
    assert (found is None) if reason is None else (reason in (found or '')), found


def test_the_template_call_to_vet_is_the_posted_one_without_subst():
    notice = due([checked('A', 1, 'approved', lang='fr')])[0]
    posted = template_call(notice, 'Template:Leadership recognition', {'fr'})
    vetted = template_call(notice, 'Template:Leadership recognition', {'fr'}, subst=False)
    assert vetted == posted.replace('{{subst:', '{{', 1)
    assert vetted.startswith('{{Leadership recognition/fr|event=approved|')
