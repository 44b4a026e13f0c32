"""The bot's YAML configuration: strict validation into frozen dataclasses.

Every key has a default (Meta-Wiki's), so a file names only what it changes.
Unknown keys and bad values raise :class:`SettingsError`, which names the file,
the dotted key and the problem; the CLI turns it into exit code 2.

Keys that name a template (:data:`TEMPLATE_KEYS`) are read as MediaWiki reads the name
in ``{{…}}``: the namespace may be left out, so every other module sees
``Template:<Name>`` (see :func:`template_title`).

``vocabulary`` holds the codes of the enumerated fields and their labels; its class and
the Meta-Wiki defaults are :mod:`leadership_bot.core.vocabulary`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from leadership_bot.core.model import STATUSES
from leadership_bot.core.normalize import normalize_code
from leadership_bot.core.vocabulary import Labels, Vocabulary, label_problem


class SettingsError(Exception):
    """A configuration file is unreadable or has a bad key or value."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f'{source}: {key}: {problem}' if key else f'{source}: {problem}')
        self.source = source
        self.key = key
        self.problem = problem


@dataclasses.dataclass(frozen=True)
class Pages:
    """Titles of the on-wiki pages the bot reads and writes."""

    request_template: str = 'Template:Leadership request'
    request_prefix: str = 'Leadership network/Requests/'
    directory: str = 'Leadership network/Directory'
    directory_json: str = ''
    report: str = 'Leadership network/Bot report'
    reviewers: str = 'Leadership network/Reviewers'
    optout: str = 'Leadership network/Opt-out'
    run: str = 'User:LeadershipBot/Run'
    notice_template: str = 'Template:Leadership recognition'
    mentorship: str = 'Leadership network/Mentorship'

    def watched(self) -> list[str]:
        """Pages whose change must make the next run look again (not a no-op)."""
        return [t for t in (self.run, self.reviewers, self.optout, self.report, self.directory,
                            self.directory_json, self.mentorship, self.notice_template,
                            self.request_template) if t]

    @property
    def landing(self) -> str:
        """The page with the "start a request" button: the prefix's parent page."""
        return self.request_prefix.rstrip('/') or 'Leadership requests'


@dataclasses.dataclass(frozen=True)
class Network:
    """Mentorship settings."""

    mentor_capacity: int = 3


@dataclasses.dataclass(frozen=True)
class Notify:
    """Recognition notice settings."""

    events: tuple[str, ...] = ('approved', 'completed', 'listed', 'milestone', 'matched')
    milestones: tuple[int, ...] = (2, 5, 10, 25)
    max_per_run: int = 25
    since: dt.date = dt.date(2026, 1, 1)
    optout_category: str = 'Category:Opted-out of message delivery'


@dataclasses.dataclass(frozen=True)
class Directory:
    """Directory page settings."""

    max_rows_per_page: int = 500
    max_removed_share: float = 0.2


@dataclasses.dataclass(frozen=True)
class Settings:
    """The whole configuration."""

    site: str = 'meta:meta'  # checked like any other value: no config means Meta-Wiki
    pages: Pages = Pages()
    network: Network = Network()
    notify: Notify = Notify()
    directory: Directory = Directory()
    vocabulary: Vocabulary = Vocabulary()
    source: str = dataclasses.field(default='(defaults)', compare=False)


EVENTS = frozenset(Notify.events)
# Keys of ``pages`` whose value is a template, read as in ``{{…}}``.
TEMPLATE_KEYS = ('request_template', 'notice_template')
_NONNEGATIVE = {'mentor_capacity', 'max_per_run'}
_POSITIVE = {'max_rows_per_page'}


def load_settings(path: str | Path | None) -> Settings:
    """Read and validate a YAML config file; ``None`` gives the defaults."""
    if path is None:
        return Settings()
    source = str(path)
    try:
        text = Path(path).read_text(encoding='utf-8')
    except OSError as exc:
        raise SettingsError(source, '', f'cannot read the file ({exc.strerror})') from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        where = f'line {mark.line + 1}: ' if mark else ''
        raise SettingsError(source, '', f'{where}not valid YAML') from exc
    return parse_settings(data or {}, source)


def parse_settings(data: object, source: str = '(config)') -> Settings:
    """Validate plain data (as loaded from YAML) into :class:`Settings`."""
    settings = _build(Settings, data, source, '')
    return dataclasses.replace(settings, source=source)


def _build(cls: type, data: object, source: str, prefix: str) -> Any:
    if not isinstance(data, Mapping):
        raise SettingsError(source, prefix.rstrip('.') or '(top level)',
                            'must be a mapping of keys')
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name != 'source'}
    values: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f'{prefix}{key}'
        if key not in fields:
            known = ', '.join(sorted(fields))
            raise SettingsError(source, dotted, f'unknown key (known here: {known})')
        hint = hints[key]
        if hint is Vocabulary:
            values[key] = _vocabulary(value, source, dotted + '.')
        elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
            values[key] = _build(hint, value, source, dotted + '.')
        else:
            values[key] = _convert(hint, value, source, dotted)
    result = cls(**values)
    _check(result, source, prefix)
    if isinstance(result, Pages):
        result = dataclasses.replace(result, **{
            key: _template_title(getattr(result, key), source, prefix + key)
            for key in TEMPLATE_KEYS})
    return result


def _convert(hint: Any, value: object, source: str, key: str) -> Any:
    name = key.rsplit('.', 1)[-1]
    if hint is str:
        if value is None:
            return ''
        if not isinstance(value, str):
            raise SettingsError(source, key, f'must be text, got {value!r}')
        return value.strip()
    if hint is bool or isinstance(value, bool):
        raise SettingsError(source, key, f'must be a number, got {value!r}')
    if hint is int:
        if not isinstance(value, int):
            raise SettingsError(source, key, f'must be a whole number, got {value!r}')
        if name in _NONNEGATIVE and value < 0:
            raise SettingsError(source, key, f'must be 0 or more, got {value}')
        if name in _POSITIVE and value < 1:
            raise SettingsError(source, key, f'must be 1 or more, got {value}')
        return value
    if hint is float:
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise SettingsError(source, key, f'must be a share between 0 and 1, got {value!r}')
        return float(value)
    if hint is dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise SettingsError(source, key, f'must be a date YYYY-MM-DD, got {value!r}') from None
    if typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list) or not value and name != 'milestones':
            raise SettingsError(source, key, 'must be a non-empty list')
        items = tuple(_convert(item, v, source, f'{key}[{i}]') for i, v in enumerate(value))
        if len(set(items)) != len(items):
            raise SettingsError(source, key, 'lists a value twice')
        return items
    raise TypeError(f'no converter for {hint!r}')  # pragma: no cover - programming error


def _check(section: object, source: str, prefix: str) -> None:
    """Cross-field rules that a type alone does not say."""
    if isinstance(section, Notify):
        for event in section.events:
            if event not in EVENTS:
                raise SettingsError(source, prefix + 'events',
                                    f'unknown event {event!r} (known: {", ".join(sorted(EVENTS))})')
        if any(m < 1 for m in section.milestones):
            raise SettingsError(source, prefix + 'milestones', 'milestones must be 1 or more')
    if isinstance(section, Pages):
        for field in ('request_template', 'report', 'reviewers', 'run', 'directory',
                      'notice_template', 'mentorship'):
            if not getattr(section, field):
                raise SettingsError(source, prefix + field, 'must name a page')
    if isinstance(section, Settings) and section.site and ':' not in section.site:
        raise SettingsError(source, 'site', f'must be "family:code", e.g. meta:meta, got '
                                            f'{section.site!r}')


# -- vocabulary --------------------------------------------------------------------------------

VOCABULARY_KEYS = ('types', 'regions', 'areas', 'statuses')


def _vocabulary(data: object, source: str, prefix: str) -> Vocabulary:
    """``vocabulary:``: each of ``types``, ``regions`` and ``areas`` is a list of codes
    (labels: the built-in ones, else the code) or a mapping of codes to labels (an empty
    label keeps the built-in one); ``statuses`` maps status codes to labels."""
    if not isinstance(data, Mapping):
        raise SettingsError(source, prefix.rstrip('.'), 'must be a mapping of keys')
    values: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f'{prefix}{key}'
        if key not in VOCABULARY_KEYS:
            raise SettingsError(source, dotted,
                                f'unknown key (known here: {", ".join(VOCABULARY_KEYS)})')
        if key == 'statuses':
            if not isinstance(value, Mapping):
                raise SettingsError(source, dotted, 'must be a mapping of status codes to '
                                                    f'labels ({", ".join(STATUSES)})')
            values['status_labels'] = _labels(value, source, dotted, STATUSES)
        elif isinstance(value, Mapping):
            if not value:
                raise SettingsError(source, dotted, 'must be a non-empty list or mapping')
            values[f'{key[:-1]}_labels'] = _labels(value, source, dotted)
            values[key] = tuple(values[f'{key[:-1]}_labels'])
        else:
            values[key] = _codes(value, source, dotted)
    vocabulary = Vocabulary(**values)
    for kind in VOCABULARY_KEYS:
        seen: dict[str, str] = {}
        for code, label in vocabulary.labelled(kind).items():
            if (other := seen.setdefault(label.casefold(), code)) != code:
                raise SettingsError(source, f'{prefix}{kind}.{code}',
                                    f'{label!r} is also the label of {other!r}')
    return vocabulary


def _code(value: object, source: str, key: str) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads yes, no, on and off as booleans
        raise SettingsError(source, key, f'{value!r} is not a code: YAML reads yes, no, on '
                                         'and off as true and false, so quote the code')
    if not isinstance(value, str):
        raise SettingsError(source, key, f'must be text, got {value!r}')
    code = value.strip()
    if not code or code != normalize_code(code):
        raise SettingsError(source, key, f'{code!r} is not a normalized code '
                                         '(lower case, words joined by -)')
    return code


def _codes(value: object, source: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise SettingsError(source, key, 'must be a non-empty list of codes, or a mapping '
                                         'of codes to labels')
    codes = tuple(_code(item, source, key) for item in value)
    if len(set(codes)) != len(codes):
        raise SettingsError(source, key, 'lists a value twice')
    return codes


def _labels(value: Mapping[object, object], source: str, key: str,
            allowed: tuple[str, ...] = ()) -> Labels:
    labels: dict[str, str] = {}
    for raw_code, raw_label in value.items():
        code = _code(raw_code, source, key)
        if code in labels:
            raise SettingsError(source, key, f'lists {code!r} twice')
        if allowed and code not in allowed:
            raise SettingsError(source, f'{key}.{code}', f'unknown code {code!r} (known: '
                                                         f'{", ".join(allowed)})')
        label = _convert(str, raw_label, source, f'{key}.{code}')
        if label and (problem := label_problem(label)):  # empty: the built-in label
            raise SettingsError(source, f'{key}.{code}', problem)
        labels[code] = label
    return Labels(labels)


# -- template titles ---------------------------------------------------------------------------

TEMPLATE_NAMESPACE = 'Template'
# MediaWiki drops these from titles (MediaWikiTitleCodec): direction marks and the bidi
# embedding controls.
_BIDI = re.compile('[\u200e\u200f\u202a-\u202e\u2066-\u2069]')
# Never allowed in a title ($wgLegalTitleChars); "#" would start a fragment.
_ILLEGAL = re.compile(r'[#<>\[\]|{}\x00-\x1f\x7f]')
# "Name : rest" is namespace "Name" as MediaWiki splits it (spaces around the colon).
_NAMESPACE = re.compile(r'^(.+?) ?: ?(.*)$')
_MAX_TITLE_BYTES = 255


def template_title(value: str) -> str:
    """The title of the template that ``{{value}}`` transcludes, as MediaWiki resolves it.

    Like ``Parser::braceSubstitution`` and ``Title::newFromText``: without a namespace the
    name is in the Template namespace (``Leadership request`` is ``Template:Leadership
    request``); the namespace name is case-insensitive; ``_`` is a space and runs of
    white space are one; the first letter is upper case (``$wgCapitalLinks``, as on
    Meta-Wiki). Raises :class:`ValueError` for a name that is no template title:

    - any other namespace, also the main one (``{{:Name}}`` transcludes the *page*
      ``Name``) and any prefix before a colon, since which namespaces and interwiki
      prefixes a wiki has (localized names, ``Meta:``, ``Grants:`` …) is the wiki's
      business: a template whose name has a colon is written ``Template:A: b``;
    - characters no title may have, ``.``/``..`` path parts, ``~~~`` and an empty or
      over-long name.
    """
    text = ' '.join(unicodedata.normalize('NFC', _BIDI.sub('', value)).replace('_', ' ').split())
    shown = repr(value.strip())
    # A leading colon names the main namespace, unless a namespace follows it.
    rest = text[1:].lstrip() if text.startswith(':') else text
    match = _NAMESPACE.match(rest)
    if match and match.group(1).lower() == TEMPLATE_NAMESPACE.lower():
        name = match.group(2)
    elif match:
        raise ValueError(
            f'{shown} is not in the Template namespace: a template is named as in {{{{…}}}}, '
            "e.g. 'Leadership request' or 'Template:Leadership request' (a name with a "
            "colon in it needs the 'Template:' prefix)")
    elif text.startswith(':'):
        raise ValueError(
            f"{shown} is in the main namespace ({{{{:{rest}}}}} transcludes a page, not a "
            f"template): write {rest!r} or 'Template:{rest}'")
    else:
        name = rest
    if not name:
        raise ValueError(f'{shown} names no template')
    if bad := _ILLEGAL.search(name):
        raise ValueError(f'{shown} is not a valid title: it contains {bad.group()!r}')
    if name in ('.', '..') or name.startswith(('./', '../')) or '/./' in name or \
            '/../' in name or name.endswith(('/.', '/..')) or '~~~' in name:
        raise ValueError(f'{shown} is not a valid title (no ".", ".." parts or "~~~")')
    first = name[0].upper()
    # Python upper-cases a few letters into two (ß -> SS); MediaWiki keeps those.
    name = (first if len(first) == 1 else name[0]) + name[1:]
    if len(name.encode('utf-8')) > _MAX_TITLE_BYTES:
        raise ValueError(f'{shown} is too long for a title ({_MAX_TITLE_BYTES} bytes at most)')
    return f'{TEMPLATE_NAMESPACE}:{name}'


def _template_title(value: str, source: str, key: str) -> str:
    try:
        return template_title(value)
    except ValueError as exc:
        raise SettingsError(source, key, str(exc)) from None
