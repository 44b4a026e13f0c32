"""Recognition notices: which are due, which must be skipped, and their text. Pure.

Every notice has a stable id (event + request page id, or event + user [+ milestone]).
The wiki is the ledger: a notice counts as posted when the bot's own contributions
carry its id in an edit summary, or a talk page carries its hidden marker. Local state
never decides.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

import mwparserfromhell

from bots.directory import Organizer, sort_key
from bots.matching import Pair, as_person, pair_score
from bots.messages import message
from bots.model import Checked, Problem
from bots.rendering import plain

_ID_TOKEN = re.compile(r'\[notice ([^\]]+)\]')
_MARKER = re.compile(r'<!-- leadership-bot notice ([^>]+?) -->')


@dataclasses.dataclass(frozen=True)
class Notice:
    """One recognition notice to one user."""

    id: str
    event: str
    user: str
    when: dt.datetime | None
    lang: str | None
    allowed: bool  # the recipient's own notices=yes/no
    params: tuple[tuple[str, str], ...]
    page: str  # the request (or directory) page the notice is about, for the report


def summary_token(notice_id: str) -> str:
    """The id as it appears in the edit summary of the post."""
    return f'[notice {notice_id}]'


def marker(notice_id: str) -> str:
    """The hidden marker at the end of the posted section."""
    return f'<!-- leadership-bot notice {notice_id} -->'


def posted_ids(summaries: Iterable[str], texts: Iterable[str]) -> set[str]:
    """Notice ids found in the bot's edit summaries and in talk page texts."""
    ids = {m.group(1) for s in summaries for m in _ID_TOKEN.finditer(s)}
    ids |= {m.group(1).strip() for t in texts for m in _MARKER.finditer(t)}
    return ids


def _newest(requests: Sequence[Checked]) -> Checked:
    return max(requests, key=lambda c: c.request.page_id)


def due_notices(requests: Iterable[Checked], organizers: Sequence[Organizer],
                newly_listed: Collection[str], events: Collection[str],
                milestones: Sequence[int], since: dt.date, directory: str,
                pairs: Iterable[Pair] = (), mentorship: str = '') -> list[Notice]:
    """Every notice the requests and the directory call for, oldest first.

    Only verified requests count. Decisions before ``since`` never notify (a first run
    on a wiki with history must not flood anyone); ``listed`` is due for organizers who
    enter the directory in this run, ``milestone`` when a user's count of completed
    requests reaches a configured number, ``matched`` for both sides of a mentorship
    pair made on or after ``since``.
    """
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    verified = [c for c in requests if c.verified]
    by_user: dict[str, list[Checked]] = defaultdict(list)
    for checked in verified:
        by_user[checked.request.user].append(checked)
    notices: list[Notice] = []
    for checked in verified:
        request = checked.request
        event = checked.status
        if event in ('approved', 'completed') and event in events and checked.decided_at \
                and checked.decided_at >= start:
            notices.append(Notice(
                id=f'{event}:{request.page_id}', event=event, user=request.user,
                when=checked.decided_at, lang=request.lang, allowed=request.notices,
                params=(('program', plain(request.program)), ('request', request.page)),
                page=request.page))
    if 'milestone' in events:
        for user, own in by_user.items():
            done = sorted((c for c in own if c.status == 'completed' and c.decided_at),
                          key=lambda c: c.decided_at or start)
            newest = _newest(own).request
            for count in milestones:
                if len(done) >= count and (reached := done[count - 1].decided_at) \
                        and reached >= start:
                    notices.append(Notice(
                        id=f'milestone:{user}:{count}', event='milestone', user=user,
                        when=reached, lang=newest.lang, allowed=newest.notices,
                        params=(('count', str(count)),
                                ('request', done[count - 1].request.page)),
                        page=done[count - 1].request.page))
    if 'listed' in events:
        for organizer in organizers:
            if organizer.user not in newly_listed or not by_user.get(organizer.user):
                continue
            latest = _newest(by_user[organizer.user]).request
            when = latest.updated
            if when is None or when < start:
                continue
            peers = pick_peers(organizer, organizers)
            notices.append(Notice(
                id=f'listed:{organizer.user}', event='listed', user=organizer.user,
                when=when, lang=latest.lang, allowed=latest.notices,
                params=(('directory', directory),
                        *((f'peer{i}', p) for i, p in enumerate(peers, 1))),
                page=directory))
    if 'matched' in events:
        for pair in pairs:
            when = dt.datetime.combine(pair.since, dt.time(), tzinfo=dt.UTC)
            if when < start:
                continue
            for user, partner, role in ((pair.mentee, pair.mentor, 'mentee'),
                                        (pair.mentor, pair.mentee, 'mentor')):
                theirs = by_user.get(user)
                if not theirs:
                    continue
                latest = _newest(theirs).request
                notices.append(Notice(
                    id=f'matched:{user}:{partner}', event='matched', user=user, when=when,
                    lang=latest.lang, allowed=latest.notices,
                    params=(('partner', partner), ('role', role), ('mentorship', mentorship)),
                    page=mentorship))
    return sorted(notices, key=lambda n: (n.when or start, n.id))


def pick_peers(organizer: Organizer, organizers: Iterable[Organizer],
               limit: int = 3) -> list[str]:
    """Up to ``limit`` listed peers sharing a language and the region: mentors first,
    then by the matching score (:func:`bots.matching.pair_score`), ties by name."""
    me = as_person(organizer)
    candidates = [o for o in organizers if o.user != organizer.user
                  and o.region == organizer.region and set(me.languages) & set(o.languages)]
    candidates.sort(key=lambda o: (not o.mentor, -pair_score(me, as_person(o)),
                                   sort_key(o.user)))
    return [o.user for o in candidates[:limit]]


@dataclasses.dataclass(frozen=True)
class Recipient:
    """What the wiki says about where a user's notices would go."""

    user: str
    exists: bool = True
    blocked_indefinitely: bool = False
    target: str | None = None  # the talk page to post on (a redirect followed), or None
    target_problem: str | None = None  # why there is no usable talk page
    content_model: str = 'wikitext'
    protected: bool = False  # edit-protected above what the bot may edit
    bots_denied: bool = False  # {{nobots}} or a denying {{bots}}, directly or transcluded
    opted_out: bool = False  # on the opt-out page or in the opt-out category


def skip_reason(notice: Notice, recipient: Recipient) -> str | None:
    """Why a due notice must not be posted, in plain words; ``None`` to post it."""
    if not notice.allowed:
        return 'the request says notices = no'
    if not recipient.exists:
        return 'the user does not exist'
    if recipient.blocked_indefinitely:
        return 'the user is blocked indefinitely'
    if recipient.opted_out:
        return 'the user opted out of messages (opt-out page or category)'
    if recipient.bots_denied:
        return 'a {{bots}} or {{nobots}} template on the user or talk page denies this bot'
    if recipient.target is None:
        return recipient.target_problem or 'the talk page cannot be used'
    if recipient.content_model != 'wikitext':
        return f'the talk page is not wikitext ({recipient.content_model})'
    if recipient.protected:
        return 'the talk page is protected against this bot'
    return None


def skipped_problem(notice: Notice, reason: str) -> Problem:
    """The report row for a notice that was not posted."""
    return Problem(notice.page, 'notice-skipped',
                   f'{notice.event} notice ({notice.id}) to {notice.user} not posted: {reason}.',
                   notice.user)


def bots_template_denies(text: str, bot_user: str) -> bool:
    """Whether ``{{bots}}``/``{{nobots}}`` written on a page deny ``bot_user``.

    The convention of the exclusion compliance templates: ``{{nobots}}`` and
    ``{{bots|deny=all}}`` deny every bot, ``{{bots|deny=A,B}}`` those named,
    ``{{bots|allow=none}}`` every bot and ``{{bots|allow=A,B}}`` all but those named;
    ``{{bots|optout=…}}`` is about message types and is treated as a denial.
    """
    name = bot_user.strip().lower()
    for template in _exclusion_templates(text):
        if str(template.name).strip().lower().endswith('nobots'):
            allowed = _names(template, 'allow')
            if name not in allowed:
                return True
        else:
            allow, deny = _names(template, 'allow'), _names(template, 'deny')
            if template.has('optout'):
                return True
            if deny and ('all' in deny or name in deny):
                return True
            if template.has('allow') and ('none' in allow or (name not in allow
                                                               and 'all' not in allow)):
                return True
    return False


def bots_calls(text: str) -> list[str]:
    """The ``{{bots}}`` and ``{{nobots}}`` calls written in a text."""
    return [str(t) for t in _exclusion_templates(text)]


def _exclusion_templates(text: str) -> list[mwparserfromhell.nodes.Template]:
    def key(template: mwparserfromhell.nodes.Template) -> str:
        name = str(template.name).strip().lower().replace('_', ' ')
        return name.removeprefix('template:').strip()
    return [t for t in mwparserfromhell.parse(text).filter_templates()
            if key(t) in ('bots', 'nobots')]


def _names(template: mwparserfromhell.nodes.Template, param: str) -> set[str]:
    if not template.has(param):
        return set()
    return {n.strip().lower() for n in str(template.get(param).value).split(',') if n.strip()}


def template_call(notice: Notice, template: str, available: Collection[str]) -> str:
    """``{{subst:TEMPLATE/LANG|event=…|…}}``; English when no translation subpage exists."""
    name = template.removeprefix('Template:')
    if notice.lang and notice.lang != 'en' and notice.lang in available:
        name = f'{name}/{notice.lang}'
    params = (('event', notice.event), ('user', notice.user), *notice.params)
    return '{{subst:' + name + ''.join(f'|{k}={_param(v)}' for k, v in params) + '}}'


def _param(value: str) -> str:
    """A trusted value (user name, title, number) on one line of the template call."""
    return ' '.join(value.split())


def notice_text(notice: Notice, template: str, available: Collection[str]) -> str:
    """The whole new section's text: the substituted template, marker and signature."""
    return f'{template_call(notice, template, available)} {marker(notice.id)} ~~~~'


def heading(notice: Notice, lang: str | None) -> str:
    """The new section's heading, translated."""
    params = dict(notice.params)
    value = params.get('count') or params.get('partner') or ''
    return message(f'leadership-bot-notice-title-{notice.event}', lang, value)


def summary(notice: Notice, lang: str | None) -> str:
    """The edit summary: translated, ending with the notice id the ledger reads."""
    text = message('leadership-bot-notice-summary', lang, heading(notice, lang))
    return f'{text} {summary_token(notice.id)}'
