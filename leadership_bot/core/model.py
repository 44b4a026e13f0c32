"""Plain records shared by the pure core and the wiki layer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal

# Field names are the template's parameter names (and its TemplateData's).
REQUIRED_FIELDS = ('user', 'type', 'program', 'region')
OPTIONAL_FIELDS = (
    'program_url', 'start', 'end', 'location', 'amount', 'currency', 'languages',
    'areas', 'skills', 'goals', 'directory', 'mentor', 'notices', 'lang', 'status',
    'reviewer', 'decision_date', 'report')
FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS

STATUSES = ('submitted', 'under-review', 'approved', 'declined', 'withdrawn', 'completed')
DEFAULT_STATUS = 'submitted'
# Values that only a reviewer may set (the trust rules); ``withdrawn`` may also be
# set by the requester, ``submitted`` by anyone.
REVIEWER_STATUSES = frozenset({'under-review', 'approved', 'declined', 'completed'})



class ProblemCode(enum.StrEnum):
    """What a report row is about; the value is the code the report and the docs show."""

    MISSING_FIELD = 'missing-field'
    INVALID_VALUE = 'invalid-value'
    UNKNOWN_USER = 'unknown-user'
    UNVERIFIED_REQUESTER = 'unverified-requester'
    UNAUTHORIZED_STATUS = 'unauthorized-status'
    MULTIPLE_REQUESTS = 'multiple-requests'
    DATE_ORDER = 'date-order'
    NOTICE_SKIPPED = 'notice-skipped'
    REVIEWERS_UNPROTECTED = 'reviewers-unprotected'
    REQUESTER_CHANGED = 'requester-changed'
    UNAUTHORIZED_CHANGE = 'unauthorized-change'
    SELF_DECISION = 'self-decision'
    NOTICE_TEMPLATE_UNTRUSTED = 'notice-template-untrusted'
    DIRECTORY_NOT_SAVED = 'directory-not-saved'
    MATCHES_NOT_SAVED = 'matches-not-saved'
    PAGE_NOT_SAVED = 'page-not-saved'


class SaveOutcome(enum.Enum):
    """What became of one save of a page."""

    SAVED = 'saved'
    NO_CHANGE = 'unchanged'  # the page already says that: no edit
    SIMULATED = 'simulated'  # -simulate: it would have been saved
    CONFLICTED = 'conflicted'  # others kept editing it; not saved, reported
    REFUSED = 'refused'  # broken markers, a redirect, too big, protected, a filter: reported


@dataclasses.dataclass(frozen=True)
class Request:
    """One valid ``{{Leadership request}}``, as its page says now."""

    page: str
    page_id: int
    revid: int
    user: str
    type: str
    program: str
    region: str
    program_url: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    location: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    languages: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    skills: str | None = None
    goals: str | None = None
    directory: bool | None = None
    mentor: bool | None = None
    notices: bool = True
    lang: str | None = None
    status: str = DEFAULT_STATUS
    reviewer: str | None = None
    decision_date: dt.date | None = None
    report: str | None = None
    updated: dt.datetime | None = None  # time of the page's current revision


@dataclasses.dataclass(frozen=True, order=True)
class Problem:
    """One row of the report page: something a human should look at."""

    page: str
    code: ProblemCode
    message: str
    user: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, 'code', ProblemCode(self.code))  # an unknown code fails


@dataclasses.dataclass(frozen=True)
class Revision:
    """One revision of a request page, reduced to what the trust rules need."""

    revid: int
    parentid: int
    user: str  # '' when revision deletion hides it
    timestamp: dt.datetime
    # The request's fields as this revision holds them (read leniently); ``{}`` when it
    # holds no request, ``None`` when it cannot be read (text hidden, several templates).
    values: Mapping[str, str] | None
    moved: bool = False  # made by moving the page here from outside the request pages
    sha1: str = ''
    moved_from: str = ''  # the title a move brought the page from ('' for an edit)


@dataclasses.dataclass(frozen=True)
class TextRevision:
    """One revision of a page as the wiki layer read it, e.g. of the reviewers page."""

    revid: int
    user: str  # '' when revision deletion hides it
    timestamp: dt.datetime
    text: str | None  # None when hidden or not wikitext
    parentid: int = 0
    sha1: str = ''  # the text's hash: a revision with its parent's is a null revision
    readable: bool = True  # False when revision deletion hides the text


@dataclasses.dataclass(frozen=True)
class RequestPage:
    """What the wiki layer read about one request page, before any rule is applied."""

    title: str
    page_id: int
    revid: int
    text: str
    timestamp: dt.datetime | None = None
    parentid: int = 0
    user: str = ''  # author of the current revision
    redirect: bool = False
    content_model: str = 'wikitext'
    sha1: str = ''


@dataclasses.dataclass(frozen=True)
class Checked:
    """A request after the trust rules: the status that counts and whether it is consented."""

    request: Request
    status: str
    verified: bool
    decided_at: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything one run learned about the requests on the wiki."""

    requests: tuple[Checked, ...]
    problems: tuple[Problem, ...]
    pages_read: int
    user_ids: Mapping[str, int] = dataclasses.field(default_factory=dict)  # name -> user id
    reviewers: frozenset[str] = frozenset()  # reviewers and admins as of now
    page_ids: frozenset[int] = frozenset()  # pages holding a request in force


@dataclasses.dataclass(frozen=True)
class Probe:
    """What a run sees first: enough to tell whether anything changed since the last."""

    pages: dict[str, tuple[int, int]]  # request page title -> (page id, latest revision id)
    ledger_head: int  # the bot's newest user-talk edit
    admins: frozenset[str]
    config: dict[str, int]  # watched page title -> latest revision id (0: missing)
    protection: dict[str, str]  # watched page title -> edit protection level

    def signature(self, settings_key: str) -> dict[str, object]:
        """Everything a finished run depended on; equal signatures mean nothing changed."""
        return {'settings': settings_key, 'ledger': self.ledger_head,
                'admins': sorted(self.admins), 'config': self.config,
                'protection': self.protection,
                'pages': {t: list(v) for t, v in sorted(self.pages.items())}}
