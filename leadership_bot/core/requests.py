"""The requests in force: each page's trust verdict applied to what its fields say.

Pure. :func:`revision_values` reads one revision for the trust rules
(:func:`leadership_bot.core.trust.judge`); :func:`check_requests` turns the verdicts into
the checked requests every task works from, with consent and user existence applied.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping

from leadership_bot.core.model import Checked, Problem, ProblemCode, Request, RequestPage
from leadership_bot.core.parsing import EXTENSION_TAGS, FieldRead, Vocabulary, read_fields, validate
from leadership_bot.core.trust import Verdict


@dataclasses.dataclass(frozen=True)
class Syntax:
    """What the wiki's parser needs to know to read a page as that wiki renders it."""

    template: str
    redirect_words: tuple[str, ...] = ('#REDIRECT',)
    extension_tags: frozenset[str] = EXTENSION_TAGS


def revision_values(text: str | None, readable: bool, syntax: Syntax) -> dict[str, str] | None:
    """The request fields a revision holds for the trust rules (see :class:`Revision`)."""
    if not readable:
        return None
    if text is None:
        return {}  # another content model: no template
    read = read_fields(text, syntax.template, syntax.redirect_words,
                       extension_tags=syntax.extension_tags)
    if read.found > 1 or (read.found and read.nested):
        return None  # several templates: which one is meant cannot be told
    return dict(read.values) if read.found == 1 or read.lenient else {}


def effective_request(page: RequestPage, verdict: Verdict, vocabulary: Vocabulary,
                      ) -> Request | None:
    """The request as the values in force make it (``None`` if they do not make one)."""
    if not verdict.values:
        return None
    values = dict(verdict.values)
    if verdict.requester:
        values['user'] = verdict.requester  # the name now, after a rename
    read = FieldRead(values=values, found=1)
    request, _ = validate(page, read, vocabulary)
    return request


def check_requests(pages: Iterable[RequestPage], verdicts: Mapping[str, Verdict],
                   user_ids: Collection[str], vocabulary: Vocabulary,
                   ) -> tuple[list[Checked], list[Problem]]:
    """The requests in force, with consent and user existence applied."""
    checked: list[Checked] = []
    problems: list[Problem] = []
    for page in pages:
        verdict = verdicts[page.title]
        problems.extend(verdict.problems)
        request = effective_request(page, verdict, vocabulary)
        if request is None:
            continue
        if request.user not in user_ids:
            problems.append(Problem(request.page, ProblemCode.UNKNOWN_USER,
                                    f'There is no user named {request.user} on this wiki; '
                                    'check the spelling of user=.', request.user))
            continue
        if not verdict.consented:
            problems.append(Problem(
                request.page, ProblemCode.UNVERIFIED_REQUESTER,
                f'{request.user} has not saved this request themself, so it does not count '
                'yet. The person named in user= must save an edit of the page while it names '
                'them (for example, sign or confirm on it).', request.user))
        checked.append(Checked(request, status=verdict.status, verified=verdict.consented,
                               decided_at=verdict.decided_at))
    return checked, problems
