"""Which notices to post in a run, planned from plain facts. Pure.

The ``notify`` task gathers the facts in bulk (:class:`NotifyFacts`: the ledger, the
bot's contributions, the opt-out page, the recipients, the talk pages to post on, the
translations and the pages the notice text comes from) and :func:`plan_notices` decides.
The facts are gathered in stages, each only when the one before leaves something to
post, and each stage reads only what the plan so far needs: :func:`pending` (nothing
more is read when no notice is due and unposted), :func:`selected` (the talk pages whose
markers count are those of the notices that survive the skip rules and fit in the run)
and :func:`planned_posts` (the posts whose text is vetted).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from leadership_bot.core.model import Problem, ProblemCode
from leadership_bot.core.notices import (
    Notice,
    OptOutPage,
    Recipient,
    RecipientFacts,
    TemplatePage,
    known_posted,
    ledger_ids,
    recipient,
    skip_reason,
    skipped_problem,
    template_problem,
    who_opted_out,
)


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
class TemplateFacts:
    """Which pages each post's text would be substituted from, and those pages."""

    uses: tuple[frozenset[str], ...]  # per post, in order: the templates and modules read
    pages: Mapping[str, TemplatePage]  # every page in ``uses``, as it is now
    state: Mapping[str, tuple[int, bool]]  # the same pages' (revision, admin-protected)


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


@dataclasses.dataclass(frozen=True)
class NotifyFacts:
    """Everything a run's notice plan rests on, as plain data.

    A stage not gathered (because the one before left nothing to post) stays at its
    default; :func:`plan_notices` never needs it then.
    """

    due: tuple[Notice, ...]  # every notice due (core.notices.due_notices), oldest first
    user_ids: Mapping[str, int] = dataclasses.field(default_factory=dict)  # name -> id
    ledger_page: object = None  # the data on the bot's ledger page (None: none)
    summaries: tuple[str, ...] = ()  # the edit summaries of the bot's contributions
    optout: OptOutPage | None = None
    recipients: Mapping[str, RecipientFacts] = dataclasses.field(default_factory=dict)
    trusted: frozenset[str] = frozenset()  # admins, reviewers and the bot
    bot: str = ''  # the bot's user name
    talk_texts: Mapping[str, str] = dataclasses.field(default_factory=dict)  # for markers
    translations: frozenset[str] = frozenset()  # languages with a notice template subpage
    templates: TemplateFacts | None = None  # for the posts of :func:`planned_posts`


@dataclasses.dataclass(frozen=True)
class Selection:
    """The due notices after the skip rules and the run's limit."""

    now: tuple[Notice, ...]  # to post in this run (unless a marker says posted)
    targets: Mapping[str, str]  # notice id -> talk page to post on, for ``now``
    waiting: int  # beyond notify.max_per_run
    problems: tuple[Problem, ...]  # skipped notices (or why nobody is told)


def pending(facts: NotifyFacts) -> list[Notice]:
    """The due notices the recipient allows and the ledger and the bot's contributions
    do not know as posted. ``notices = no`` is the volunteer's own choice, not a problem
    for the report."""
    known = _known(facts)
    return [n for n in facts.due if n.allowed and n.id not in known]


def _known(facts: NotifyFacts) -> set[str]:
    return known_posted(ledger_ids(facts.ledger_page), facts.summaries, (), facts.user_ids)


def recipients(facts: NotifyFacts) -> dict[str, Recipient] | None:
    """Each user's :class:`Recipient`; ``None`` when who opted out cannot be read."""
    if facts.optout is None:
        raise ValueError('the opt-out page was not read')
    opted_out = who_opted_out(facts.optout, [u for u, r in facts.recipients.items()
                                             if r.in_optout_category])
    if opted_out is None:
        return None
    return {user: recipient(r, opted_out, facts.trusted, facts.bot)
            for user, r in facts.recipients.items()}


def selected(facts: NotifyFacts, limit: int) -> Selection:
    """The pending notices that survive the skip rules (:func:`skip_reason`), the first
    ``limit`` of them to post now."""
    due = pending(facts)
    found = recipients(facts)
    if found is None:  # the opt-out page is a redirect: nobody is told
        page = facts.optout.title if facts.optout else ''
        return Selection((), {}, len(due), (Problem(page, ProblemCode.NOTICE_SKIPPED, (
            f'The opt-out page is a redirect, so who opted out cannot be read; {len(due)} '
            'notices wait until it is a list of users again.')),))
    problems: list[Problem] = []
    ready: list[Notice] = []
    for notice in due:
        reason = skip_reason(notice, found[notice.user])
        if reason:
            problems.append(skipped_problem(notice, reason))
        else:
            ready.append(notice)
    now = tuple(ready[:limit])
    return Selection(now, {n.id: found[n.user].target or '' for n in now},
                     len(ready[limit:]), tuple(problems))


def planned_posts(facts: NotifyFacts, limit: int) -> list[Post]:
    """The posts to make before their text is vetted: the selected notices no marker on
    their talk page knows (a section may be on the wiki although its edit is not in the
    bot's contributions: a hidden summary, an imported or renamed account), each in its
    language when the notice template has that translation."""
    chosen = selected(facts, limit)
    texts = [facts.talk_texts[t] for t in sorted(set(chosen.targets.values()))
             if t in facts.talk_texts]
    known = _known(facts) | known_posted((), (), texts, facts.user_ids)
    return [Post(n, chosen.targets[n.id], n.lang if n.lang in facts.translations else None)
            for n in chosen.now if n.id not in known]


def untrusted(pages: Mapping[str, TemplatePage], trusted: Collection[str]) -> set[str]:
    """The pages nobody trusted vouches for (:func:`template_problem`)."""
    return {t for t, page in pages.items() if template_problem(page, trusted, 0)}


def vet(posts: Sequence[Post], facts: TemplateFacts, trusted: frozenset[str]) -> tuple[
        list[Post], list[Post], list[Problem], TemplateCheck]:
    """Split posts into those whose text comes only from trusted pages and those held:
    the posts to make, the posts held, one ``notice-template-untrusted`` problem per
    untrusted page (with how many notices it holds), and what was vetted."""
    if len(facts.uses) != len(posts):
        raise ValueError(f'{len(posts)} posts, template uses of {len(facts.uses)}')
    bad = untrusted(facts.pages, trusted)
    ready: list[Post] = []
    held: list[Post] = []
    uses: Counter[str] = Counter()
    for post, mine in zip(posts, facts.uses, strict=True):
        if mine & bad:
            held.append(post)
            uses.update(mine & bad)
        else:
            ready.append(post)
    problems = [p for t in sorted(uses)
                if (p := template_problem(facts.pages[t], trusted, uses[t]))]
    return ready, held, problems, TemplateCheck(dict(facts.state), trusted)


def plan_notices(facts: NotifyFacts, limit: int) -> NotifyPlan:
    """Which notices to post now (at most ``limit``, notify.max_per_run), which are
    skipped and why, how many wait, and every id known posted."""
    ledger = frozenset(ledger_ids(facts.ledger_page))
    known = _known(facts)
    if not pending(facts):
        return NotifyPlan((), (), 0, known=frozenset(known), ledger=ledger)
    chosen = selected(facts, limit)
    if facts.optout is not None and facts.optout.redirect:
        return NotifyPlan((), chosen.problems, chosen.waiting, known=frozenset(known),
                          ledger=ledger)
    texts = [facts.talk_texts[t] for t in sorted(set(chosen.targets.values()))
             if t in facts.talk_texts]
    known |= known_posted((), (), texts, facts.user_ids)
    posts = planned_posts(facts, limit)
    templates = facts.templates if posts and facts.templates else TemplateFacts((), {}, {})
    ready, held, problems, check = vet(posts, templates, facts.trusted)
    return NotifyPlan(tuple(ready), chosen.problems + tuple(problems),
                      chosen.waiting + len(held), len(held), frozenset(known), ledger, check)
