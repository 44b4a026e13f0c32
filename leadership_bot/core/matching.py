"""Mentorship matching: who mentors whom. Pure (numpy and scipy for the optimisation).

Mentees are verified requesters whose ``type=mentorship`` request is approved (by a
reviewer) and not yet completed or withdrawn; mentors are listed organizers offering
``mentor=yes``, each taking up to ``network.mentor_capacity`` mentees, never themself.
A pair needs a shared language. Among the pairings that match the most mentees, the
bot picks the one with the best total score, by the one table :data:`WEIGHTS` (used by
:func:`pair_score` and by the solver alike): same region counts 2, each shared
partnership area 1 (up to 3), each shared language beyond the first 1 (up to 2). Pairs
made in earlier runs (kept in the bot's own data page, not read from the matches page)
stay while both sides still qualify; only new or orphaned mentees are matched again.

The optimisation is an assignment problem solved exactly by
``scipy.optimize.linear_sum_assignment`` on a mentees × places cost matrix (each mentor
one column per free place), the shared codes counted with bit masks (:class:`_Codes`):
2,000 mentees and 500 mentors with 3 places each take under a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from leadership_bot.core.directory import Organizer, sort_key
from leadership_bot.core.model import Checked
from leadership_bot.core.rendering import plain, table, user_link

BLOCK = 'matches'
_PAIR_ROW = re.compile(r'^\| \[\[User:([^|\]]+)\|[^\]]*\]\] \|\| \[\[User:([^|\]]+)\|[^\]]*\]\]'
                       r' \|\|.*\|\| (\d{4}-\d{2}-\d{2})\s*$')


@dataclasses.dataclass(frozen=True)
class Person:
    """What matching needs to know about a mentee or a mentor."""

    user: str
    languages: tuple[str, ...]
    region: str
    areas: tuple[str, ...]


@dataclasses.dataclass(frozen=True, order=True)
class Pair:
    """A mentorship pair and the day it was made."""

    mentee: str
    mentor: str
    since: dt.date


@dataclasses.dataclass(frozen=True)
class Unmatched:
    """A mentee without a mentor, and why."""

    mentee: Person
    reason: str


@dataclasses.dataclass(frozen=True)
class Matching:
    """The outcome of one matching run."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    mentees: Mapping[str, Person]
    mentors: Mapping[str, Person]


# The matching score, one row per thing a pair can share: (weight, cap on the count).
WEIGHTS: Mapping[str, tuple[int, int]] = {
    'region': (2, 1),  # the same region (a count of 0 or 1)
    'areas': (1, 3),  # shared partnership areas, up to 3
    'languages': (1, 2),  # shared languages beyond the first (the one a pair needs), up to 2
}
MAX_SCORE = sum(weight * cap for weight, cap in WEIGHTS.values())


def score(same_region: Any, shared_areas: Any, shared_languages: Any) -> Any:
    """The score by :data:`WEIGHTS` from what a pair shares: plain counts give a number,
    numpy arrays of counts (one per pair) an array."""
    counts = {'region': same_region, 'areas': shared_areas,
              'languages': np.maximum(np.asarray(shared_languages, dtype=np.int64) - 1, 0)}
    return sum(weight * np.minimum(np.asarray(counts[part], dtype=np.int64), cap)
               for part, (weight, cap) in WEIGHTS.items())


def pair_score(a: Person, b: Person) -> int:
    """How good a pair (or peers) is, given a shared language: :func:`score`."""
    return int(score(a.region == b.region, len(set(a.areas) & set(b.areas)),
                     len(set(a.languages) & set(b.languages))))


def find_mentees(requests: Iterable[Checked]) -> dict[str, Person]:
    """Mentees from approved mentorship requests; the newest request of each user."""
    chosen: dict[str, Checked] = {}
    for checked in requests:
        request = checked.request
        if checked.verified and request.type == 'mentorship' and checked.status == 'approved':
            current = chosen.get(request.user)
            if current is None or request.page_id > current.request.page_id:
                chosen[request.user] = checked
    return {user: Person(user, c.request.languages, c.request.region, c.request.areas)
            for user, c in chosen.items()}


def as_person(organizer: Organizer) -> Person:
    """An organizer as matching sees them."""
    return Person(organizer.user, organizer.languages, organizer.region, organizer.areas)


def find_mentors(organizers: Iterable[Organizer]) -> dict[str, Person]:
    """Listed organizers who offer to mentor."""
    return {o.user: as_person(o) for o in organizers if o.mentor}


def read_pairs(body: str | None) -> list[Pair]:
    """Pairs from a matches region as the bot wrote it.

    Only for the bot's own revision of the page (the first run after an upgrade, before
    its data page holds the pairs, see :mod:`leadership_bot.core.state`): the page as anyone may
    have
    edited it is never read for pairs.
    """
    pairs = []
    for line in (body or '').splitlines():
        match = _PAIR_ROW.match(line)
        if match:
            pairs.append(Pair(match.group(1), match.group(2),
                              dt.date.fromisoformat(match.group(3))))
    return pairs


def match(mentees: Mapping[str, Person], mentors: Mapping[str, Person], capacity: int,
          previous: Iterable[Pair], today: dt.date) -> Matching:
    """Keep still-valid earlier pairs, then match the other mentees optimally."""
    load: dict[str, int] = defaultdict(int)
    kept: list[Pair] = []
    for pair in sorted(previous, key=lambda p: (p.since, sort_key(p.mentee))):
        mentee, mentor = mentees.get(pair.mentee), mentors.get(pair.mentor)
        if (mentee and mentor and mentee.user != mentor.user
                and set(mentee.languages) & set(mentor.languages)
                and load[mentor.user] < capacity
                and pair.mentee not in {p.mentee for p in kept}):
            kept.append(pair)
            load[mentor.user] += 1
    taken = {p.mentee for p in kept}
    open_mentees = sorted((m for u, m in mentees.items() if u not in taken),
                          key=lambda m: sort_key(m.user))
    spare = {u: capacity - load[u] for u in sorted(mentors, key=sort_key)
             if capacity - load[u] > 0}
    new_pairs = _optimal(open_mentees, [mentors[u] for u in spare], spare, today)
    paired = taken | {p.mentee for p in new_pairs}
    unmatched = tuple(Unmatched(m, _reason(m, mentors)) for m in open_mentees
                      if m.user not in paired)
    return Matching(tuple(sorted(kept + new_pairs, key=lambda p: sort_key(p.mentee))),
                    unmatched, dict(mentees), dict(mentors))


def _reason(mentee: Person, mentors: Mapping[str, Person]) -> str:
    if not mentee.languages:
        return 'the request names no languages'
    if any(set(mentee.languages) & set(m.languages) for m in mentors.values()
           if m.user != mentee.user):
        return 'every mentor who shares a language is at capacity'
    return 'no mentor shares a language'


def _optimal(mentees: Sequence[Person], mentors: Sequence[Person], spare: Mapping[str, int],
             today: dt.date) -> list[Pair]:
    """A maximum matching of best total score: an assignment problem.

    Each mentor is one column per free place. A possible pair costs ``-(big + score)``
    and an impossible one 0; ``big`` is more than the best total score of any matching
    (:func:`_big`), so the optimum first matches as many mentees as possible, then
    maximises the total score (``scipy.optimize.linear_sum_assignment``).
    """
    slots = [m for m in mentors for _ in range(spare[m.user])]
    if not mentees or not slots:
        return []
    codes = _Codes(mentees, slots)
    shared_languages = codes.shared(mentees, slots, 'languages')
    possible = shared_languages > 0
    possible &= (np.array([m.user for m in mentees])[:, None]
                 != np.array([m.user for m in slots])[None, :])
    region = (np.array([m.region for m in mentees])[:, None]
              == np.array([m.region for m in slots])[None, :])
    scores = score(region, codes.shared(mentees, slots, 'areas'), shared_languages)
    cost = np.where(possible, -(_big(min(len(mentees), len(slots))) + scores), 0)
    rows, cols = linear_sum_assignment(cost)
    return [Pair(mentees[r].user, slots[c].user, today)
            for r, c in zip(rows, cols, strict=True) if possible[r, c]]


_BIG = 100  # what older versions always used; kept as the least, so small runs solve as before


def _big(pairs: int) -> int:
    """The bonus of each possible pair: more than the total score of ``pairs`` pairs, so
    one more matched mentee beats any gain in quality."""
    return max(_BIG, MAX_SCORE * pairs + 1)


class _Codes:
    """Sets of codes as bit masks (one 63-bit word per 63 codes), to count overlaps fast."""

    def __init__(self, *groups: Sequence[Person]) -> None:
        values = sorted({v for g in groups for p in g for v in (*p.languages, *p.areas)})
        self.bit = {v: i for i, v in enumerate(values)}
        self.words = max(1, -(-len(values) // 63))

    def masks(self, people: Sequence[Person], field: str) -> np.ndarray:
        """An (people × words) array of masks."""
        masks = np.zeros((len(people), self.words), dtype=np.int64)
        for row, person in enumerate(people):
            for value in set(getattr(person, field)):
                word, bit = divmod(self.bit[value], 63)
                masks[row, word] |= 1 << bit
        return masks

    def shared(self, a: Sequence[Person], b: Sequence[Person], field: str) -> np.ndarray:
        """How many codes of ``field`` each pair shares (an a × b array)."""
        left, right = self.masks(a, field), self.masks(b, field)
        count = np.zeros((len(a), len(b)), dtype=np.int64)
        for word in range(self.words):
            count += np.bitwise_count(left[:, word, None] & right[None, :, word])
        return count


def render_matches(matching: Matching, language_names: Mapping[str, str]) -> str:
    """The matches block: pairs, then mentees still waiting and why."""
    def names(codes: Iterable[str]) -> str:
        return ', '.join(plain(language_names.get(c, c)) for c in codes)
    rows = []
    for pair in matching.pairs:
        mentee, mentor = matching.mentees[pair.mentee], matching.mentors[pair.mentor]
        shared = [c for c in mentee.languages if c in mentor.languages]
        areas = [a for a in mentee.areas if a in mentor.areas]
        rows.append((user_link(pair.mentee), user_link(pair.mentor), names(shared),
                     plain(', '.join(a.replace('-', ' ') for a in areas)),
                     pair.since.isoformat()))
    parts = [f"'''{len(matching.pairs)}''' mentorship pairs, '''{len(matching.unmatched)}''' "
             'mentees waiting for a mentor. Pairs stay as long as both still qualify.',
             '== Pairs ==',
             table(('Mentee', 'Mentor', 'Shared languages', 'Shared areas', 'Matched on'),
                   rows) if rows else 'No pairs yet.']
    if matching.unmatched:
        parts += ['== Waiting for a mentor ==', table(
            ('Mentee', 'Languages', 'Region', 'Why no mentor yet'),
            ((user_link(u.mentee.user), names(u.mentee.languages), plain(u.mentee.region),
              plain(u.reason)) for u in sorted(matching.unmatched,
                                               key=lambda u: sort_key(u.mentee.user))))]
    return '\n\n'.join(parts)
