"""Request page wikitext -> the fields it holds, and typed
:class:`~leadership_bot.core.model.Request` records.

Pure: no wiki access. :func:`read_fields` reads a revision's text the way MediaWiki
renders the page; :func:`validate` checks the values against the config's vocabularies
and the wiki's language codes; :func:`parse_request` does both for a page and reports
what a volunteer should fix.

Reading works on the nodes of :mod:`leadership_bot.core.preprocessor`, a port of MediaWiki's
preprocessor and title rules (its docstring says why not a general wikitext parser):
which names mean our template follow ``Parser::braceSubstitution`` and
``Title::newFromText`` there; which parameter wins follows ``PPTemplateFrame_Hash`` here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

import pycountry

from leadership_bot.core.model import (
    DEFAULT_STATUS,
    FIELDS,
    REQUIRED_FIELDS,
    STATUSES,
    Problem,
    ProblemCode,
    Request,
    RequestPage,
)
from leadership_bot.core.normalize import (
    first_upper,
    normalize_code,
    normalize_language,
    normalize_username,
    split_list,
)
from leadership_bot.core.preprocessor import (  # EXTENSION_TAGS: also for the wiki layer
    EXTENSION_TAGS,
    PHP_TRIM,
    STRIP_MARKER,
    Brace,
    Ext,
    Node,
    Syntax,
    before_fragment,
    compile_syntax,
    invocation_key,
    is_redirect,
    page_key,
    plain_text,
    preprocess,
    source_text,
)

# Alternative parameter names (alias -> field) the template and its TemplateData accept.
# The template reads ``{{{username|{{{user|}}}}}}``: an alias wins whenever it is given,
# even empty.
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


@dataclasses.dataclass(frozen=True)
class FieldRead:
    """The request fields one revision's text holds, read as MediaWiki renders the page."""

    # Field name (leadership_bot.core.model.FIELDS) -> value: comments dropped, stripped; a field
    # that is
    # missing, empty or only invisible characters is absent.
    values: Mapping[str, str]
    found: int  # request templates MediaWiki renders directly on the page (0, 1, 2 …)
    # The values come from a template that is not closed (MediaWiki shows it as text).
    lenient: bool = False
    # Parameter names the template does not know, as written, in order (for the
    # invalid-value problem); a name built by a template or parser function is kept with
    # its braces (``{{lc:USER}}``), see :func:`validate`.
    unknown: tuple[str, ...] = ()
    # A request template also appears inside another template, parser function, template
    # argument or extension tag, or with a name a template builds around the template's
    # name ({{Leadership request{{{|}}}|…}}): whether MediaWiki shows it, the bot cannot tell.
    nested: bool = False


def read_fields(text: str, template_title: str, redirect_words: Iterable[str] = ('#REDIRECT',),
                *, extension_tags: Iterable[str] = EXTENSION_TAGS) -> FieldRead:
    """The request fields of one revision's text, as MediaWiki renders the page.

    - Only a template written directly on the page counts (``found``): not one inside
      ``<!-- -->``, ``<includeonly>`` (closed or not), ``<nowiki>``, ``<pre>`` or another
      extension tag, nor one in another template's parameter or a parser function's
      branch (``nested``: whether MediaWiki shows it cannot be known). ``<noinclude>``
      and ``<onlyinclude>`` are rendered on the page itself.
    - The template's name is read as ``Parser::braceSubstitution`` and
      ``Title::newFromText`` read it: ``Template:`` optional (any case, spaces), first
      letter of any case, spaces and underscores alike, HTML entities decoded, direction
      marks dropped, ``#fragment`` ignored, comments invisible. ``{{:Name}}`` is a page
      of the main namespace, ``{{/Name}}`` a subpage. ``{{msg:…}}``, ``{{raw:…}}`` and
      ``{{safesubst:…}}`` transclude the template; ``{{msgnw:…}}`` shows its source and
      ``{{subst:…}}`` stays text when the page is rendered. (Saving a page replaces
      ``subst:`` and ``safesubst:`` by what the template expands to, so a saved revision
      holds them only where saving does not look, e.g. in ``<includeonly>``.)
    - Parameters as ``PPTemplateFrame_Hash`` reads them: names without comments and with
      surrounding whitespace (PHP's ``trim``) removed; of repeated names the last wins;
      positional parameters are not fields; an alias (:data:`ALIASES`) wins whenever it
      is present, even empty, as the template's ``{{{username|{{{user|}}}}}}``.
    - A redirect (the text starts, after whitespace, with a word of ``redirect_words``,
      the wiki's localized ``#REDIRECT`` aliases, case-insensitive, then an optional
      ``:`` and a link) holds no request.
    - Several templates: ``found`` counts them and the values are the first one's, so
      the result does not depend on anything but the text (the page counts for nothing
      until one remains).
    - No complete template but an unclosed one (MediaWiki shows it as text):
      ``lenient``, the values read as if it were closed, so whoever later repairs it is
      not taken for the author of what was typed into it. See :func:`_read_unclosed`.

    Never raises; ``extension_tags`` are the wiki's (siteinfo ``extensiontags``).
    """
    return _read(text, template_title, tuple(redirect_words), frozenset(extension_tags)).read


@dataclasses.dataclass(frozen=True)
class _Reading:
    """What :func:`read_fields` found, with what :func:`parse_request` needs besides."""

    read: FieldRead
    redirect: bool = False
    users: tuple[str | None, ...] = ()  # ``user`` of every request template, nested too


def _read(text: str, template_title: str, redirect_words: tuple[str, ...],
          extension_tags: frozenset[str]) -> _Reading:
    if is_redirect(text, redirect_words):
        return _Reading(FieldRead({}, 0), redirect=True)
    syntax = compile_syntax(extension_tags)
    key = page_key(template_title)
    if key is None:  # not a valid title: nothing can transclude it
        return _Reading(FieldRead({}, 0))
    name = key.replace('_', ' ')

    @functools.cache
    def ours(title: tuple[Node, ...]) -> bool:
        plain = plain_text(title)
        if plain is None:  # built by a template: known only when a fragment hides that
            plain = before_fragment(title)
        return plain is not None and invocation_key(plain) == key

    def is_ours(title: list[Node]) -> bool:
        return ours(tuple(title))

    root, unclosed = preprocess(text, syntax)
    top, nested = _request_templates(root, is_ours, syntax, name)
    if top:
        values, unknown = _fields(top[0])
        users = (values.get('user'),) + tuple(
            None if brace is None else _fields(brace)[0].get('user')
            for brace in top[1:] + nested)
        return _Reading(FieldRead(values, len(top), unknown=unknown, nested=bool(nested)),
                        users=users)
    users = tuple(None if brace is None else _fields(brace)[0].get('user') for brace in nested)
    start = next((piece.start + piece.count - 2 for piece in unclosed
                  if piece.open == '{' and piece.count >= 2 and is_ours(piece.parts[0].out)),
                 None)
    if start is None:
        return _Reading(FieldRead({}, 0, nested=bool(nested)), users=users)
    values, unknown = _read_unclosed(text[start:], syntax)
    return _Reading(FieldRead(values, 0, lenient=True, unknown=unknown, nested=bool(nested)),
                    users=users)


def _read_unclosed(tail: str, syntax: Syntax) -> tuple[dict[str, str], tuple[str, ...]]:
    """The fields of the unclosed request template that starts ``tail``, read leniently.

    MediaWiki shows such a template as text, so no reading is right; this one guesses
    what the author meant, in the block format the preload and the form write. It reads
    as MediaWiki would with ``}}`` added at the end, except that a line starting with
    ``| field =`` (a known field or alias) always starts a parameter of the request,
    closing whatever a stray ``{{``, ``[[`` or unclosed template in the value before it
    left open; and that the last parameter's value ends with its line (the rest is the
    page's own text), without a ``}`` left from a ``}}`` missing one brace.
    """
    root, unclosed = preprocess(tail, syntax, recover=_RECOVER)
    if root and isinstance(root[0], Brace):  # closed after a recovery
        return _fields(root[0])
    if not unclosed:  # cannot happen: the tail starts with the open template
        return {}, ()
    request = unclosed[0]
    for piece in unclosed[1:]:  # MediaWiki would show these as text, inside the value
        request.parts[-1].out.extend(piece.break_syntax())
    brace = Brace('template', request.parts[0].out, [part.split() for part in request.parts[1:]],
                   tail, 0, len(tail))
    return _fields(brace, open_end=True)


def _fields(brace: Brace, open_end: bool = False) -> tuple[dict[str, str], tuple[str, ...]]:
    """A request template's field values and unknown parameter names (see FieldRead)."""
    params: dict[str, list[Node]] = {}
    unknown: list[str] = []
    index = 0
    for name_nodes, value in brace.parts:
        if name_nodes is None:
            index += 1
            name = str(index)
        else:
            plain = plain_text(name_nodes)
            if plain is None or STRIP_MARKER in plain:
                # Built by a template, argument or parser function, or holding a tag's
                # strip marker: no field name, or one the bot cannot know.
                unknown.append(source_text(name_nodes).strip())
                continue
            name = plain.strip(PHP_TRIM)
        params[name] = value  # of repeated names the last wins
        if name not in _KNOWN:
            unknown.append(name)
    last = brace.parts[-1][1] if open_end and brace.parts else None
    values: dict[str, str] = {}
    for field in FIELDS:
        for alias in _READ_ORDER[field]:
            if alias in params:
                raw = source_text(params[alias])
                if params[alias] is last:
                    raw = raw.lstrip().partition('\n')[0].rstrip().removesuffix('}')
                text = _clean(raw)
                if text is not None:
                    values[field] = text
                break
    return values, tuple(unknown)


def _clean(raw: str) -> str | None:
    """A value stripped; ``None`` when empty or only invisible characters (bidi marks,
    zero-width spaces)."""
    visible = ''.join(c for c in raw if unicodedata.category(c) != 'Cf')
    return raw.strip() if visible.strip() else None


_KNOWN = frozenset(FIELDS) | frozenset(ALIASES)
# The names each field is read from, in the template's order of precedence.
_READ_ORDER = {field: tuple(a for a, f in ALIASES.items() if f == field) + (field,)
               for field in FIELDS}
# A line of a broken template that starts one of its parameters (see _read_unclosed).
_RECOVER = re.compile(r'[ \t]*\|[ \t]*(?:{})[ \t]*='.format('|'.join(
    re.escape(name) for name in sorted(_KNOWN, key=len, reverse=True))))


def _request_templates(root: list[Node], is_ours: Callable[[list[Node]], bool],
                       syntax: Syntax, name: str, depth: int = 0,
                       ) -> tuple[list[Brace], list[Brace | None]]:
    """The request templates on the page (in order) and those nested anywhere in it,
    or whose name a template builds around the template's name.

    A nested one inside a tag's content that is too deeply nested to look into is
    ``None`` (its values are unknown).
    """
    top: list[Brace] = []
    nested: list[Brace | None] = []
    todo: list[tuple[list[Node], bool]] = [(root, True)]
    while todo:
        nodes, at_top = todo.pop()
        for node in nodes:
            if isinstance(node, Brace):
                if node.kind == 'template' and is_ours(node.title):
                    if at_top:
                        top.append(node)
                    else:
                        nested.append(node)
                elif node.kind == 'template' and plain_text(node.title) is None and _mentions(
                        ''.join(n for n in node.title if isinstance(n, str)), name):
                    # {{Leadership request{{{|}}}|…}}: MediaWiki may well show it.
                    nested.append(node)
                todo.append((node.title, False))
                for part_name, value in node.parts:
                    if part_name is not None:
                        todo.append((part_name, False))
                    todo.append((value, False))
            elif (isinstance(node, Ext) and node.inner and node.name not in syntax.opaque
                  and _mentions(node.inner, name)):
                # The extension may render its content (<ref>, <poem>): a template in it
                # is not written directly on the page.
                if depth >= 3:
                    nested.append(None)
                    continue
                inner_top, inner_nested = _request_templates(
                    preprocess(node.inner, syntax)[0], is_ours, syntax, name, depth + 1)
                nested.extend(inner_top)
                nested.extend(inner_nested)
    return top, nested


# -- editing (seeding) -------------------------------------------------------------------------


def template_key(name: str) -> str:
    """Normalize a template name or title for comparison (``Template:`` optional)."""
    name = ' '.join(name.replace('_', ' ').split())
    if name[:9].lower() == 'template:':
        name = name[9:].lstrip()
    return first_upper(name)


def _mentions(text: str, name: str) -> bool:
    """Whether the text seems to try to use the template (spaces and _ alike)."""
    def flat(value: str) -> str:
        return ' '.join(value.replace('_', ' ').split()).lower()
    return flat(name) in flat(text)


# -- validation --------------------------------------------------------------------------------


def parse_request(page: RequestPage, template_title: str, vocabulary: Vocabulary,
                  redirect_words: Iterable[str] = ('#REDIRECT',), *,
                  extension_tags: Iterable[str] = EXTENSION_TAGS,
                  ) -> tuple[Request | None, list[Problem]]:
    """Read (:func:`read_fields`) and validate (:func:`validate`) the request on one page.

    Returns the request (``None`` when the page holds no usable request) and the
    problems found. A redirect, or a page that does not try to use the template, holds
    no request and has no problem. A template that is not closed, or is not written
    directly on the page, or several request templates (nested ones too: the page may
    show them all) make the page unusable.
    """
    name = template_key(template_title)
    reading = _read(page.text, template_title, tuple(redirect_words),
                    frozenset(extension_tags))
    read = reading.read
    if reading.redirect:
        return None, []
    if not read.found:
        if read.nested:
            return None, [Problem(
                page.title, ProblemCode.MISSING_FIELD,
                f'The {{{{{name}}}}} template must be written directly on the page, not '
                'inside another template, a parser function such as {{#if:}} or a tag such '
                'as <ref>, and with its plain name: the bot cannot tell whether the page '
                'shows it.')]
        if _mentions(page.text, name):
            return None, [Problem(page.title, ProblemCode.MISSING_FIELD,
                                  f'The page has no readable {{{{{name}}}}} template '
                                  '(is it closed with }}?).')]
        return None, []  # not a request: e.g. a report subpage under the prefix
    if len(reading.users) > 1:
        users = {normalize_username(user or '') for user in reading.users}
        user = users.pop() if len(users) == 1 else None
        return None, [Problem(
            page.title, ProblemCode.MULTIPLE_REQUESTS,
            f'The page has {len(reading.users)} request templates; keep one request per page '
            '(move the others to pages of their own). None of them counts until then.', user)]
    return validate(page, read, vocabulary)


def validate(page: RequestPage, read: FieldRead, vocabulary: Vocabulary,
             ) -> tuple[Request | None, list[Problem]]:
    """Validate the fields of one request template as the template checks them.

    Returns the request (``None`` when a required value is missing or invalid) and the
    problems. Invalid optional values are dropped and reported. A parameter name built by
    a template or parser function (``{{lc:USER}} = …``) may set any field, so such a
    request does not count.
    """
    return _Validator(page, read, vocabulary).run()


def _built_name(name: str) -> bool:
    """Whether an unknown parameter name is built by a template, argument or parser
    function (see FieldRead.unknown), so that MediaWiki may read it as any field."""
    return '{{' in name


class _Validator:
    """Validates one template's parameters, collecting problems as it goes."""

    def __init__(self, page: RequestPage, read: FieldRead, vocabulary: Vocabulary) -> None:
        self.page = page
        self.read = read
        self.vocabulary = vocabulary
        self.problems: list[Problem] = []
        self.user: str | None = None

    def problem(self, code: ProblemCode, message: str) -> None:
        self.problems.append(Problem(self.page.title, code, message, self.user))

    def invalid(self, field: str, raw: str, why: str) -> None:
        self.problem(ProblemCode.INVALID_VALUE, f'{field}: "{_excerpt(raw)}" is not valid; {why}')

    def run(self) -> tuple[Request | None, list[Problem]]:
        values = {name: self.read.values.get(name) or None for name in FIELDS}
        built = self._check_unknown_parameters()
        raw_user = values['user']
        if raw_user is not None:
            self.user = normalize_username(raw_user)
            if self.user is None:
                self.invalid('user', raw_user, 'give the user name without "User:" or links.')
        for field in REQUIRED_FIELDS:
            if values[field] is None:
                self.problem(ProblemCode.MISSING_FIELD,
                             f'{field} is required but empty or missing.')
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
            self.problem(ProblemCode.MISSING_FIELD, 'currency is required when amount is given '
                                          '(an ISO 4217 code such as USD or EUR).')
        start, end = fields['start'], fields['end']
        if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.problem(ProblemCode.DATE_ORDER, f'end ({end}) is before start ({start}).')
        required_ok = self.user is not None and all(
            fields[f] is not None for f in REQUIRED_FIELDS if f != 'user')
        if not required_ok or built:
            return None, self.problems
        request = Request(page=self.page.title, page_id=self.page.page_id,
                          revid=self.page.revid, updated=self.page.timestamp,
                          user=self.user, **fields)  # type: ignore[arg-type]
        return request, self.problems

    def _check_unknown_parameters(self) -> bool:
        """Report unknown parameters; whether one has a name built by a template."""
        built = False
        for name in self.read.unknown:
            if _built_name(name):
                built = True
                self.problem(ProblemCode.INVALID_VALUE,
                             f'parameter name "{_excerpt(name)}" is made by a template or '
                             'parser function, so it may set any field; write parameter '
                             'names as plain text. The request does not count until then.')
            else:
                self.problem(ProblemCode.INVALID_VALUE,
                             f'unknown parameter "{_excerpt(name)}" is ignored (check the '
                             'spelling; the template documentation lists the parameters).')
        return built

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


