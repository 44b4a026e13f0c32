"""Recognition notices: which are due, which must be skipped, and their text. Pure.

Every notice has a stable id built on keys that survive renames and long names:
``approved:<page id>``, ``completed:<page id>``, ``listed:u<user id>``,
``milestone:u<user id>:<n>``, ``matched:u<user id>:u<partner id>``. The wiki is the
ledger: a notice counts as posted when the bot's own ledger page (a user ``.json``
page only the bot may edit) lists its id, the bot's contributions carry it first in an
edit summary, or a talk page carries its hidden marker. Local state never decides.

The notice text is only as trustworthy as the templates it is substituted from, and a
talk-page redirect only as trustworthy as whoever made it: :func:`template_problem`
and :func:`redirect_problem` are those two rules.

One home per rule: which ids are known posted, :func:`known_posted` (and what the
ledger page must then hold, :func:`ledger_update`); who opted out,
:func:`who_opted_out`; whether ``{{bots}}``/``{{nobots}}`` deny the bot,
:func:`bots_template_denies` (on one page: :func:`page_denies`); where a user's notices
go, :func:`recipient`; why a notice is skipped, :func:`skip_reason`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

import mwparserfromhell

from leadership_bot.core.directory import Organizer, sort_key
from leadership_bot.core.matching import Pair, as_person, pair_score
from leadership_bot.core.messages import Plural, message
from leadership_bot.core.model import Checked, Problem, ProblemCode, TextRevision
from leadership_bot.core.normalize import first_upper
from leadership_bot.core.rendering import plain
from leadership_bot.core.trust import opted_out as listed_on_optout_page

_ID_TOKEN = re.compile(r'\[notice ([^\]]+)\]')
_MARKER = re.compile(r'<!-- leadership-bot notice ([^>]+?) -->')
_USER_KEY = re.compile(r'u[0-9]+')
# MediaWiki cuts edit summaries at 500 characters (CommentStore); staying within 500
# bytes keeps the id, which comes first, readable in every case.
SUMMARY_LIMIT = 500
LEDGER_SCHEMA = 1
# The events whose ids name users: their older, name-based ids are read as user ids.
_USER_EVENTS = {'listed': 1, 'milestone': 1, 'matched': 2}


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


def canonical_ids(ids: Iterable[str], user_ids: Mapping[str, int]) -> set[str]:
    """The ids, plus the user-id form of older name-based ones (``listed:Alice`` ->
    ``listed:u7``) for the users ``user_ids`` knows, so that an upgrade posts nothing
    again. MediaWiki user names never contain ``:``, and start with a capital letter, so
    a ``u<digits>`` part is always an id."""
    found = set(ids)
    for notice_id in list(found):
        event, _, rest = notice_id.partition(':')
        users = _USER_EVENTS.get(event)
        if not users:
            continue
        parts = rest.split(':')
        if len(parts) < users:
            continue
        keys = [p if _USER_KEY.fullmatch(p) else user_key(user_ids, p) for p in parts[:users]]
        if all(keys):
            found.add(':'.join([event, *(k or '' for k in keys), *parts[users:]]))
    return found


def ledger_data(ids: Iterable[str]) -> dict[str, object]:
    """The bot's ledger page: ids grouped by event, each group one space-separated string.

    MediaWiki re-formats a JSON page with one line per list item and tab indents; one
    string per event keeps the page small (about 10 bytes per notice, so some 400 KB for
    10,000 requests with every event, against the 2 MB page limit).
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for notice_id in ids:
        event, _, rest = notice_id.partition(':')
        if rest and ' ' not in notice_id:
            groups[event].append(rest)
    return {'schema': LEDGER_SCHEMA, 'posted': {
        event: ' '.join(sorted(rests, key=_natural)) for event, rests in sorted(groups.items())}}


def ledger_ids(data: object) -> set[str]:
    """The ids on the bot's ledger page (:func:`ledger_data`); nothing from anything else."""
    posted = data.get('posted') if isinstance(data, dict) else None
    if not isinstance(posted, dict):
        return set()
    return {f'{event}:{rest}' for event, rests in posted.items()
            if isinstance(event, str) and isinstance(rests, str) for rest in rests.split()}


def known_posted(ledger: Iterable[str], summaries: Iterable[str], texts: Iterable[str],
                 user_ids: Mapping[str, int]) -> set[str]:
    """The exactly-once ledger: every notice id known posted.

    An id counts as posted when the bot's ledger page lists it (``ledger``, as read by
    :func:`ledger_ids`: a deleted talk page cannot take it away), when one of the bot's
    edit ``summaries`` carries it (a post made just before a crash, before the ledger
    page was saved), or when a talk page text carries its marker (``texts``: a post
    whose edit is not among the contributions, e.g. a hidden summary or an imported
    account). Older name-based ids count for the user ids they name
    (:func:`canonical_ids`).
    """
    return canonical_ids(set(ledger) | posted_ids(summaries, texts), user_ids)


def ledger_update(known: Iterable[str], saved: Iterable[str]) -> set[str] | None:
    """What the ledger page must hold when ``saved`` is on it and ``known`` is known
    posted (:func:`known_posted` and this run's posts): everything, never fewer ids;
    ``None`` when it already holds them all."""
    current = set(saved)
    everything = set(known) | current
    return None if everything == current else everything


def _natural(text: str) -> list[int | str]:
    return [int(p) if p.isdigit() else p for p in re.split(r'([0-9]+)', text)]


def _newest(requests: Sequence[Checked]) -> Checked:
    return max(requests, key=lambda c: c.request.page_id)


def user_key(user_ids: Mapping[str, int], user: str) -> str | None:
    """``u<user id>``: a user's part of a notice id; ``None`` for a user without an id."""
    user_id = user_ids.get(user)
    return f'u{user_id}' if user_id else None


def due_notices(requests: Iterable[Checked], organizers: Sequence[Organizer],
                newly_listed: Collection[str], events: Collection[str],
                milestones: Sequence[int], since: dt.date, directory: str,
                pairs: Iterable[Pair] = (), mentorship: str = '',
                user_ids: Mapping[str, int] | None = None) -> list[Notice]:
    """Every notice the requests and the directory call for, oldest first.

    Only verified requests count. Decisions before ``since`` never notify (a first run
    on a wiki with history must not flood anyone); ``listed`` is due for organizers who
    enter the directory in this run, ``milestone`` when a user's count of completed
    requests reaches a configured number, ``matched`` for both sides of a mentorship
    pair made on or after ``since``. Those three are keyed on user ids (``user_ids``:
    name -> id): a renamed user is the same user, and a user without an id gets none.
    """
    ids = user_ids or {}
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
            key = user_key(ids, user)
            if key is None:
                continue
            done = sorted((c for c in own if c.status == 'completed' and c.decided_at),
                          key=lambda c: c.decided_at or start)
            newest = _newest(own).request
            for count in milestones:
                if len(done) >= count and (reached := done[count - 1].decided_at) \
                        and reached >= start:
                    notices.append(Notice(
                        id=f'milestone:{key}:{count}', event='milestone', user=user,
                        when=reached, lang=newest.lang, allowed=newest.notices,
                        params=(('count', str(count)),
                                ('request', done[count - 1].request.page)),
                        page=done[count - 1].request.page))
    if 'listed' in events:
        for organizer in organizers:
            key = user_key(ids, organizer.user)
            if organizer.user not in newly_listed or not by_user.get(organizer.user) \
                    or key is None:
                continue
            latest = _newest(by_user[organizer.user]).request
            when = latest.updated
            if when is None or when < start:
                continue
            peers = pick_peers(organizer, organizers)
            notices.append(Notice(
                id=f'listed:{key}', event='listed', user=organizer.user,
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
                key, partner_key = user_key(ids, user), user_key(ids, partner)
                if not theirs or key is None or partner_key is None:
                    continue
                latest = _newest(theirs).request
                notices.append(Notice(
                    id=f'matched:{key}:{partner_key}', event='matched', user=user, when=when,
                    lang=latest.lang, allowed=latest.notices,
                    params=(('partner', partner), ('role', role), ('mentorship', mentorship)),
                    page=mentorship))
    return sorted(notices, key=lambda n: (n.when or start, n.id))


def pick_peers(organizer: Organizer, organizers: Iterable[Organizer],
               limit: int = 3) -> list[str]:
    """Up to ``limit`` listed peers sharing a language and the region: mentors first,
    then by the matching score (:func:`leadership_bot.core.matching.pair_score`), ties by name."""
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
    return Problem(notice.page, ProblemCode.NOTICE_SKIPPED,
                   f'{notice.event} notice ({notice.id}) to {notice.user} not posted: {reason}.',
                   notice.user)


def bots_template_denies(text: str, bot_user: str) -> bool:
    """Whether ``{{bots}}``/``{{nobots}}`` written on a page deny ``bot_user``.

    The convention of the exclusion compliance templates: ``{{nobots}}`` and
    ``{{bots|deny=all}}`` deny every bot, ``{{bots|deny=A,B}}`` those named,
    ``{{bots|allow=none}}`` every bot and ``{{bots|allow=A,B}}`` all but those named;
    ``{{bots|optout=…}}`` is about message types and is treated as a denial.

    A call denies when that convention read generously says so (names in any case, any
    parameter) or when the bot framework's own check does (``Page.botMayEdit``: the
    first parameter only, names as written, ``{{nobots}}`` with a named parameter
    refused), so a post the framework would refuse at save time is never planned. Where
    the two differ this one is the stricter (tests/unit/test_notices.py shows each case
    beside the framework's verdict).
    """
    name = bot_user.strip().lower()
    for template in _exclusion_templates(text):
        if _framework_denies(template, bot_user.strip()):
            return True
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


def _framework_denies(template: mwparserfromhell.nodes.Template, bot_user: str) -> bool:
    """Whether the framework's ``Page.botMayEdit`` reads this one call as a denial (its
    rules, without the script names it also matches, which this bot has none of)."""
    title = _canonical(template)
    if title not in ('Bots', 'Nobots'):
        return False
    params = _framework_params(template)
    key, value = '', ''
    names: set[str] = set()
    if params:
        key, sep, value = params[0].partition('=')
        if not sep:
            key, value = value, key
        key = key.strip()
        names = {n.strip() for n in value.split(',')}
    if title == 'Nobots':
        return not params or bool(key) or 'all' in names or bot_user in names
    if bool(value) != bool(key):  # {{bots|x}} and {{bots|x=}} are ignored
        return False
    if key == 'allow':
        return not ('all' in names or bot_user in names)
    if key == 'deny':
        return 'all' in names or bot_user in names
    return False


def _canonical(template: mwparserfromhell.nodes.Template) -> str:
    """A call's template title as MediaWiki (and the framework's ``Link``) normalise it,
    without the namespace: ``template:_bots`` -> ``Bots``."""
    title = ' '.join(str(template.name).replace('_', ' ').split())
    namespace, colon, rest = title.partition(':')
    if colon and namespace.strip().lower() == 'template':
        title = rest.strip()
    return first_upper(title)


def _framework_params(template: mwparserfromhell.nodes.Template) -> list[str]:
    """The call's parameters as ``Page.templatesWithParams`` lists them: the positional
    ones (consecutive from 1) first, then ``name=value``, all stripped."""
    args = {str(p.name).strip(): str(p.value).strip() for p in template.params}
    numbered: dict[int, str] = {}
    named: dict[str, str] = {}
    for key in sorted(args):
        try:
            numbered[int(key)] = args[key]
        except ValueError:
            named[key] = args[key]
    positional: list[str] = []
    for i in range(1, len(numbered) + 1):
        if i in numbered:
            positional.append(numbered[i])
            continue
        for k, v in numbered.items():
            if k < 1 or k >= i:
                named[str(k)] = v
        break
    return positional + [f'{k}={v}' for k, v in named.items()]


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


@dataclasses.dataclass(frozen=True)
class Exclusion:
    """A page whose link table says it uses ``{{bots}}`` or ``{{nobots}}``."""

    title: str
    text: str  # its current text
    # When the text does not call them itself: the calls written in the templates it uses
    # (a userbox), as read from those templates' texts.
    transcluded: tuple[str, ...] = ()


def page_denies(page: Exclusion, bot_user: str) -> bool:
    """Whether the ``{{bots}}``/``{{nobots}}`` a page uses deny ``bot_user``.

    Its own calls decide when it has any; else the calls in the templates it uses. A
    call whose parameters come from the page (``{{{1}}}``), none found, or one nested
    deeper than that, cannot be read and counts as a denial.
    """
    if bots_calls(page.text):
        return bots_template_denies(page.text, bot_user)
    calls = page.transcluded
    return not calls or any('{{{' in c for c in calls) or \
        bots_template_denies('\n'.join(calls), bot_user)


# -- who opted out, and where a user's notices go ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class OptOutPage:
    """The opt-out page as the wiki has it."""

    title: str
    redirect: bool  # its current text is a redirect (then its history is not read)
    history: tuple[TextRevision, ...] = ()  # its revisions, oldest first
    user_namespaces: tuple[str, ...] = ('User',)  # names of the User namespace, for links
    admins: frozenset[str] = frozenset()


def who_opted_out(page: OptOutPage, categorized: Iterable[str]) -> frozenset[str] | None:
    """Everyone who opted out of notices, or ``None`` when that cannot be read (the
    opt-out page is a redirect: then nobody is told anything).

    A user opted out when the opt-out page lists them (a name leaves it only when its
    user or an admin removes it: :func:`leadership_bot.core.trust.opted_out`) or when
    their talk or user page is in the opt-out category (``categorized``). A request's
    own ``notices = no`` is :attr:`Notice.allowed`, not an opt-out.
    """
    if page.redirect:
        return None
    return listed_on_optout_page(page.history, page.user_namespaces, page.admins) | \
        frozenset(categorized)


INDEFINITE = frozenset({'infinite', 'infinity', 'never'})  # block expiries that never end


@dataclasses.dataclass(frozen=True)
class RecipientFacts:
    """What the wiki says about a user and their talk page, read in bulk."""

    user: str
    exists: bool = True  # a registered account
    block_expiry: str | None = None  # of their block, as the API gives it (None: not blocked)
    chain: tuple[str, ...] = ()  # the redirect chain from their talk page, itself first
    target_namespace: int | None = 3  # of the chain's last page (None: unknown)
    target_redirect: bool = False  # the chain's last page is itself a redirect
    content_model: str = 'wikitext'  # of the chain's last page
    protected: bool = False  # it is edit- or create-protected above what the bot may edit
    exclusions: tuple[Exclusion, ...] = ()  # of the talk and user page, those using {{bots}}
    in_optout_category: bool = False  # the talk or user page is in the opt-out category
    redirect: RedirectFacts | None = None  # who made the talk page the redirect it is


def follow(redirects: Mapping[str, str], title: str) -> list[str]:
    """The redirect chain from ``title`` (itself first); a loop ends where it repeats."""
    chain = [title]
    while chain[-1] in redirects and redirects[chain[-1]] not in chain:
        chain.append(redirects[chain[-1]])
    if chain[-1] in redirects:  # a loop: no page at the end to post on
        chain.append(redirects[chain[-1]])
    return chain


def recipient(facts: RecipientFacts, opted_out: Collection[str], trusted: Collection[str],
              bot_user: str) -> Recipient:
    """Where the user's notices would go, and what the skip rules need to know: the talk
    page (a redirect followed only to another user's talk page, and only when made by
    a rename: :func:`redirect_problem`), its {{bots}} and the user's opt-out."""
    talk = facts.chain[0] if facts.chain else f'User talk:{facts.user}'
    target = facts.chain[-1] if facts.chain else talk
    problem = None
    if len(facts.chain) > 2 or facts.target_redirect:
        problem = 'the talk page redirects to a redirect (a loop or a double redirect)'
    elif target != talk and facts.target_namespace != 3:
        problem = 'the talk page redirects outside user talk pages'
    elif target != talk:
        problem = redirect_problem(facts.user, facts.redirect, trusted) if facts.redirect \
            else 'the talk page redirects, and who made it a redirect is not known'
    return Recipient(
        user=facts.user, exists=facts.exists,
        blocked_indefinitely=facts.block_expiry in INDEFINITE,
        target=None if problem else target, target_problem=problem,
        content_model=facts.content_model, protected=facts.protected,
        bots_denied=any(page_denies(page, bot_user) for page in facts.exclusions),
        opted_out=facts.user in opted_out)


def template_call(notice: Notice, template: str, available: Collection[str], *,
                  subst: bool = True) -> str:
    """``{{subst:TEMPLATE/LANG|event=…|…}}``; English when no translation subpage exists.

    Without ``subst``: the same call transcluded, which uses the same templates (the
    template substitutes its own calls with ``safesubst:``), for asking the wiki which.
    """
    name = template.removeprefix('Template:')
    if notice.lang and notice.lang != 'en' and notice.lang in available:
        name = f'{name}/{notice.lang}'
    params = (('event', notice.event), ('user', notice.user), *notice.params)
    return ('{{subst:' if subst else '{{') + name + ''.join(
        f'|{k}={_param(v)}' for k, v in params) + '}}'


def _param(value: str) -> str:
    """A trusted value (user name, title, number) on one line of the template call."""
    return ' '.join(value.split())


def notice_text(notice: Notice, template: str, available: Collection[str]) -> str:
    """The whole new section's text: the substituted template, marker and signature."""
    return f'{template_call(notice, template, available)} {marker(notice.id)} ~~~~'


SUMMARY_KEY = 'leadership-bot-notice-summary'


def title_key(event: str) -> str:
    """The message key of an event's section heading."""
    return f'leadership-bot-notice-title-{event}'


def heading(notice: Notice, lang: str | None, plural: Plural) -> str:
    """The new section's heading, translated (``plural``: the languages' plural rules)."""
    params = dict(notice.params)
    value = params.get('count') or params.get('partner') or ''
    return message(title_key(notice.event), lang, value, plural=plural)


def summary(notice: Notice, lang: str | None, plural: Plural) -> str:
    """The edit summary: the notice id the ledger reads first, then the translated text,
    cut (never the id) to MediaWiki's 500-byte limit."""
    token = f'{summary_token(notice.id)} '
    text = message(SUMMARY_KEY, lang, heading(notice, lang, plural),
                   plural=plural)
    return token + truncate_bytes(text, SUMMARY_LIMIT - len(token.encode()))


def truncate_bytes(text: str, limit: int) -> str:
    """``text`` within ``limit`` UTF-8 bytes, cut at a character with an ellipsis."""
    if len(text.encode()) <= limit:
        return text
    cut = text.encode()[:max(limit - len('…'.encode()), 0)].decode(errors='ignore')
    return cut.rstrip() + '…'


# -- provenance of the notice text and of talk-page redirects ---------------------------------


@dataclasses.dataclass(frozen=True)
class TemplatePage:
    """A page the notice text is substituted from (the template, a translation, a
    template or module they use), as it is now."""

    title: str
    revid: int  # 0: missing
    user: str | None  # who made the latest revision (None: missing or hidden)
    protected: bool  # edit-protected at sysop level, directly or by cascading protection


def template_problem(page: TemplatePage, trusted: Collection[str], held: int) -> Problem | None:
    """The report row for a notice template whose text nobody trusted vouches for, or
    ``None`` when it may be used: its latest revision is by an admin, a reviewer or the
    bot, or only admins may edit it. A missing page adds no text of anyone's."""
    if page.revid == 0 or page.protected or (page.user and page.user in trusted):
        return None
    who = page.user or 'a hidden user'
    return Problem(
        page.title, ProblemCode.NOTICE_TEMPLATE_UNTRUSTED,
        f'{page.title}: its latest revision is by {who}, who is neither an admin, a reviewer '
        f'nor this bot, and the page is not protected; {held} '
        f'{"notice waits" if held == 1 else "notices wait"} until an admin or a reviewer '
        'checks the page and saves it (or protects it).', who)


@dataclasses.dataclass(frozen=True)
class RedirectFacts:
    """Who made a talk page a redirect, and how."""

    source: str  # the redirecting talk page
    target: str  # where it points
    owner_exists: bool  # the target is the talk page of an existing user
    made_by: str | None  # who made its latest revision (None: hidden)
    moved_by: str | None = None  # the revision was made by moving the page to the target
    renamed_to_target: bool = False  # the user was renamed to the target's owner


def redirect_problem(user: str, facts: RedirectFacts, trusted: Collection[str]) -> str | None:
    """Why a notice must not follow a talk-page redirect, or ``None`` to follow it.

    A redirect counts only where a rename made it: a page move (renames move the talk
    page) by the user, an admin or a reviewer, or one logged with the user's rename; or
    the user's own edit. And it must point to an existing user's talk page. Anyone can
    turn a talk page into a redirect, and any registered user can move one.
    """
    if not facts.owner_exists:
        return (f'the talk page redirects to {facts.target}, which is not the talk page of '
                'an existing user')
    who = facts.made_by or 'a hidden user'
    if facts.moved_by is not None:
        if facts.moved_by == user or facts.moved_by in trusted or facts.renamed_to_target:
            return None
        return (f'the talk page was moved to {facts.target} by {facts.moved_by}, who is '
                'neither the user, an admin nor a reviewer, and not in a rename of the user')
    if facts.made_by == user:
        return None
    return (f'the talk page was made a redirect to {facts.target} by {who}, not by a page '
            'move or by the user')
