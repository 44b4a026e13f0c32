"""The trust rules the wiki alone cannot enforce, over plain revision data.

* Consent: a request counts only if the named user has edited its page.
* Authorized decisions: ``under-review``, ``approved``, ``declined`` and ``completed``
  count only when the revision that set the current value was made by a reviewer;
  ``withdrawn`` may also be set by the requester. Otherwise the last authorized
  status counts.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

import mwparserfromhell

from bots.model import DEFAULT_STATUS, REVIEWER_STATUSES, Attribution, Problem, Request, Revision
from bots.normalize import normalize_username


def check_consent(request: Request, contributors: Collection[str]) -> Problem | None:
    """``unverified-requester`` unless the named user has edited the request page."""
    if request.user in contributors:
        return None
    return Problem(request.page, 'unverified-requester',
                   f'{request.user} has not edited this page, so the request does not count '
                   'yet. The person named in user= must save an edit to the page themself '
                   '(for example, sign or confirm on it).', request.user)


def may_set(status: str, user: str, requester: str, reviewers: Collection[str]) -> bool:
    """Whether ``user`` may set ``status`` on a request by ``requester``."""
    if status in REVIEWER_STATUSES:
        return user in reviewers
    if status == 'withdrawn':
        return user == requester or user in reviewers
    return True


def attribute_status(history: Sequence[Revision], requester: str, reviewers: Collection[str],
                     *, complete: bool = False) -> Attribution | None:
    """Find the status that counts from a page's newest revisions (newest first).

    Walks back to the most recent revision that changed the status and was allowed
    to. Returns ``None`` when ``history`` stops before that revision is reached: the
    caller then fetches the parent of the oldest revision given and asks again.
    ``complete`` says the oldest revision given is the oldest there is.
    """
    if not history:
        raise ValueError('history must hold at least the current revision')
    current = history[0].status
    first_change: Revision | None = None  # the revision that set the current value
    for index, revision in enumerate(history):
        oldest = revision.parentid == 0 or (complete and index == len(history) - 1)
        if oldest:
            changed = True
        elif index + 1 < len(history):
            changed = history[index + 1].status != revision.status
        else:
            return None
        if not changed:
            continue
        if first_change is None:
            first_change = revision
        if may_set(revision.status, revision.user, requester, reviewers):
            return Attribution(current=current, effective=revision.status,
                               set_by=first_change.user, set_at=first_change.timestamp,
                               decided_at=revision.timestamp)
        if oldest:
            break
    return Attribution(current=current, effective=DEFAULT_STATUS,
                       set_by=first_change.user if first_change else None,
                       set_at=first_change.timestamp if first_change else None,
                       decided_at=None)


def needs_history(status: str) -> bool:
    """Only a status other than the default can have been set without authority."""
    return status != DEFAULT_STATUS


def unauthorized_problem(request: Request, attribution: Attribution) -> Problem:
    """The report row for a status set by someone not allowed to set it."""
    when = f' on {attribution.set_at:%Y-%m-%d}' if attribution.set_at else ''
    return Problem(request.page, 'unauthorized-status',
                   f'status "{attribution.current}" was set by {attribution.set_by}{when}, '
                   f'who is not a reviewer; it counts as "{attribution.effective}" until a '
                   'reviewer sets it.', request.user)


_USER_TEMPLATES = {'user', 'u', 'user0', 'userlinks', 'ul', 'noping', 'ping'}


def parse_user_links(text: str, user_namespaces: Iterable[str]) -> frozenset[str]:
    """User names linked from a page, e.g. the reviewers or opt-out page.

    Links are ``[[User:X]]`` (in any alias of the User namespace) or ``{{user|X}}``.
    """
    prefixes = {ns.lower().replace('_', ' ') for ns in user_namespaces}
    names: set[str] = set()
    code = mwparserfromhell.parse(text)
    for link in code.filter_wikilinks():
        namespace, _, rest = str(link.title).strip().lstrip(':').partition(':')
        if rest and namespace.strip().lower().replace('_', ' ') in prefixes:
            name = normalize_username(re.split(r'[/#]', rest, maxsplit=1)[0])
            if name:
                names.add(name)
    for template in code.filter_templates():
        if str(template.name).strip().lower() in _USER_TEMPLATES and template.has('1'):
            name = normalize_username(str(template.get('1').value))
            if name:
                names.add(name)
    return frozenset(names)
