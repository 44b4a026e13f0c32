"""Request page wikitext -> typed :class:`~bots.model.Request` records and problems.

Pure: mwparserfromhell only. Values are read the way MediaWiki reads them (the last
of repeated parameters wins, HTML comments are invisible) and validated against the
config's vocabularies and the wiki's language codes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal

import mwparserfromhell
import pycountry
from mwparserfromhell.nodes import Comment, Template
from mwparserfromhell.parser import ParserError
from mwparserfromhell.wikicode import Wikicode

from bots.model import (
    DEFAULT_STATUS,
    FIELDS,
    REQUIRED_FIELDS,
    STATUSES,
    Problem,
    Request,
    RequestPage,
)
from bots.normalize import normalize_code, normalize_language, normalize_username, split_list

# Alternative parameter names the template and its TemplateData accept.
ALIASES: dict[str, str] = {'username': 'user'}

_ISO_DATE = re.compile(r'\d{4}-\d{2}-\d{2}', re.ASCII)
_URL = re.compile(r'https?://[^\s<>\[\]{}|"]+', re.IGNORECASE)
_AMOUNT = re.compile(r'\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?', re.IGNORECASE | re.ASCII)
_SHOWN = 60  # longest excerpt of a bad value quoted in a message


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """What validation accepts; ``languages`` empty means any code is accepted."""

    types: frozenset[str]
    regions: frozenset[str]
    areas: frozenset[str]
    languages: frozenset[str] = frozenset()


def template_key(name: str) -> str:
    """Normalize a template name or title for comparison (``Template:`` optional)."""
    name = ' '.join(name.replace('_', ' ').split())
    if name[:9].lower() == 'template:':
        name = name[9:].lstrip()
    return name[:1].upper() + name[1:]


def find_templates(code: Wikicode, template_title: str) -> list[Template]:
    """All transclusions of the request template in the page, nested ones included."""
    key = template_key(template_title)
    return [t for t in code.filter_templates(recursive=True)
            if template_key(str(t.name).strip()) == key]


def _value(template: Template, name: str) -> str | None:
    """A parameter's value as MediaWiki sees it: comments dropped, stripped."""
    names = [name] + [alias for alias, canonical in ALIASES.items() if canonical == name]
    present = [n for n in names if template.has(n)]
    if not present:
        return None
    # Of repeated parameters MediaWiki reads only the last; mwparserfromhell's get() agrees.
    param = template.get(present[-1])
    text = ''.join(str(node) for node in param.value.nodes if not isinstance(node, Comment))
    # A value of only invisible characters (bidi marks, zero-width spaces) is empty.
    visible = ''.join(c for c in text if unicodedata.category(c) != 'Cf')
    return text.strip() if visible.strip() else None


def _mentions(text: str, name: str) -> bool:
    """Whether the text seems to try to use the template (spaces and _ alike)."""
    def flat(value: str) -> str:
        return ' '.join(value.replace('_', ' ').split()).lower()
    return flat(name) in flat(text)


def read_status(text: str, template_title: str) -> str:
    """The normalized status of one revision's text (for the trust rules)."""
    templates = find_templates(mwparserfromhell.parse(text), template_title)
    if len(templates) != 1:
        return DEFAULT_STATUS
    status = normalize_code(_value(templates[0], 'status') or '')
    return status if status in STATUSES else DEFAULT_STATUS


def parse_request(page: RequestPage, template_title: str,
                  vocabulary: Vocabulary) -> tuple[Request | None, list[Problem]]:
    """Parse and validate the request on one page.

    Returns the request (``None`` when the page holds no usable request) and the
    problems found. Invalid optional values are dropped and reported; a missing or
    invalid required value, or several request templates, makes the page unusable.
    """
    name = template_key(template_title)
    try:
        templates = find_templates(mwparserfromhell.parse(page.text), template_title)
    except (ParserError, RecursionError) as exc:  # pathological nesting
        return None, [Problem(page.title, 'missing-field',
                              f'The page could not be read as wikitext ({exc.__class__.__name__});'
                              f' simplify the {{{{{name}}}}} template on it.')]
    if not templates:
        if _mentions(page.text, name):
            return None, [Problem(page.title, 'missing-field',
                                  f'The page has no readable {{{{{name}}}}} template '
                                  '(is it closed with }}?).')]
        return None, []  # not a request: e.g. a report subpage under the prefix
    if len(templates) > 1:
        users = {_value(t, 'user') for t in templates}
        user = normalize_username(users.pop() or '') if len(users) == 1 else None
        return None, [Problem(
            page.title, 'multiple-requests',
            f'The page has {len(templates)} request templates; keep one request per page '
            '(move the others to pages of their own). None of them counts until then.', user)]
    return _Validator(page, templates[0], vocabulary).run()


class _Validator:
    """Validates one template's parameters, collecting problems as it goes."""

    def __init__(self, page: RequestPage, template: Template, vocabulary: Vocabulary) -> None:
        self.page = page
        self.template = template
        self.vocabulary = vocabulary
        self.problems: list[Problem] = []
        self.user: str | None = None

    def problem(self, code: str, message: str) -> None:
        self.problems.append(Problem(self.page.title, code, message, self.user))

    def invalid(self, field: str, raw: str, why: str) -> None:
        self.problem('invalid-value', f'{field}: "{_excerpt(raw)}" is not valid; {why}')

    def run(self) -> tuple[Request | None, list[Problem]]:
        values = {name: _value(self.template, name) for name in FIELDS}
        self._check_unknown_parameters()
        raw_user = values['user']
        if raw_user is not None:
            self.user = normalize_username(raw_user)
            if self.user is None:
                self.invalid('user', raw_user, 'give the user name without "User:" or links.')
        for field in REQUIRED_FIELDS:
            if values[field] is None:
                self.problem('missing-field', f'{field} is required but empty or missing.')
        fields: dict[str, object] = {
            'type': self._enum('type', values['type'], self.vocabulary.types),
            'region': self._enum('region', values['region'], self.vocabulary.regions),
            'program': values['program'],
            'program_url': self._url('program_url', values['program_url']),
            'start': self._date('start', values['start']),
            'end': self._date('end', values['end']),
            'location': values['location'],
            'amount': self._amount(values['amount']),
            'currency': self._currency(values['currency']),
            'languages': self._languages('languages', values['languages']),
            'areas': self._codes('areas', values['areas'], self.vocabulary.areas),
            'skills': values['skills'],
            'goals': values['goals'],
            'directory': self._yes_no('directory', values['directory'], None),
            'mentor': self._yes_no('mentor', values['mentor'], None),
            'notices': self._yes_no('notices', values['notices'], True),
            'lang': self._language('lang', values['lang']),
            'status': self._enum('status', values['status'], frozenset(STATUSES))
            or DEFAULT_STATUS,
            'reviewer': self._username('reviewer', values['reviewer']),
            'decision_date': self._date('decision_date', values['decision_date']),
            'report': values['report'],
        }
        if fields['amount'] is not None and values['currency'] is None:
            self.problem('missing-field', 'currency is required when amount is given '
                                          '(an ISO 4217 code such as USD or EUR).')
        start, end = fields['start'], fields['end']
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.problem('date-order', f'end ({end}) is before start ({start}).')
        required_ok = self.user is not None and all(
            fields[f] is not None for f in REQUIRED_FIELDS if f != 'user')
        if not required_ok:
            return None, self.problems
        request = Request(page=self.page.title, page_id=self.page.page_id,
                          revid=self.page.revid, updated=self.page.timestamp,
                          user=self.user, **fields)  # type: ignore[arg-type]
        return request, self.problems

    def _check_unknown_parameters(self) -> None:
        known = set(FIELDS) | set(ALIASES)
        for param in self.template.params:
            name = str(param.name).strip()
            if name not in known:
                self.problem('invalid-value',
                             f'unknown parameter "{_excerpt(name)}" is ignored (check the '
                             'spelling; the template documentation lists the parameters).')

    def _enum(self, field: str, raw: str | None, allowed: frozenset[str]) -> str | None:
        if raw is None:
            return None
        code = normalize_code(raw)
        if code in allowed:
            return code
        self.invalid(field, raw, f'use one of: {", ".join(sorted(allowed))}.')
        return None

    def _codes(self, field: str, raw: str | None, allowed: frozenset[str]) -> tuple[str, ...]:
        return self._items(field, raw, normalize_code, allowed,
                           f'use codes from: {", ".join(sorted(allowed))}')

    def _languages(self, field: str, raw: str | None) -> tuple[str, ...]:
        return self._items(field, raw, normalize_language, self.vocabulary.languages,
                           'use language codes such as en, fr, pt-br')

    def _items(self, field: str, raw: str | None, normalize: Callable[[str], str],
               allowed: frozenset[str], hint: str) -> tuple[str, ...]:
        if raw is None:
            return ()
        good: list[str] = []
        for item in split_list(raw):
            code = normalize(item)
            if allowed and code not in allowed:
                self.invalid(field, item, hint + '.')
            elif code not in good:
                good.append(code)
        return tuple(good)

    def _language(self, field: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        code = normalize_language(raw)
        if self.vocabulary.languages and code not in self.vocabulary.languages:
            self.invalid(field, raw, 'use a language code such as en, fr or es.')
            return None
        return code

    def _yes_no(self, field: str, raw: str | None, default: bool | None) -> bool | None:
        if raw is None:
            return default
        code = normalize_code(raw)
        if code in ('yes', 'no'):
            return code == 'yes'
        self.invalid(field, raw, 'use yes or no; until then it counts as no.')
        return False

    def _url(self, field: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        if _URL.fullmatch(raw):
            return raw
        self.invalid(field, raw, 'give a web address starting with http:// or https://.')
        return None

    def _date(self, field: str, raw: str | None) -> dt.date | None:
        if raw is None:
            return None
        if _ISO_DATE.fullmatch(raw):
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                pass
        self.invalid(field, raw, 'write the date as YYYY-MM-DD, e.g. 2026-03-31.')
        return None

    def _amount(self, raw: str | None) -> Decimal | None:
        if raw is None:
            return None
        # A plain number as the template's #expr check reads it: no spaces, no sign but +.
        amount = None
        if _AMOUNT.fullmatch(raw):
            with contextlib.suppress(ArithmeticError):  # an exponent too large for Decimal
                amount = Decimal(raw)
        if amount is None:
            self.invalid('amount', raw, 'give a number of 0 or more such as 1500 or 99.50, '
                                        'without spaces or the currency.')
        return amount

    def _currency(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        code = raw.strip().upper()
        if len(code) == 3 and pycountry.currencies.get(alpha_3=code) is not None:
            return code
        self.invalid('currency', raw, 'use an ISO 4217 code such as USD, EUR or INR.')
        return None

    def _username(self, field: str, raw: str | None) -> str | None:
        if raw is None:
            return None
        name = normalize_username(raw)
        if name is None:
            self.invalid(field, raw, 'give a user name without "User:" or links.')
        return name


def _excerpt(value: str) -> str:
    """A bad value shortened for quoting in a message (rendering escapes it)."""
    flat = ' '.join(value.split())
    return flat if len(flat) <= _SHOWN else flat[:_SHOWN - 1] + '…'


def parse_requests(pages: Iterable[RequestPage], template_title: str,
                   vocabulary: Vocabulary) -> tuple[list[Request], list[Problem]]:
    """Parse many pages; problems of all pages in one list."""
    requests: list[Request] = []
    problems: list[Problem] = []
    for page in pages:
        request, found = parse_request(page, template_title, vocabulary)
        if request is not None:
            requests.append(request)
        problems.extend(found)
    return requests, problems
