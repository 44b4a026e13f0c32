"""``notify``: post due recognition notices, each exactly once, honouring every opt-out.

:func:`prepare` decides which notices to post now: :func:`gather` reads the facts in
bulk (the ledger, the recipients' pages and users, the provenance of the notice text;
the reads are in :mod:`leadership_bot.wiki.notify`) and
:func:`leadership_bot.core.notify_plan.plan_notices` decides, offline. :func:`write`
posts them one by one, synchronously, checking the run page before each, then saves
the bot's ledger page. A crash anywhere is safe: posting comes first, and a post the
ledger page does not list yet is found again in the bot's contributions and on the
talk page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from leadership_bot.core.directory import Organizer
from leadership_bot.core.matching import Pair
from leadership_bot.core.model import Problem, Snapshot
from leadership_bot.core.notices import (
    due_notices,
    heading,
    ledger_data,
    ledger_ids,
    ledger_update,
    marker,
    notice_text,
    skipped_problem,
    summary,
)
from leadership_bot.core.notify_plan import (
    NotifyFacts,
    NotifyPlan,
    Post,
    TemplateCheck,
    pending,
    plan_notices,
    planned_posts,
    selected,
    vet,
)
from leadership_bot.wiki import notify as io
from leadership_bot.wiki.site import Wiki, info, simulating

__all__ = ['NotifyFacts', 'NotifyPlan', 'Post', 'TemplateCheck', 'gather', 'prepare',
           'write']

LEDGER = 'notices'  # the bot's own page User:BOT/leadership-notices.json


def prepare(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
            pairs: Sequence[Pair] = ()) -> NotifyPlan:
    """Decide which notices to post in this run (``organizers``: as listed after it;
    ``pairs``: the mentorship pairs as on the matches page after it)."""
    return plan_notices(gather(wiki, snapshot, organizers, pairs),
                        wiki.settings.notify.max_per_run)


def gather(wiki: Wiki, snapshot: Snapshot, organizers: Sequence[Organizer],
           pairs: Sequence[Pair] = ()) -> NotifyFacts:
    """Every fact the notice plan needs, read in bulk, stage by stage: a stage is read
    only when the plan so far leaves something to post, and only for what it leaves
    (:mod:`leadership_bot.core.notify_plan`)."""
    settings = wiki.settings
    limit = settings.notify.max_per_run
    due = due_notices(snapshot.requests, organizers, {o.user for o in organizers},
                      settings.notify.events, settings.notify.milestones,
                      settings.notify.since, settings.pages.directory, pairs,
                      settings.pages.mentorship, user_ids=snapshot.user_ids)
    # The ledger: the bot's own page, which a deleted talk page cannot take away, and the
    # bot's contributions, which list a post made just before a crash.
    facts = NotifyFacts(due=tuple(due), user_ids=snapshot.user_ids,
                        ledger_page=wiki.read_own(LEDGER),
                        summaries=tuple(wiki.notice_summaries()))
    unposted = pending(facts)
    if not unposted:
        return facts
    optout = io.optout_page(wiki)
    if optout.redirect:  # its list cannot be read: nobody is told
        return dataclasses.replace(facts, optout=optout)
    admins = wiki.admins()
    bot = wiki.site.username() or ''
    trusted = frozenset(snapshot.reviewers) | admins | {bot} - {''}
    facts = dataclasses.replace(
        facts, optout=dataclasses.replace(optout, admins=admins), bot=bot, trusted=trusted,
        recipients=io.recipient_facts(wiki, {n.user for n in unposted}, trusted))
    chosen = selected(facts, limit)
    # A section may be on the wiki although its edit is not in our contributions
    # (a hidden summary, an imported or renamed account): the marker says so.
    facts = dataclasses.replace(
        facts, talk_texts=wiki.texts(set(chosen.targets.values())),
        translations=io.translations(wiki, {n.lang for n in chosen.now if n.lang}))
    return dataclasses.replace(
        facts, templates=io.template_facts(wiki, planned_posts(facts, limit), trusted))


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
                io.template_state(wiki, check.state) != check.state:
            queue, newly_held, more, check = vet_templates(wiki, queue, check.trusted)
            held += len(newly_held)
            problems.extend(more)
            if not queue:
                break
        post = queue.pop(0)
        notice = post.notice
        available = {post.lang} if post.lang else set()
        refused = io.post(wiki, post.target, heading(notice, post.lang, io.plural),
                          notice_text(notice, template, available),
                          summary(notice, post.lang, io.plural), marker(notice.id))
        if refused:
            problems.append(skipped_problem(notice, refused))
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
    if ledger_update(known, plan.ledger) is None:
        return
    if simulating():
        info(f'{wiki.own_page(LEDGER)}: would add {len(known - plan.ledger)} notice ids')
        return
    current = ledger_ids(wiki.read_own(LEDGER))
    if (everything := ledger_update(known, current)) is not None:
        wiki.save_own(LEDGER, ledger_data(everything),
                      f'notice ledger: {len(everything)} notices (+{len(everything - current)})')


def vet_templates(wiki: Wiki, posts: Sequence[Post], trusted: frozenset[str]) -> tuple[
        list[Post], list[Post], list[Problem], TemplateCheck]:
    """Split posts into those whose text comes only from trusted pages and those held
    (:func:`leadership_bot.core.notify_plan.vet`), the pages read now."""
    return vet(posts, io.template_facts(wiki, posts, trusted), trusted)
