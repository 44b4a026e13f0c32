"""Read every request on the wiki and apply the trust rules: the input of every task.

:func:`read_snapshot` gathers data in bulk through :class:`~leadership_bot.wiki.site.Wiki`: the
request pages, their whole histories (all pages walked back together, a batch of
parent revisions per request, each revision parsed once and cached by revision id),
the moves among them and the reviewers page's history. The pure parts that decide are
:func:`leadership_bot.core.trust.judge` and :mod:`leadership_bot.core.requests`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadership_bot.core.model import (
    Probe,
    Problem,
    ProblemCode,
    RequestPage,
    Revision,
    Snapshot,
    TextRevision,
)
from leadership_bot.core.parsing import Vocabulary, parse_request
from leadership_bot.core.requests import Syntax, check_requests, revision_values
from leadership_bot.core.trust import ReviewerList, judge, moved_away, reviewer_list

if TYPE_CHECKING:
    from leadership_bot.wiki.site import Wiki

EPOCH = dt.datetime(2001, 1, 15, tzinfo=dt.UTC)  # a revision without a time (never seen)
# History walks go back one revision of every page per round (many pages per request);
# after DEEP_ROUNDS, when at most DEEP_PAGES histories are left, each is read on its own.
DEEP_ROUNDS = 3
DEEP_PAGES = 10


def read_reviewers(wiki: Wiki) -> tuple[ReviewerList, list[Problem]]:
    """Who was a reviewer when (the reviewers page's history, plus admins), and warnings
    when that page is missing or not protected, or the notice template not protected."""
    title = wiki.settings.pages.reviewers
    history = wiki.history(title)
    protected = wiki.edit_protected(title)
    problems: list[Problem] = []
    if not history:
        problems.append(Problem(title, ProblemCode.REVIEWERS_UNPROTECTED,
                                'The reviewers page does not exist; only admins count as '
                                'reviewers. Create it and ask an admin to protect it.'))
    elif not protected:
        problems.append(Problem(title, ProblemCode.REVIEWERS_UNPROTECTED,
                                'The reviewers page is not edit-protected: anyone could add '
                                'themself, so only names an admin added count as reviewers. '
                                'Ask an admin to protect it (edit=sysop).'))
    template = wiki.settings.pages.notice_template
    if not wiki.edit_protected(template):
        problems.append(Problem(template, ProblemCode.NOTICE_TEMPLATE_UNTRUSTED,
                                'The notice template is not edit-protected: notices wait '
                                'whenever someone other than an admin or reviewer edits it. '
                                'Ask an admin to protect it and its translations (edit=sysop).'))
    reviewers = reviewer_list(history, wiki.user_namespace_names(), protected=protected,
                              admins=wiki.admins())
    return reviewers, problems


def request_pages(wiki: Wiki, probe: Probe) -> list[RequestPage]:
    """Every request page the probe listed: unchanged ones from the cache, the rest read."""
    cached = wiki.cache.pages(probe.pages) if wiki.cache else {}
    changed = [t for t, (_, revid) in probe.pages.items()
               if t not in cached or cached[t].revid != revid]
    fresh = {page.title: page for page in wiki.read_pages(changed)}
    return [fresh.get(t) or cached[t] for t in sorted(probe.pages) if t in fresh or t in cached]


def read_histories(wiki: Wiki, pages: Sequence[RequestPage], syntax: Syntax,
                   ) -> dict[str, list[Revision]]:
    """Every revision of every request page, oldest first, ready for the trust rules.

    All histories are walked back together: each round asks for the parents of the
    oldest revision known of every page, many per API request; cached revisions
    (parsed once, keyed by revision id) are not asked again; the last few long
    histories are read page by page, 50 revisions per request. A parent that cannot be
    read (deleted) ends a history where it is.
    """
    def summary(raw: TextRevision) -> Revision:
        return Revision(revid=raw.revid, parentid=raw.parentid, user=raw.user,
                        timestamp=raw.timestamp, sha1=raw.sha1,
                        values=revision_values(raw.text, raw.readable, syntax))

    cached = wiki.cache.revisions(p.revid for p in pages) if wiki.cache else {}
    fresh: dict[int, Revision] = {}
    chains: dict[str, list[Revision]] = {}  # newest first while walking
    for page in pages:
        if page.revid not in cached:
            text = None if page.redirect or page.content_model != 'wikitext' else page.text
            fresh[page.revid] = summary(TextRevision(
                revid=page.revid, parentid=page.parentid, user=page.user,
                timestamp=page.timestamp or EPOCH, text=text, sha1=page.sha1))
        chains[page.title] = [cached.get(page.revid) or fresh[page.revid]]
    wanted = {t: chain[0].parentid for t, chain in chains.items() if chain[0].parentid}
    rounds = 0
    while wanted:
        rounds += 1
        if rounds > DEEP_ROUNDS and len(wanted) <= DEEP_PAGES:
            # A few long histories left: the rest of each, many revisions per request.
            for title, revid in wanted.items():
                while revid and wiki.cache and (hit := wiki.cache.revisions([revid])):
                    chains[title].append(hit[revid])  # what earlier runs read
                    revid = hit[revid].parentid
                for raw in wiki.revisions_from(title, revid) if revid else ():
                    chains[title].append(fresh.setdefault(raw.revid, summary(raw)))
            break
        known = wiki.cache.revisions(wanted.values()) if wiki.cache else {}
        missing = [r for r in wanted.values() if r not in known]
        fetched = {revid: summary(raw) for revid, raw in wiki.revisions(missing).items()} \
            if missing else {}
        fresh.update(fetched)
        found = known | fetched
        next_wanted: dict[str, int] = {}
        for title, revid in wanted.items():
            revision = found.get(revid)
            if revision is not None:
                chains[title].append(revision)
                if revision.parentid:
                    next_wanted[title] = revision.parentid
        wanted = next_wanted
    # A fresh null revision (its parent's text) is a move, a protection or an import.
    ids = {page.title: page.page_id for page in pages}
    candidates = [(ids[title], child) for title, chain in chains.items()
                  for child, parent in zip(chain, chain[1:], strict=False)
                  if child.revid in fresh and child.sha1 and child.sha1 == parent.sha1]
    sources = wiki.move_sources(
        (page_id, TextRevision(revid=r.revid, user=r.user, timestamp=r.timestamp, text=None))
        for page_id, r in candidates) if candidates else {}
    for revid, source in sources.items():
        fresh[revid] = dataclasses.replace(fresh[revid], moved_from=source)
    if wiki.cache:
        wiki.cache.store_revisions(fresh.values())
    prefix = wiki.settings.pages.request_prefix
    return {title: [dataclasses.replace(fresh.get(r.revid, r),
                                        moved=_moved_in(fresh.get(r.revid, r).moved_from, prefix))
                    for r in reversed(chain)]
            for title, chain in chains.items()}


def _moved_in(source: str, prefix: str) -> bool:
    """Whether a move from ``source`` brought the page in from outside the request pages."""
    if not source:
        return False
    return not prefix or not source.startswith(prefix)


def known_name(wiki: Wiki) -> str:
    """The bot's data page with the ids of the pages that held a request in force (one
    per request prefix, or template when there is none, so configs stay apart)."""
    pages = wiki.settings.pages
    return f'requests/{pages.request_prefix.rstrip("/") or pages.request_template}'


def stray_pages(wiki: Wiki, probe: Probe) -> list[RequestPage]:
    """Pages that held a request in force at the last run and are no longer listed, but
    still exist: moved out of the request pages, or (without a prefix) no longer using
    the template. Read again, so a move or an edit by someone not entitled to it does not
    make a request disappear."""
    data = wiki.read_own(known_name(wiki))
    known = {int(i) for i in data.get('pages', ()) if isinstance(i, int)} \
        if isinstance(data, dict) else set()
    gone = known - {page_id for page_id, _ in probe.pages.values()}
    titles = wiki.titles_of(gone) if gone else {}
    return list(wiki.read_pages(titles.values())) if titles else []


def remember_requests(wiki: Wiki, snapshot: Snapshot) -> None:
    """Save which pages hold a request in force, for :func:`stray_pages` next time."""
    wiki.save_own(known_name(wiki), {'schema': 1, 'pages': sorted(snapshot.page_ids)},
                  f'leadership-bot: {len(snapshot.page_ids)} request pages')


def read_snapshot(wiki: Wiki, probe: Probe) -> Snapshot:
    """Read, parse and judge every request page (the shared first step of all tasks)."""
    settings = wiki.settings
    vocabulary = Vocabulary(types=frozenset(settings.vocabulary.types),
                            regions=frozenset(settings.vocabulary.regions),
                            areas=frozenset(settings.vocabulary.areas),
                            languages=frozenset(wiki.language_names()))
    syntax = Syntax(settings.pages.request_template, tuple(wiki.redirect_words()),
                    frozenset(wiki.extension_tags()))
    pages = request_pages(wiki, probe)
    listed = {page.title for page in pages}
    strays = [page for page in stray_pages(wiki, probe) if page.title not in listed]
    reviewers, problems = read_reviewers(wiki)
    histories = read_histories(wiki, pages + strays, syntax)
    if wiki.cache:
        wiki.cache.store_pages(pages, keep=probe.pages)
    verdicts = {page.title: judge(page.title, histories[page.title], reviewers)
                for page in pages + strays}
    prefix = settings.pages.request_prefix
    for page in strays:
        moved = moved_away(page.title, histories[page.title], verdicts[page.title], reviewers) \
            if prefix and not page.title.startswith(prefix) else None
        if moved is None and prefix:  # moved away by someone entitled: no request any more
            del verdicts[page.title]
            continue
        if moved is not None:
            problems.append(moved)
        pages.append(page)
    for page in pages:
        if not page.redirect and page.content_model == 'wikitext':
            _, found = parse_request(page, syntax.template, vocabulary,
                                     syntax.redirect_words, extension_tags=syntax.extension_tags)
            problems.extend(found)
    names = {v.requester for v in verdicts.values() if v.requester} | reviewers.listed()
    user_ids = wiki.user_ids(names)
    renames = wiki.renames(names - set(user_ids) - wiki.admins()) \
        if names - set(user_ids) else {}
    if renames:  # judged again with the names as they are now
        renamed_reviewers = reviewers.listed() & set(renames)
        reviewers = reviewers.renamed(renames)
        for page in pages:
            if renamed_reviewers or verdicts[page.title].requester in renames:
                verdicts[page.title] = judge(page.title, histories[page.title], reviewers,
                                             renames)
        user_ids |= wiki.user_ids(v.requester for v in verdicts.values() if v.requester)
    requesters = {v.requester for v in verdicts.values()}
    user_ids = {name: uid for name, uid in user_ids.items() if name in requesters}
    checked, check_problems = check_requests(pages, verdicts, user_ids, vocabulary)
    return Snapshot(requests=tuple(checked), problems=tuple(problems + check_problems),
                    pages_read=len(pages), user_ids=user_ids, reviewers=reviewers.now,
                    page_ids=frozenset(c.request.page_id for c in checked))
