"""The request cases of ``requests.yaml``: loading them, and what the bot makes of each.

One data file, two runners: ``tests/unit/test_request_cases.py`` runs every case through
the bot's parser and validator (:func:`~leadership_bot.core.parsing.parse_request`), and
``tests/integration/test_request_cases_template.py`` through the on-wiki template
(``action=parse`` on the local wiki). The YAML file's header says how to add a case.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from devwiki.seeding import render_request
from leadership_bot.core.model import FIELDS, Problem, ProblemCode, Request, RequestPage
from leadership_bot.core.parsing import Vocabulary, parse_request
from leadership_bot.core.settings import Settings

PATH = Path(__file__).with_name('requests.yaml')
SETTINGS = Settings()
TEMPLATE = SETTINGS.pages.request_template
TITLE = 'Leadership network/Requests/Template test'  # where every case is read (and rendered)
_KEYS = frozenset({'id', 'base', 'set', 'text', 'redirect_words', 'bot', 'fields', 'says',
                   'user', 'request', 'preview', 'why', 'categories'})
_FIELD = re.compile(r'[a-z_]+')
_CODES = frozenset(code.value for code in ProblemCode)


class CaseError(ValueError):
    """A case of requests.yaml that is not well formed."""


_UNSET: Any = object()  # a key the case does not have (``user: null`` is a value)


@dataclasses.dataclass(frozen=True)
class RequestCase:
    """One case: a page text, what the bot reports, what the template's preview shows."""

    id: str
    text: str
    bot: tuple[str, ...]  # problem codes, sorted
    fields: frozenset[str]  # the fields the bot's problems name
    preview: frozenset[str]  # the fields the template's warnings name
    why: str  # why the preview differs from the bot ('' when it does not)
    says: tuple[str, ...] = ()
    user: Any = _UNSET  # the user every problem is attributed to
    request: Any = _UNSET  # None (no request counts) or the Request's expected attributes
    categories: tuple[str, ...] = ()
    redirect_words: tuple[str, ...] = ('#REDIRECT',)

    @property
    def checks_user(self) -> bool:
        return self.user is not _UNSET

    @property
    def checks_request(self) -> bool:
        return self.request is not _UNSET


def _load_data() -> dict[str, Any]:
    data = yaml.safe_load(PATH.read_text(encoding='utf-8'))
    if not isinstance(data, dict) or not {'bases', 'languages', 'cases'} <= set(data):
        raise CaseError(f'{PATH.name}: expected the keys bases, languages and cases')
    return data


DATA = _load_data()
BASES: dict[str, dict[str, str]] = DATA['bases']
for _name, _base in BASES.items():
    if not all(isinstance(value, str) for value in _base.values()):
        raise CaseError(f'{PATH.name}: bases: {_name}: quote every value')
VOCABULARY = Vocabulary(types=frozenset(SETTINGS.vocabulary.types),
                        regions=frozenset(SETTINGS.vocabulary.regions),
                        areas=frozenset(SETTINGS.vocabulary.areas),
                        languages=frozenset(DATA['languages']))


def with_changes(changes: Mapping[str, str | None], base: Mapping[str, str]) -> dict[str, str]:
    """``base`` with values replaced, added or (``None``) dropped."""
    params = dict(base)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params


def _strings(raw: Any, key: str, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise CaseError(f'{where}: {key} must be a list of strings')
    return tuple(raw)


def _case(raw: Any, index: int) -> RequestCase:
    where = f'{PATH.name}, case {index + 1}'
    if not isinstance(raw, dict) or not isinstance(raw.get('id'), str):
        raise CaseError(f'{where}: every case needs an id')
    where = f'{PATH.name}, case {raw["id"]!r}'
    if unknown := set(raw) - _KEYS:
        raise CaseError(f'{where}: unknown keys {sorted(unknown)}')
    if 'bot' not in raw:
        raise CaseError(f'{where}: say which problem codes the bot reports (bot: [] for none)')
    if 'text' in raw:
        if 'base' in raw or 'set' in raw:
            raise CaseError(f'{where}: give either text or base/set, not both')
        text = str(raw['text'])
    else:
        base = raw.get('base', 'full')
        if base not in BASES:
            raise CaseError(f'{where}: base must be one of {sorted(BASES)}')
        changes = raw.get('set') or {}
        if not isinstance(changes, dict) or not all(
                value is None or isinstance(value, str) for value in changes.values()):
            raise CaseError(f'{where}: set: quote every value (YAML reads yes, dates and '
                            'numbers as something else); null drops a field')
        if unknown_fields := set(changes) - set(FIELDS):
            raise CaseError(f'{where}: set: not fields of the template: {sorted(unknown_fields)}'
                            ' (write a raw text for other parameter names)')
        text = render_request(with_changes(changes, BASES[base]))
    bot = tuple(sorted(_strings(raw['bot'], 'bot', where)))
    if bad := set(bot) - _CODES:
        raise CaseError(f'{where}: unknown problem codes {sorted(bad)}')
    fields = frozenset(_strings(raw.get('fields'), 'fields', where))
    if 'preview' in raw:
        if not str(raw.get('why') or '').strip():
            raise CaseError(f'{where}: a case whose preview differs from the bot says why')
        preview = frozenset(_strings(raw['preview'], 'preview', where))
    else:
        if raw.get('why'):
            raise CaseError(f'{where}: why without preview')
        if bool(bot) != bool(fields):
            raise CaseError(f'{where}: the bot reports {list(bot)} naming no field, so the '
                            'preview shows no warning: say so (preview: [] and why)')
        preview = fields
    if bad_fields := (fields | preview) - set(FIELDS):
        raise CaseError(f'{where}: not fields of the template: {sorted(bad_fields)}')
    request = raw.get('request', _UNSET)
    if isinstance(request, dict):
        request = {key: tuple(value) if isinstance(value, list) else value
                   for key, value in request.items()}
        if bad_attributes := set(request) - {f.name for f in dataclasses.fields(Request)}:
            raise CaseError(f'{where}: request: not attributes of a Request: '
                            f'{sorted(bad_attributes)}')
    elif request is not None and request is not _UNSET:
        raise CaseError(f'{where}: request must be null or a mapping')
    return RequestCase(
        id=raw['id'], text=text, bot=bot, fields=fields, preview=preview,
        why=str(raw.get('why') or '').strip(), says=_strings(raw.get('says'), 'says', where),
        user=raw.get('user', _UNSET), request=request,
        categories=_strings(raw.get('categories'), 'categories', where),
        redirect_words=_strings(raw.get('redirect_words'), 'redirect_words', where)
        or ('#REDIRECT',))


def load() -> list[RequestCase]:
    """Every case of requests.yaml, checked for form (:class:`CaseError` if not)."""
    cases = [_case(raw, i) for i, raw in enumerate(DATA['cases'])]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseError(f'{PATH.name}: id {case.id!r} is used twice')
        seen.add(case.id)
    return cases


def bot_result(case: RequestCase) -> tuple[Request | None, list[Problem]]:
    """What the bot's parser and validator make of the case's page."""
    page = RequestPage(TITLE, 7, 70, case.text)
    return parse_request(page, TEMPLATE, VOCABULARY, case.redirect_words)


def named_fields(messages: Iterable[str]) -> set[str]:
    """The fields the messages are about: the bot's and the template's messages both
    start with the field they are about."""
    return {match.group() for message in messages
            if (match := _FIELD.match(message)) and match.group() in FIELDS}


def check_bot(case: RequestCase) -> None:
    """Assert that the bot reports what the case says (for both runners)."""
    request, problems = bot_result(case)
    messages = [p.message for p in problems]
    assert tuple(sorted(p.code for p in problems)) == case.bot, messages
    assert named_fields(messages) == case.fields, messages
    for words in case.says:
        assert any(words in message for message in messages), (words, messages)
    if case.checks_user:
        assert [p.user for p in problems] == [case.user] * len(problems), problems
    if case.checks_request:
        if case.request is None:
            assert request is None, request
        else:
            assert request is not None, messages
            actual = {key: getattr(request, key) for key in case.request}
            assert actual == case.request
