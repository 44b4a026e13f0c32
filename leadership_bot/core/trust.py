"""The trust rules the wiki alone cannot enforce, over plain revision data. Pure.

Anyone can edit a request page, so a value counts only when the latest revision that
changed it was made by someone entitled to change it (the README's trust model):

* ``user`` and every other field of a draft (a request its requester has not yet
  confirmed) may be changed by anyone. Once the named user has saved a revision in
  which the request names them (*consent*), the requester or a reviewer may change
  the requester; anyone else's change is reported (``requester-changed``). The
  consenting save takes over every value the requester may set.
* ``status``: ``under-review``, ``approved``, ``declined``, ``completed`` and any
  change back to ``submitted`` only by a reviewer (not on their own request:
  ``self-decision``); ``withdrawn`` also by the requester.
* After a decision (``approved``, ``declined``, ``completed``) what it covers
  (:data:`FROZEN_FIELDS`) and the decision fields change only by a reviewer.
* Everything else (consent and profile fields): the requester or a reviewer.

A change by anyone else is reported and the last entitled value stays in force; a
revert to it is no change. Values are compared as the bot reads them (case, spaces and
``_`` alike), so re-formatting is no change. Revisions whose text cannot be read (hidden
by revision deletion, several templates) are skipped: the next readable revision's
changes count only if every author since the last readable one was entitled. A
reviewer is judged by the reviewers page as it was at the time of the edit.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping, Sequence

import mwparserfromhell
from mwparserfromhell.nodes import Node

from leadership_bot.core.model import (
    DEFAULT_STATUS,
    FIELDS,
    REVIEWER_STATUSES,
    STATUSES,
    Problem,
    ProblemCode,
    Revision,
    TextRevision,
)
from leadership_bot.core.normalize import normalize_code, normalize_username

# What a decision covers: changed afterwards only by a reviewer.
FROZEN_FIELDS = frozenset({'user', 'type', 'program', 'amount', 'currency', 'start', 'end'})
DECISION_FIELDS = frozenset({'status', 'reviewer', 'decision_date'})
DECISIONS = frozenset({'approved', 'declined', 'completed'})
_CODES = frozenset({'type', 'region', 'directory', 'mentor', 'notices', 'lang', 'languages',
                    'areas', 'currency'})
_SHOWN = 60


def value_key(field: str, value: str | None) -> str:
    """A value as the bot compares it: two values with the same key mean the same."""
    if field == 'status':
        code = normalize_code(value or '')
        return code if code in STATUSES else DEFAULT_STATUS
    if value is None:
        return ''
    if field in ('user', 'reviewer'):
        return normalize_username(value) or ' '.join(value.split())
    if field in _CODES:
        return normalize_code(value)
    return ' '.join(value.split())


@dataclasses.dataclass(frozen=True)
class ReviewerList:
    """Who counted as a reviewer when: the reviewers page's history as plain data.

    Keyed by revision ids, which MediaWiki hands out in order across all pages: "the
    reviewers page as it was when this edit was made" is exact even within one second.
    """

    revids: tuple[int, ...]  # revisions of the reviewers page, oldest first
    names: tuple[frozenset[str], ...]  # who counts from that revision on
    admins: frozenset[str] = frozenset()

    def at(self, revid: int) -> frozenset[str]:
        """Reviewers (and admins) when revision ``revid`` (of any page) was made."""
        index = bisect.bisect_left(self.revids, revid) - 1
        return (self.names[index] if index >= 0 else frozenset()) | self.admins

    def renamed(self, renames: Mapping[str, str]) -> ReviewerList:
        """The same list with renamed reviewers under their names now."""
        return dataclasses.replace(self, names=tuple(
            frozenset(renames.get(n, n) for n in names) for names in self.names))

    def listed(self) -> frozenset[str]:
        """Every name the page ever counted (to look for renames among them)."""
        return frozenset().union(*self.names)

    @property
    def now(self) -> frozenset[str]:
        """Reviewers (and admins) as the page lists them now."""
        return (self.names[-1] if self.names else frozenset()) | self.admins


def reviewer_list(history: Sequence[TextRevision], user_namespaces: Iterable[str], *,
                  protected: bool, admins: Collection[str]) -> ReviewerList:
    """Read the reviewers page's revisions (oldest first) into a :class:`ReviewerList`.

    A name counts while the page lists it (struck names do not). When the page is not
    edit-protected, only names an admin added count: anyone could add themself.
    Removing a name ends its time as a reviewer, not the decisions made before.
    """
    namespaces = list(user_namespaces)
    admins = frozenset(admins)
    revids: list[int] = []
    names: list[frozenset[str]] = []
    added_by: dict[str, str] = {}
    previous: frozenset[str] = frozenset()
    for revision in history:
        if revision.text is None:  # hidden by revision deletion: the list stays as it was
            continue
        listed = parse_user_links(revision.text, namespaces)
        for name in listed - previous:
            added_by[name] = revision.user
        revids.append(revision.revid)
        names.append(frozenset(n for n in listed if protected or added_by[n] in admins))
        previous = listed
    return ReviewerList(tuple(revids), tuple(names), admins)


def opted_out(history: Sequence[TextRevision], user_namespaces: Iterable[str],
              admins: Collection[str]) -> frozenset[str]:
    """Who is on the opt-out page (its revisions, oldest first).

    Anyone may add a name (the safe side: no notice), but a name leaves the list only
    when its user or an admin saves the page without it: a vandal who deletes a line
    does not bring back notices someone asked not to get. Hidden revisions are skipped.
    """
    namespaces = list(user_namespaces)
    listed: set[str] = set()
    for revision in history:
        if revision.text is None:
            continue
        names = parse_user_links(revision.text, namespaces)
        listed |= names
        # A save without the name by its user (or an admin) takes it off.
        listed -= {n for n in listed - names if revision.user in (n, *admins)}
    return frozenset(listed)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What counts on one request page after the trust rules."""

    values: Mapping[str, str]  # the values in force (raw, as last set by someone entitled)
    consented: bool  # the requester in force has saved a revision that names them
    decided_at: dt.datetime | None  # when the status in force was set
    problems: tuple[Problem, ...]
    requester: str = ''  # the requester in force, by their name now ('' when none)

    @property
    def status(self) -> str:
        """The status in force."""
        return value_key('status', self.values.get('status'))


@dataclasses.dataclass
class _Refusal:
    code: ProblemCode
    authors: tuple[str, ...]
    when: dt.datetime


class _Walk:
    """The state of one page's history walk, oldest revision first."""

    def __init__(self, reviewers: ReviewerList, renames: Mapping[str, str]) -> None:
        self.reviewers = reviewers
        self.renames = renames
        self.effective: dict[str, str] = {}
        self.shown: dict[str, str] = {}
        self.refused: dict[str, _Refusal] = {}
        self.consented = False
        self.decided_at: dt.datetime | None = None

    def key(self, field: str, value: str | None) -> str:
        """:func:`value_key`, with user names as they are now (after renames)."""
        key = value_key(field, value)
        if field in ('user', 'reviewer'):
            for _ in range(len(self.renames)):  # a chain of renames, never a loop
                if key not in self.renames:
                    break
                key = self.renames[key]
        return key

    @property
    def requester(self) -> str:
        return self.key('user', self.effective.get('user'))

    def refusal(self, field: str, new: str | None, author: str,
                revision: Revision) -> ProblemCode | None:
        """Why ``author`` may not change ``field`` to ``new`` in ``revision`` (a code),
        or ``None``."""
        reviewers = self.reviewers.at(revision.revid)
        requester = self.requester
        author = self.key('user', author) if author else ''  # by the name it has now
        is_requester = bool(author) and author == requester
        is_reviewer = bool(author) and author in reviewers and not is_requester
        status = self.key('status', self.effective.get('status'))
        draft = not self.consented and status not in DECISIONS
        if field == 'status':
            target = self.key('status', new)
            if target in REVIEWER_STATUSES or (target == DEFAULT_STATUS
                                               and status != DEFAULT_STATUS):
                if is_requester and author in reviewers:
                    return ProblemCode.SELF_DECISION
                return None if is_reviewer else ProblemCode.UNAUTHORIZED_STATUS
            if target == 'withdrawn':
                return None if is_requester or is_reviewer else ProblemCode.UNAUTHORIZED_STATUS
            return None
        if field == 'user':
            return None if draft or is_requester or is_reviewer else ProblemCode.REQUESTER_CHANGED
        if status in DECISIONS and (field in FROZEN_FIELDS or field in DECISION_FIELDS):
            return None if is_reviewer else ProblemCode.UNAUTHORIZED_CHANGE
        return None if draft or is_requester or is_reviewer else ProblemCode.UNAUTHORIZED_CHANGE

    def apply(self, field: str, new: str | None, authors: Sequence[str],
              revision: Revision) -> None:
        """A change of ``field`` to ``new`` by ``authors``: in force or refused."""
        if self.key(field, new) == self.key(field, self.effective.get(field)):
            self.refused.pop(field, None)  # back to what is in force: no change at all
            return
        codes = [c for c in (self.refusal(field, new, a, revision) for a in authors) if c]
        if codes:
            self.refused[field] = _Refusal(codes[0], tuple(authors), revision.timestamp)
            return
        self.refused.pop(field, None)
        if field == 'status':
            self.decided_at = revision.timestamp if self.key('status', new) != DEFAULT_STATUS \
                else None
        if field == 'user':
            self.consented = False  # a new requester confirms for themself
        if new is None:
            self.effective.pop(field, None)
        else:
            self.effective[field] = new

    def step(self, revision: Revision, authors: Sequence[str]) -> None:
        """Take in one readable revision (``authors``: it and the unreadable ones before)."""
        values = dict(revision.values or {})
        if revision.moved:  # moved in from elsewhere: a new page as far as trust goes
            self.effective, self.shown, self.refused = {}, {}, {}
            self.consented, self.decided_at = False, None
        changed = [f for f in FIELDS
                   if self.key(f, values.get(f)) != self.key(f, self.shown.get(f))]
        self.shown = values
        if 'user' in changed:
            self.apply('user', values.get('user'), authors, revision)
        if not self.consented and revision.user \
                and self.key('user', revision.user) == self.requester \
                and self.key('user', values.get('user')) == self.requester:
            self.consented = True
            # The requester's save takes over every value on the page they may set.
            for field in FIELDS:
                if field not in changed and self.refusal(
                        field, values.get(field), revision.user, revision) is None:
                    self.apply(field, values.get(field), (revision.user,), revision)
        for field in changed:
            if field != 'user':
                self.apply(field, values.get(field), authors, revision)
        for field in list(self.refused):  # a revert to the value in force is no problem
            if self.key(field, self.shown.get(field)) == self.key(
                    field, self.effective.get(field)):
                del self.refused[field]


def judge(page: str, history: Sequence[Revision], reviewers: ReviewerList,
          renames: Mapping[str, str] | None = None) -> Verdict:
    """Apply the trust rules to a page's history (oldest revision first).

    ``renames`` maps old user names to new ones: MediaWiki shows a renamed user's old
    edits under the new name, while the page text still has the old one.
    """
    walk = _Walk(reviewers, renames or {})
    skipped: list[str] = []
    for revision in history:
        if revision.values is None:
            skipped.append(revision.user)
            continue
        walk.step(revision, tuple(dict.fromkeys([*skipped, revision.user])))
        skipped = []
    return Verdict(values=dict(walk.effective), consented=walk.consented,
                   decided_at=walk.decided_at, problems=tuple(_problems(page, walk)),
                   requester=walk.requester)


def moved_away(page: str, history: Sequence[Revision], verdict: Verdict,
               reviewers: ReviewerList) -> Problem | None:
    """Whether a request page moved out of the request pages still counts.

    A request stays where its requester filed it: only the requester or a reviewer may
    move it away (then it is no request any more: ``None``). Anyone else's move is
    reported and the request still counts, read at its new title.
    """
    move = next((r for r in reversed(history) if r.moved_from), None)
    if move is None or (move.user and (
            move.user == verdict.requester
            or (move.user in reviewers.at(move.revid) and move.user != verdict.requester))):
        return None  # no move found (the config changed): not a request page any more
    return Problem(page, ProblemCode.UNAUTHORIZED_CHANGE,
                   f'The request was moved out of the request pages (from {move.moved_from}) '
                   f'by {move.user or "(hidden user)"} on {move.timestamp:%Y-%m-%d}; it still '
                   'counts here. Only the requester or a reviewer may move it away: move it '
                   'back.', verdict.requester or None)


_RANK = (ProblemCode.REQUESTER_CHANGED, ProblemCode.SELF_DECISION,
         ProblemCode.UNAUTHORIZED_STATUS, ProblemCode.UNAUTHORIZED_CHANGE)


def _problems(page: str, walk: _Walk) -> list[Problem]:
    """One report row per edit whose refused changes are still on the page.

    An edit that, say, approves and names itself as reviewer is one row, under the code
    of its most serious change (:data:`_RANK`), listing the others.
    """
    groups: dict[tuple[tuple[str, ...], dt.datetime], dict[str, ProblemCode]] = {}
    for field in FIELDS:
        refusal = walk.refused.get(field)
        if refusal is not None:
            groups.setdefault((refusal.authors, refusal.when), {})[field] = refusal.code
    requester = walk.requester or None
    if groups and not walk.shown:  # the whole request was removed: one row says so
        authors, when = next(iter(groups))
        return [Problem(page, ProblemCode.UNAUTHORIZED_CHANGE,
                        f'The request was removed from the page by {_who(authors)} on '
                        f'{when:%Y-%m-%d}; it stays in force as it was. Only the requester or '
                        'a reviewer may change it (to withdraw it, set status = withdrawn).',
                        requester)]
    problems = []
    for (authors, when), codes in groups.items():
        code = min(codes.values(), key=_RANK.index)
        who, date = _who(authors), f'{when:%Y-%m-%d}'
        others = [f for f, c in codes.items() if c == 'unauthorized-change']
        if code == 'requester-changed':
            message = (f'user= was changed to "{_excerpt(walk.shown.get("user"))}" by {who} '
                       f'on {date}; the request stays {requester}\'s: once the requester has '
                       'confirmed a request, only they or a reviewer may change user=.')
        elif code in ('unauthorized-status', 'self-decision'):
            shown = value_key('status', walk.shown.get('status'))
            effective = value_key('status', walk.effective.get('status'))
            why = ('a reviewer does not decide their own request; another reviewer must'
                   if code == 'self-decision' else 'who is not a reviewer; a reviewer must')
            message = (f'status "{shown}" was set by {who} on {date}, {why} set it. '
                       f'Until then it counts as "{effective}".')
        else:
            decided = value_key('status', walk.effective.get('status')) in DECISIONS
            frozen = decided and all(f in FROZEN_FIELDS | DECISION_FIELDS for f in others)
            why = ('a decision covers the request as it stood, so only a reviewer may change '
                   'these now' if frozen else
                   f'only the requester ({requester}) or a reviewer may change them')
            message = (f'{", ".join(others)} changed by {who} on {date} and not taken into '
                       f'account: {why}. The values they last set stay in force.')
            others = []
        if others:
            message += f' Not taken into account either: {", ".join(others)}.'
        problems.append(Problem(page, code, message, requester))
    return problems


def _who(authors: Iterable[str]) -> str:
    return ', '.join(a or '(hidden user)' for a in authors)


def _excerpt(value: str | None) -> str:
    flat = ' '.join((value or '').split())
    return flat if len(flat) <= _SHOWN else flat[:_SHOWN - 1] + '…'


_USER_TEMPLATES = {'user', 'u', 'user0', 'userlinks', 'ul', 'noping', 'ping'}
_STRUCK = {'s', 'strike', 'del'}


def parse_user_links(text: str, user_namespaces: Iterable[str]) -> frozenset[str]:
    """User names linked from a page, e.g. the reviewers or opt-out page.

    Links are ``[[User:X]]`` (in any alias of the User namespace) or ``{{user|X}}``;
    a struck name (``<s>``, ``<del>``, ``<strike>``) is not listed.
    """
    prefixes = {ns.lower().replace('_', ' ') for ns in user_namespaces}
    names: set[str] = set()
    code = mwparserfromhell.parse(text)

    def struck(node: Node) -> bool:
        return any(str(getattr(a, 'tag', '')).strip().lower() in _STRUCK
                   for a in code.get_ancestors(node))

    for link in code.filter_wikilinks():
        namespace, _, rest = str(link.title).strip().lstrip(':').partition(':')
        if rest and namespace.strip().lower().replace('_', ' ') in prefixes \
                and not struck(link):
            name = normalize_username(re.split(r'[/#]', rest, maxsplit=1)[0])
            if name:
                names.add(name)
    for template in code.filter_templates():
        if str(template.name).strip().lower() in _USER_TEMPLATES and template.has('1') \
                and not struck(template):
            name = normalize_username(str(template.get('1').value))
            if name:
                names.add(name)
    return frozenset(names)
