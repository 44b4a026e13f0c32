"""``notify``: post due recognition notices, each exactly once, honouring every opt-out.

:func:`prepare` decides in bulk (the ledger, the recipients' pages and users) which
notices to post now; :func:`write` posts them one by one, synchronously, checking the
run page before each. A crash anywhere is safe: the next run reads the ledger from the
wiki again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any

from pywikibot.exceptions import LockedPageError, OtherPageSaveError

from bots.directory import Organizer
from bots.matching import Pair
from bots.model import Problem, Snapshot
from bots.notices import (
    Notice,
    Recipient,
    bots_calls,
    bots_template_denies,
    due_notices,
    heading,
    marker,
    notice_text,
    posted_ids,
    skip_reason,
    skipped_problem,
    summary,
)
from bots.trust import parse_user_links
from bots.wiki import Wiki, info

INDEFINITE = frozenset({'infinite', 'infinity', 'never'})


@dataclasses.dataclass(frozen=True)
class Post:
    """A notice ready to post: where, and in which language."""

    notice: Notice
    target: str
    lang: str | None


@dataclasses.dataclass(frozen=True)
class NotifyPlan:
    """Notices to post now, skipped ones as report problems, and how many wait."""

    posts: tuple[Post, ...]
    problems: tuple[Problem, ...]
    waiting: int


def prepare(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
            pairs: Sequence[Pair] = ()) -> NotifyPlan:
    """Decide which notices to post in this run (``organizers``: as listed after it;
    ``pairs``: the mentorship pairs as on the matches page after it)."""
    settings = wiki.settings
    due = due_notices(snapshot.requests, organizers, {o.user for o in organizers},
                      settings.notify.events, settings.notify.milestones,
                      settings.notify.since, settings.pages.directory, pairs,
                      settings.pages.mentorship)
    done = posted_ids(wiki.notice_summaries(), ())
    due = [n for n in due if n.id not in done]
    if not due:
        return NotifyPlan((), (), 0)
    recipients = gather_recipients(wiki, {n.user for n in due})
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
    marked = posted_ids((), wiki.texts(set(targets.values())).values())
    langs = _translations(wiki, {n.lang for n in now if n.lang})
    posts = tuple(Post(n, targets[n.id], n.lang if n.lang in langs else None)
                  for n in now if n.id not in marked)
    return NotifyPlan(posts, tuple(problems), waiting)


def write(wiki: Wiki, plan: NotifyPlan) -> tuple[int, list[Problem]]:
    """Post the planned notices; returns the exit code and notices skipped on the way."""
    template = wiki.settings.pages.notice_template
    problems: list[Problem] = []
    posted = 0
    for post in plan.posts:
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
        posted += 1
    info(f'notify: {posted} notices posted, {len(plan.problems) + len(problems)} skipped, '
         f'{plan.waiting} waiting for the next run (notify.max_per_run)')
    return 0, problems


def gather_recipients(wiki: Wiki, users: Iterable[str]) -> dict[str, Recipient]:
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
    optout_text = wiki.text(settings.pages.optout)
    optout = parse_user_links(optout_text or '', wiki.user_namespace_names())
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
