"""``notify``: post due recognition notices, each exactly once, honouring every opt-out.

:func:`prepare` decides in bulk (the ledger, the recipients' pages and users, the
provenance of the notice text) which notices to post now; :func:`write` posts them one
by one, synchronously, checking the run page before each, then saves the bot's ledger
page. A crash anywhere is safe: posting comes first, and a post the ledger page does
not list yet is found again in the bot's contributions and on the talk page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pywikibot
from pywikibot.exceptions import LockedPageError, OtherPageSaveError

from leadership_bot.core.directory import Organizer
from leadership_bot.core.matching import Pair
from leadership_bot.core.model import Problem, ProblemCode, Snapshot
from leadership_bot.core.notices import (
    Notice,
    Recipient,
    RedirectFacts,
    TemplatePage,
    bots_calls,
    bots_template_denies,
    canonical_ids,
    due_notices,
    heading,
    ledger_data,
    ledger_ids,
    marker,
    notice_text,
    posted_ids,
    redirect_problem,
    skip_reason,
    skipped_problem,
    summary,
    template_call,
    template_problem,
)
from leadership_bot.core.trust import opted_out
from leadership_bot.wiki.site import MOVE_SLACK, Wiki, info, simulating

INDEFINITE = frozenset({'infinite', 'infinity', 'never'})
LEDGER = 'notices'  # the bot's own page User:BOT/leadership-notices.json
# Edit-protection levels only admins may edit at (Meta-Wiki also has 'editprotected').
ADMIN_LEVELS = frozenset({'sysop', 'editprotected'})
CALLS_PER_PARSE = 50  # notice calls expanded together when asking which templates they use


@dataclasses.dataclass(frozen=True)
class Post:
    """A notice ready to post: where, and in which language."""

    notice: Notice
    target: str
    lang: str | None


@dataclasses.dataclass(frozen=True)
class TemplateCheck:
    """The pages the planned notices' text comes from, as they were vetted."""

    state: Mapping[str, tuple[int, bool]]  # title -> (latest revision id, admin-protected)
    trusted: frozenset[str]  # admins, reviewers and the bot


@dataclasses.dataclass(frozen=True)
class NotifyPlan:
    """Notices to post now, skipped ones as report problems, and how many wait."""

    posts: tuple[Post, ...]
    problems: tuple[Problem, ...]
    waiting: int  # due but not posted in this run: beyond notify.max_per_run, or held
    held: int = 0  # of ``waiting``: their text would come from an untrusted template page
    known: frozenset[str] = frozenset()  # ids known posted: ledger, contributions, markers
    ledger: frozenset[str] = frozenset()  # ids on the bot's ledger page, as read
    templates: TemplateCheck | None = None


def prepare(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
            pairs: Sequence[Pair] = ()) -> NotifyPlan:
    """Decide which notices to post in this run (``organizers``: as listed after it;
    ``pairs``: the mentorship pairs as on the matches page after it)."""
    settings = wiki.settings
    user_ids = snapshot.user_ids
    due = due_notices(snapshot.requests, organizers, {o.user for o in organizers},
                      settings.notify.events, settings.notify.milestones,
                      settings.notify.since, settings.pages.directory, pairs,
                      settings.pages.mentorship, user_ids=user_ids)
    # notices = no is the volunteer's own choice, not a problem for the report.
    due = [n for n in due if n.allowed]
    # The ledger: the bot's own page, which a deleted talk page cannot take away, and the
    # bot's contributions, which list a post made just before a crash.
    ledger = frozenset(ledger_ids(wiki.read_own(LEDGER)))
    known = canonical_ids(ledger | posted_ids(wiki.notice_summaries(), ()), user_ids)
    due = [n for n in due if n.id not in known]
    if not due:
        return NotifyPlan((), (), 0, known=frozenset(known), ledger=ledger)
    optout = settings.pages.optout
    if wiki.is_redirect(wiki.text(optout)):  # its list cannot be read: nobody is told
        return NotifyPlan((), (Problem(optout, ProblemCode.NOTICE_SKIPPED, (
            f'The opt-out page is a redirect, so who opted out cannot be read; {len(due)} '
            'notices wait until it is a list of users again.')),), len(due),
            known=frozenset(known), ledger=ledger)
    trusted = trusted_users(wiki, snapshot)
    recipients = gather_recipients(wiki, {n.user for n in due}, trusted)
    problems: list[Problem] = []
    ready: list[Notice] = []
    for notice in due:
        reason = skip_reason(notice, recipients[notice.user])
        if reason:
            problems.append(skipped_problem(notice, reason))
        else:
            ready.append(notice)
    limit = settings.notify.max_per_run
    now, waiting = ready[:limit], len(ready[limit:])
    targets = {n.id: recipients[n.user].target or '' for n in now}
    # A section may be on the wiki although its edit is not in our contributions
    # (a hidden summary, an imported or renamed account): the marker says so.
    marked = canonical_ids(posted_ids((), wiki.texts(set(targets.values())).values()),
                           user_ids)
    known |= marked
    langs = _translations(wiki, {n.lang for n in now if n.lang})
    posts = [Post(n, targets[n.id], n.lang if n.lang in langs else None)
             for n in now if n.id not in known]
    posts, held, template_problems, check = vet_templates(wiki, posts, trusted)
    return NotifyPlan(tuple(posts), tuple(problems + template_problems),
                      waiting + len(held), len(held), frozenset(known), ledger, check)


def trusted_users(wiki: Wiki, snapshot: Snapshot) -> frozenset[str]:
    """Whose word the notice text and a moved talk page may rest on: admins, reviewers
    (as of now) and the bot itself."""
    return frozenset(snapshot.reviewers) | wiki.admins() | {wiki.site.username() or ''} - {''}


def write(wiki: Wiki, plan: NotifyPlan) -> tuple[int, list[Problem]]:
    """Post the planned notices, then save the ledger page; returns the exit code and
    the problems found on the way (notices skipped, notice templates changed mid-run)."""
    template = wiki.settings.pages.notice_template
    problems: list[Problem] = []
    posted: set[str] = set()
    count = 0
    held = plan.held
    queue = list(plan.posts)
    check = plan.templates
    while queue:
        # Vetted in prepare(), but someone may edit a template between two posts.
        if check is not None and check.state and \
                _template_state(wiki, check.state) != check.state:
            queue, newly_held, more, check = vet_templates(wiki, queue, check.trusted)
            held += len(newly_held)
            problems.extend(more)
            if not queue:
                break
        post = queue.pop(0)
        notice = post.notice
        available = {post.lang} if post.lang else set()
        try:
            wiki.post_section(post.target, heading(notice, post.lang),
                              notice_text(notice, template, available),
                              summary(notice, post.lang), marker(notice.id))
        except LockedPageError:
            problems.append(skipped_problem(notice, 'the talk page is protected'))
            continue
        except OtherPageSaveError as exc:  # pywikibot's own {{bots}} check refused it
            problems.append(skipped_problem(notice, f'the wiki refused the edit ({exc})'))
            continue
        count += 1
        if not simulating():
            posted.add(notice.id)
    save_ledger(wiki, plan, posted)
    skipped = sum(p.code == 'notice-skipped' for p in (*plan.problems, *problems))
    info(f'notify: {count} notices posted, {skipped} skipped, {plan.waiting - plan.held} '
         f'waiting for the next run (notify.max_per_run), {held} held (untrusted notice '
         'template)')
    return 0, problems


def save_ledger(wiki: Wiki, plan: NotifyPlan, posted: Iterable[str]) -> None:
    """Save every id known posted on the bot's ledger page, when it adds any.

    Once per run, after the posts: a crash before it loses nothing (the contributions
    hold the new posts). Ids another run saved meanwhile are kept.
    """
    known = plan.known | set(posted)
    if known <= plan.ledger:
        return
    if simulating():
        info(f'{wiki.own_page(LEDGER)}: would add {len(known - plan.ledger)} notice ids')
        return
    current = ledger_ids(wiki.read_own(LEDGER))
    everything = known | current
    if everything != current:
        wiki.save_own(LEDGER, ledger_data(everything),
                      f'notice ledger: {len(everything)} notices (+{len(everything - current)})')


def vet_templates(wiki: Wiki, posts: Sequence[Post], trusted: frozenset[str]) -> tuple[
        list[Post], list[Post], list[Problem], TemplateCheck]:
    """Split posts into those whose text comes only from trusted pages and those held.

    The wiki says which templates (and modules) each call reads: the calls are expanded
    together, and only when one of the pages they read is untrusted, one by one, to
    find the notices that read it. Returns the posts to make, the posts held, one
    ``notice-template-untrusted`` problem per untrusted page, and what was vetted.
    """
    template = wiki.settings.pages.notice_template
    if not posts:
        return [], [], [], TemplateCheck({}, trusted)

    def call(post: Post) -> str:
        available = {post.lang} if post.lang else set()
        return template_call(post.notice, template, available, subst=False)

    chunks = [list(posts[i:i + CALLS_PER_PARSE]) for i in range(0, len(posts), CALLS_PER_PARSE)]
    used = [wiki.templates_used('\n'.join(call(p) for p in chunk), chunk[0].target)
            for chunk in chunks]
    facts, state = template_pages(wiki, set().union(*used))
    bad = {t for t, page in facts.items() if template_problem(page, trusted, 0)}
    ready: list[Post] = []
    held: list[Post] = []
    uses: Counter[str] = Counter()
    for chunk, chunk_used in zip(chunks, used, strict=True):
        if not chunk_used & bad:
            ready.extend(chunk)
            continue
        for post in chunk:
            mine = chunk_used if len(chunk) == 1 else wiki.templates_used(call(post),
                                                                          post.target)
            if new := mine - facts.keys():  # the wiki changed since the batch: vet those too
                more, more_state = template_pages(wiki, new)
                facts.update(more)
                state.update(more_state)
                bad |= {t for t, page in more.items() if template_problem(page, trusted, 0)}
            if mine & bad:
                held.append(post)
                uses.update(mine & bad)
            else:
                ready.append(post)
    problems = [p for t in sorted(uses) if (p := template_problem(facts[t], trusted, uses[t]))]
    return ready, held, problems, TemplateCheck(state, trusted)


def template_pages(wiki: Wiki, titles: Iterable[str]) -> tuple[
        dict[str, TemplatePage], dict[str, tuple[int, bool]]]:
    """Latest revision, its author and admin-only edit protection of each page (also by
    cascading protection, which MediaWiki lists with its source), in bulk."""
    titles = set(titles)
    pages, _ = wiki.page_facts(titles, prop='info|revisions', inprop='protection',
                               rvprop='ids|user')
    facts: dict[str, TemplatePage] = {}
    state: dict[str, tuple[int, bool]] = {}
    for title in titles:
        page = pages.get(title, {'missing': True})
        revision = (page.get('revisions') or [{}])[0]
        state[title] = _page_state(page)
        facts[title] = TemplatePage(
            title=title, revid=state[title][0],
            user=None if 'userhidden' in revision else revision.get('user'),
            protected=state[title][1])
    return facts, state


def _page_state(page: Mapping[str, Any]) -> tuple[int, bool]:
    """(latest revision id or 0, whether only admins may edit it) of a prop=info page."""
    revid = 0 if 'missing' in page else int(page.get('lastrevid', 0))
    protected = any(rule.get('type') == 'edit' and rule.get('level') in ADMIN_LEVELS
                    for rule in page.get('protection', ()))
    return revid, protected


def _template_state(wiki: Wiki, state: Mapping[str, tuple[int, bool]]) -> dict[
        str, tuple[int, bool]]:
    """The vetted pages' state now (one prop=info request), to compare before a post."""
    pages, _ = wiki.page_facts(state, prop='info', inprop='protection')
    return {title: _page_state(pages.get(title, {'missing': True})) for title in state}


def gather_recipients(wiki: Wiki, users: Iterable[str],
                      trusted: frozenset[str] = frozenset()) -> dict[str, Recipient]:
    """Everything the skip rules need about each user, read in bulk."""
    users = sorted(set(users))
    settings = wiki.settings
    accounts = wiki.users_info(users)
    category = settings.notify.optout_category
    pages, redirects = wiki.page_facts(
        [f'User talk:{u}' for u in users] + [f'User:{u}' for u in users],
        prop='info|templates|categories', inprop='protection', redirects=1,
        tltemplates='Template:Bots|Template:Nobots', tllimit='max',
        clcategories=category, cllimit='max')
    bot = wiki.site.username() or ''
    denied = _bots_denials(wiki, pages, bot)
    optout = opted_out(wiki.history(settings.pages.optout), wiki.user_namespace_names(),
                       wiki.admins())
    made = redirect_facts(wiki, {u: f'User talk:{u}' for u in users
                                 if f'User talk:{u}' in redirects}, redirects, trusted)
    recipients = {}
    for user in users:
        account = accounts.get(user, {'missing': True})
        talk = f'User talk:{user}'
        chain = follow(redirects, talk)
        target = chain[-1]
        talk_page = pages.get(target, {})
        user_page = pages.get(follow(redirects, f'User:{user}')[-1], {})
        problem = None
        if len(chain) > 2 or 'redirect' in talk_page:
            problem = 'the talk page redirects to a redirect (a loop or a double redirect)'
        elif target != talk and talk_page.get('ns') != 3:
            problem = 'the talk page redirects outside user talk pages'
        elif target != talk:
            problem = redirect_problem(user, made[user], trusted)
        recipients[user] = Recipient(
            user=user,
            exists='missing' not in account and 'invalid' not in account,
            blocked_indefinitely=account.get('blockexpiry') in INDEFINITE,
            target=None if problem else target, target_problem=problem,
            content_model=talk_page.get('contentmodel', 'wikitext'),
            protected=any(p['type'] in ('edit', 'create') and not wiki.may_edit_level(p['level'])
                          for p in talk_page.get('protection', ())),
            bots_denied=any(page.get('title') in denied for page in (talk_page, user_page)),
            opted_out=user in optout or any(page.get('categories')
                                            for page in (talk_page, user_page)))
    return recipients


def _close(one: str | None, other: str | None) -> bool:
    """Whether two API timestamps are at most MOVE_SLACK seconds apart (a move's log entry
    may be written a second after the redirect it leaves)."""
    if not one or not other:
        return False
    times = [dt.datetime.fromisoformat(t.replace('Z', '+00:00')) for t in (one, other)]
    return abs((times[0] - times[1]).total_seconds()) <= MOVE_SLACK


def redirect_facts(wiki: Wiki, talk_pages: Mapping[str, str], redirects: Mapping[str, str],
                   trusted: frozenset[str] = frozenset()) -> dict[str, RedirectFacts]:
    """User -> who made their talk page (``talk_pages``: user -> title) the redirect it is.

    A redirect left by a move is a new page whose only revision has the move's time:
    the move log must show that move, to the redirect's target (renames log their page
    moves there too). Few talk pages redirect, so the logs are read page by page.
    """
    if not talk_pages:
        return {}
    pages, _ = wiki.page_facts(talk_pages.values(), prop='revisions',
                               rvprop='ids|user|timestamp')
    owners = {user: _talk_page_owner(wiki, redirects[title])
              for user, title in talk_pages.items()}
    accounts = wiki.users_info({o for o in owners.values() if o})
    facts: dict[str, RedirectFacts] = {}
    for user, title in talk_pages.items():
        target, owner = redirects[title], owners[user]
        account = accounts.get(owner or '', {'missing': True})
        exists = 'missing' not in account and 'invalid' not in account
        revision = (pages.get(title, {}).get('revisions') or [{}])[0]
        made_by = None if 'userhidden' in revision else revision.get('user')
        moved_by: str | None = None
        if exists and int(revision.get('parentid', -1)) == 0:
            for entry in wiki.log_events(title, 'move'):
                if _close(entry.get('timestamp'), revision.get('timestamp')) and \
                        _move_target(entry) == target:
                    moved_by = '' if 'userhidden' in entry else str(entry.get('user', ''))
                    break
        # A move by someone else counts when it was part of renaming the user (on
        # Meta-Wiki, global renamers move the pages; they need not be admins here).
        renamed = moved_by not in (None, user, *trusted) and bool(owner) and any(
            entry.get('type') == 'renameuser'
            and entry.get('params', {}).get('olduser') == user
            and entry.get('params', {}).get('newuser') == owner
            for entry in wiki.log_events(f'User:{user}'))
        facts[user] = RedirectFacts(source=title, target=target, owner_exists=exists,
                                    made_by=made_by, moved_by=moved_by,
                                    renamed_to_target=renamed)
    return facts


def _talk_page_owner(wiki: Wiki, title: str) -> str | None:
    """The user whose talk page ``title`` is (not a subpage), else ``None``."""
    page = pywikibot.Page(wiki.site, title)
    name = page.title(with_ns=False)
    return name if page.namespace() == 3 and '/' not in name else None


def _move_target(entry: Mapping[str, Any]) -> str | None:
    """Where a move log entry moved its page (MediaWiki 1.25+ ``params``, or older)."""
    params = entry.get('params') or entry.get('move') or {}
    return params.get('target_title') or params.get('new_title')


def follow(redirects: dict[str, str], title: str) -> list[str]:
    """The redirect chain from ``title`` (itself first); a loop ends where it repeats."""
    chain = [title]
    while chain[-1] in redirects and redirects[chain[-1]] not in chain:
        chain.append(redirects[chain[-1]])
    if chain[-1] in redirects:  # a loop: no page at the end to post on
        chain.append(redirects[chain[-1]])
    return chain


def _bots_denials(wiki: Wiki, pages: dict[str, dict[str, Any]], bot: str) -> set[str]:
    """Titles of pages whose {{bots}}/{{nobots}} deny this bot.

    A page using those templates is read; if it does not call them itself, they come
    through another template (a userbox): the templates it uses are read, and their
    calls decide. A call whose parameters come from the page (``{{{1}}}``), or one
    nested deeper than that, cannot be read and counts as a denial.
    """
    using = [t for t, p in pages.items() if p.get('templates')]
    if not using:
        return set()
    texts = wiki.texts(using)
    denied = {t for t in using if bots_calls(texts.get(t, '')) and
              bots_template_denies(texts.get(t, ''), bot)}
    indirect = [t for t in using if not bots_calls(texts.get(t, ''))]
    if not indirect:
        return denied
    used, _ = wiki.page_facts(indirect, prop='templates', tlnamespace=10, tllimit='max')
    wrappers = {t['title'] for page in used.values() for t in page.get('templates', ())}
    wrapper_calls = {title: bots_calls(text) for title, text in wiki.texts(wrappers).items()}
    for title in indirect:
        calls = [c for t in used.get(title, {}).get('templates', ())
                 for c in wrapper_calls.get(t['title'], ())]
        if not calls or any('{{{' in c for c in calls) or \
                bots_template_denies('\n'.join(calls), bot):
            denied.add(title)
    return denied


def _translations(wiki: Wiki, langs: Iterable[str]) -> set[str]:
    """Languages with a translation subpage of the notice template."""
    template = wiki.settings.pages.notice_template
    titles = {f'{template}/{lang}': lang for lang in langs}
    pages, _ = wiki.page_facts(titles, prop='info')
    return {titles[t] for t, p in pages.items() if 'missing' not in p and t in titles}
