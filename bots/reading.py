"""Read every request on the wiki and apply the trust rules: the input of every task.

:func:`read_snapshot` gathers data in bulk through :class:`~bots.wiki.Wiki`;
:func:`check_requests` is the pure part that decides.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from bots.model import (
    Attribution,
    Checked,
    Probe,
    Problem,
    Request,
    RequestPage,
    Revision,
    Snapshot,
)
from bots.parsing import Vocabulary, parse_requests
from bots.trust import (
    attribute_status,
    check_consent,
    needs_history,
    parse_user_links,
    unauthorized_problem,
)

if TYPE_CHECKING:
    from bots.wiki import Wiki


def check_requests(requests: Collection[Request], contributors: Mapping[str, Collection[str]],
                   existing_users: Collection[str], attributions: Mapping[str, Attribution],
                   ) -> tuple[list[Checked], list[Problem]]:
    """Apply consent, user existence and decision attribution to parsed requests."""
    checked: list[Checked] = []
    problems: list[Problem] = []
    for request in requests:
        if request.user not in existing_users:
            problems.append(Problem(request.page, 'unknown-user',
                                    f'There is no user named {request.user} on this wiki; '
                                    'check the spelling of user=.', request.user))
            continue
        consent = check_consent(request, contributors.get(request.page, ()))
        if consent:
            problems.append(consent)
        attribution = attributions.get(request.page)
        status, decided_at = request.status, None
        if attribution is not None:
            status, decided_at = attribution.effective, attribution.decided_at
            if not attribution.authorized:
                problems.append(unauthorized_problem(request, attribution))
        checked.append(Checked(request, status=status, verified=consent is None,
                               decided_at=decided_at))
    return checked, problems


def read_reviewers(wiki: Wiki) -> tuple[frozenset[str], list[Problem]]:
    """Reviewers (listed on the reviewers page, plus admins) and a warning if unsafe."""
    title = wiki.settings.pages.reviewers
    text = wiki.text(title)
    problems: list[Problem] = []
    if text is None:
        problems.append(Problem(title, 'reviewers-unprotected',
                                'The reviewers page does not exist; only admins count as '
                                'reviewers. Create it and ask an admin to protect it.'))
        listed: frozenset[str] = frozenset()
    else:
        listed = parse_user_links(text, wiki.user_namespace_names())
        if not wiki.edit_protected(title):
            problems.append(Problem(title, 'reviewers-unprotected',
                                    'The reviewers page is not edit-protected: anyone could '
                                    'add themself as a reviewer and approve requests. Ask an '
                                    'admin to protect it (edit=sysop).'))
    return listed | wiki.admins(), problems


def attribute_all(wiki: Wiki, requests: Collection[Request], reviewers: Collection[str],
                  ) -> tuple[dict[str, Attribution], dict[str, set[str]]]:
    """Decision attribution for every request whose status needs it.

    Walks all histories back together, one batch of parent revisions per round
    (``revids``, many per API request), never one history request per page. A result
    is cached for the page's revision and the reviewer list it was computed with.
    """
    key = hashlib.sha256('\n'.join(sorted(reviewers)).encode()).hexdigest()
    attributions: dict[str, Attribution] = {}
    pending: dict[str, Request] = {}
    for request in requests:
        if not needs_history(request.status):
            continue
        cached = wiki.cache.attribution(request.page, request.revid, key) if wiki.cache \
            else None
        if cached:
            attributions[request.page] = cached
        else:
            pending[request.page] = request
    histories: dict[str, list[Revision]] = {}
    authors: dict[str, set[str]] = {}
    wanted = {r.page: r.revid for r in pending.values()}
    while wanted:
        fetched = wiki.revisions(wanted.values())
        next_wanted: dict[str, int] = {}
        for page, revid in wanted.items():
            history = histories.setdefault(page, [])
            revision = fetched.get(revid)
            if revision is not None:
                history.append(revision)
                authors.setdefault(page, set()).add(revision.user)
            elif not history:
                continue  # the current revision itself is unreadable
            # A missing (deleted or hidden) parent ends the history where it is.
            result = attribute_status(history, pending[page].user, reviewers,
                                      complete=revision is None)
            if result is None:
                next_wanted[page] = history[-1].parentid
            else:
                attributions[page] = result
                if wiki.cache:
                    wiki.cache.store_attribution(page, pending[page].revid, key, result)
        wanted = next_wanted
    return attributions, authors


def request_pages(wiki: Wiki, probe: Probe) -> list[RequestPage]:
    """Every request page the probe listed: unchanged ones from the cache, the rest read."""
    cached = wiki.cache.pages(probe.pages) if wiki.cache else {}
    changed = [t for t, (_, revid) in probe.pages.items()
               if t not in cached or cached[t].revid != revid]
    fresh = {page.title: page for page in wiki.read_pages(changed)}
    return [fresh.get(t) or cached[t] for t in sorted(probe.pages) if t in fresh or t in cached]


def consent_evidence(wiki: Wiki, pages: Collection[RequestPage], requests: Collection[Request],
                     authors: Mapping[str, set[str]]) -> list[RequestPage]:
    """Pages whose editors include the requester, as far as the consent rule needs.

    What is known already (the latest revision's author, the revisions the attribution
    walk read, the cache) usually shows the requester edited; only for the other pages
    is the full list of contributors read.
    """
    known = {p.title: set(p.contributors) | authors.get(p.title, set()) for p in pages}
    unsure = [r.page for r in requests if r.user not in known.get(r.page, set())]
    for title, editors in wiki.contributors(unsure).items() if unsure else ():
        known.setdefault(title, set()).update(editors)
    return [dataclasses.replace(p, contributors=frozenset(known[p.title])) for p in pages]


def read_snapshot(wiki: Wiki, probe: Probe) -> Snapshot:
    """Read, parse and check every request page (the shared first step of all tasks)."""
    settings = wiki.settings
    vocabulary = Vocabulary(types=frozenset(settings.vocabulary.types),
                            regions=frozenset(settings.vocabulary.regions),
                            areas=frozenset(settings.vocabulary.areas),
                            languages=frozenset(wiki.language_names()))
    pages = request_pages(wiki, probe)
    requests, problems = parse_requests(pages, settings.pages.request_template, vocabulary)
    reviewers, reviewer_problems = read_reviewers(wiki)
    existing = wiki.existing_users(r.user for r in requests)
    known = [r for r in requests if r.user in existing]
    attributions, authors = attribute_all(wiki, known, reviewers)
    pages = consent_evidence(wiki, pages, known, authors)
    if wiki.cache:
        wiki.cache.store_pages(pages, keep=probe.pages)
    contributors = {page.title: page.contributors for page in pages}
    checked, check_problems = check_requests(requests, contributors, existing, attributions)
    return Snapshot(requests=tuple(checked),
                    problems=tuple(reviewer_problems + problems + check_problems),
                    pages_read=len(pages))

