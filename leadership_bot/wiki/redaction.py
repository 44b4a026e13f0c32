"""Passwords, tokens and cookies kept out of every log record, and log files kept private.

What pywikibot 11 writes without this (``-debug``/``-log`` write ``logs/<script>-bot.log``
under its base folder, world-readable under the usual umask 022):

* at ``-debug``, every API request's body (``data/api/_requests.py``,
  ``_get_request_params``): ``lgpassword=…&lgtoken=…`` of a BotPassword login (also when
  it fails), ``password=…&logintoken=…`` of a main-account ``clientlogin``, and the CSRF
  ``token=…`` of every edit;
* at ``-log``, after an API error, the response headers (``Set-Cookie: …_session=…``) and,
  after a MediaWiki exception, the request parameters as a Python dict
  (``'lgpassword': ['…']``, split over lines by ``pprint``);
* pywikibot's warnings about a bad ``user-password.py`` line quote the line.

A record is redacted where it is made (a log record factory) and again by a filter on
the loggers and handlers pywikibot installs, so neither a handler created later nor a
child logger (``pywiki.comms.http`` …) is missed. A redaction keeps the key and replaces
the value: ``lgpassword=<redacted>``. Values known to be secret (the passwords of
``user-password.py``, the OAuth keys of ``user-config.py``, every value a key-based rule
redacted) are also replaced wherever else they appear, encoded or not.

Standard library only: the wiki layer passes pywikibot's settings in.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import os
import re
import stat
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

REDACTED = '<redacted>'
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
# Loggers pywikibot and its HTTP stack log on ('' is the root logger).
LOGGERS = ('', 'pywiki', 'py.warnings', 'requests', 'urllib3', 'requests_oauthlib', 'oauthlib')
# A value a key-based rule redacted is replaced everywhere else only from this length
# (a short value such as an anonymous token '+\\' would blank out ordinary text).
MIN_LEARNED = 8
MAX_LEARNED = 500  # longer values are no password or token: redacted, not remembered
# Passwords read from pywikibot's files are replaced everywhere from this length.
MIN_KNOWN = 4

# Names whose value is secret: MediaWiki's login and token parameters (lgpassword,
# password, lgtoken, logintoken, token, csrftoken …), session cookies (<wiki>_session,
# centralauth_Session, <wiki>Token …), OAuth 1.0a parameters and HTTP auth headers.
_SECRET_NAME = re.compile(
    r'pass(?:word|wd)|secret|token|session|cookie|authori[sz]ation|api_?key|oauth_'
    r'|centralauth_', re.IGNORECASE)
_NAME = r'[\w.-]+'
# Each rule finds a key; the value after it is read only when the key is secret (so that
# no text is scanned twice), and keys inside another key's value are found too.
# name=value (a form or URL body, a cookie) and its URL-encoded form name%3Dvalue.
_ASSIGNMENT = re.compile(rf'(?<![\w.-])(?P<key>{_NAME})(?:=|%(?:25)*3[dD])')
_ASSIGNED = re.compile(r'''(?P<q>['"])(?:(?!(?P=q))[^\n])*(?P=q)|(?:(?!%(?:25)*26)[^&\s'";])+''')
# 'name': value in JSON or a Python repr, also inside an escaped string (\"name\": \"v\"),
# also with pprint's line split ('name': "\n "['v']); values: a string, a list of strings,
# a bare word. A nested object ({ or [ of objects) is left to its own keys.
_MAPPING = re.compile(
    rf'''(?P<kq>\\{{0,3}}["'])(?P<key>{_NAME})(?P=kq)\s*:\s*(?:(?P<join>["'])\s*(?P=join)\s*)?''')
# A string in its quotes: '…' or "…" with backslash escapes, or \'…\' / \"…\" inside
# another string; never past its closing quote (no backtracking over long lines).
_STRING = (r'''b?(?:'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"'''
           r'''|\\'(?:(?!\\')[^\n])*\\'|\\"(?:(?!\\")[^\n])*\\")''')
_MAPPED = re.compile(
    rf'''{_STRING}|\[\s*{_STRING}(?:\s*,\s*{_STRING})*\s*,?\s*\]'''
    r'''|(?![\[{(\s])[^\s,}\]]+''')
# BotPassword('app', 'password') as written in user-password.py.
_BOT_PASSWORD = re.compile(r'''(?P<key>BotPassword)\(\s*(?:'[^'\n]*'|"[^"\n]*")\s*,\s*''')
_BOT_PASSWORD_VALUE = re.compile(_STRING)
_KEYED_RULES = ((_ASSIGNMENT, _ASSIGNED), (_MAPPING, _MAPPED),
                (_BOT_PASSWORD, _BOT_PASSWORD_VALUE))
# HTTP headers as a log line shows them: everything after the colon is secret.
_HEADER = re.compile(
    r'(?<![\w-])(?P<key>Set-Cookie[23]?|Cookie|(?:Proxy-)?Authori[sz]ation|X-[\w-]*Token)'
    r'(?P<sep>:[ \t]*)(?P<value>[^\r\n]+)', re.IGNORECASE)
_BEARER = re.compile(r'(?P<key>\bBearer)(?P<sep>\s+)(?P<value>[\w.~+/-]{8,}=*)')


class Redactor:
    """Replaces secret values in text; remembers every value it redacted by its key."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set()
        self._literal: re.Pattern[str] | None = None
        self.add(secrets, minimum=MIN_KNOWN)

    def add(self, secrets: Iterable[str], minimum: int = MIN_KNOWN) -> None:
        """Replace these values wherever they appear, also URL-, JSON- or repr-encoded."""
        forms: set[str] = set()
        for secret in secrets:
            if not isinstance(secret, str) or len(secret) < minimum or REDACTED in secret:
                continue
            forms.update({secret, urllib.parse.quote_plus(secret),
                          urllib.parse.quote(secret, safe=''), json.dumps(secret)[1:-1],
                          repr(secret)[1:-1]})
        with self._lock:
            if forms <= self._known:
                return
            self._known |= forms
            # Longest first, so that an encoded form is replaced whole.
            self._literal = re.compile('|'.join(
                re.escape(form) for form in sorted(self._known, key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        """``text`` with every secret value replaced by ``<redacted>``; keys stay."""
        if not text:
            return text
        for key_rule, value_rule in _KEYED_RULES:
            text = self._values(key_rule, value_rule, text)
        for rule in (_HEADER, _BEARER):
            text = rule.sub(self._whole, text)
        literal = self._literal
        return literal.sub(REDACTED, text) if literal else text

    def _values(self, key_rule: re.Pattern[str], value_rule: re.Pattern[str],
                text: str) -> str:
        """Replace the value after each secret key that ``key_rule`` finds."""
        parts: list[str] = []
        done = position = 0
        while match := key_rule.search(text, position):
            position = match.end()
            if key_rule is not _BOT_PASSWORD and not _SECRET_NAME.search(match['key']):
                continue
            value = value_rule.match(text, position)
            replacement = self._replacement(value[0]) if value else None
            if value and replacement is not None:
                parts += [text[done:position], replacement]
                done = position = value.end()
        return ''.join(parts) + text[done:] if parts else text

    def _replacement(self, value: str) -> str | None:
        """The value with its secret replaced by the mark (in its quotes), or None."""
        strings = [_unquoted(found[0]) for found in _QUOTED.finditer(value)]
        if value.startswith('['):  # a list of strings: one mark in the first one's quotes
            quote = strings[0][0] if strings else ''
            replacement = f'[{quote}{REDACTED}{quote}]'
        elif strings and _QUOTED.fullmatch(value):
            quote = strings[0][0]
            replacement = f'{quote}{REDACTED}{quote}'
        else:
            strings, replacement = [('', value)], REDACTED
        if all(inner == REDACTED for _, inner in strings):
            return None
        for _, inner in strings:
            if MIN_LEARNED <= len(inner) <= MAX_LEARNED and inner not in self._known:
                self.add(_decoded(inner), minimum=MIN_LEARNED)
        return replacement

    def _whole(self, match: re.Match[str]) -> str:
        if match['value'].startswith(REDACTED):
            return match[0]
        return match[0][:match.start('value') - match.start()] + REDACTED


_QUOTED = re.compile(_STRING)


def _unquoted(string: str) -> tuple[str, str]:
    """The quote of a string as :data:`_STRING` finds it, and what is inside."""
    string = string.removeprefix('b')
    quote = string[:2] if string.startswith('\\') else string[:1]
    return quote, string[len(quote):-len(quote)]


def _decoded(value: str) -> set[str]:
    """A value as written and as it was before URL- or string-escaping."""
    forms = {value}
    text = value
    for _ in range(3):  # %253D is %3D encoded again
        text = urllib.parse.unquote_plus(text)
        forms.add(text)
    with contextlib.suppress(ValueError):
        forms.add(json.loads(f'"{value}"'))
    return forms


def redact_record(record: logging.LogRecord, redact: Callable[[str], str]) -> None:
    """Redact a record's message, its arguments, traceback and stack text, once."""
    if getattr(record, 'redacted', False):
        return
    args = record.args
    if isinstance(args, Mapping):
        record.args = {key: redact(value) if isinstance(value, str) else value
                       for key, value in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(redact(value) if isinstance(value, str) else value
                            for value in args)
    if not record.args and isinstance(record.msg, str):
        record.msg = redact(record.msg)
    else:
        # Formatted: a key in the message may have its value in an argument, and an
        # object's str() may hold a secret. (A message with %-placeholders is not
        # redacted alone: that could take a placeholder for a value.)
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot be formatted fails later
            text = None
        if text is not None and (redacted := redact(text)) != text:
            # Keep the shape of '%s' records (py.warnings, which pywikibot's file
            # formatter expects with one argument).
            if record.msg == '%s' and isinstance(record.args, tuple) and len(record.args) == 1:
                record.args = (redacted,)
            else:
                record.msg, record.args = redacted, ()
    if record.exc_info and record.exc_info[0] is not None:
        text = record.exc_text or _FORMATTER.formatException(record.exc_info)
        if (redacted := redact(text)) != text:
            record.exc_text = redacted
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.redacted = True


_FORMATTER = logging.Formatter()


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record it sees and lets it pass."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record, self.redactor)
        return True


def protect(secrets: Iterable[str] = ()) -> RedactingFilter:
    """Redact every log record this process makes from now on; returns the filter.

    A log record factory redacts each record where it is made, whatever logger or
    handler it goes to later; :func:`attach` puts the same redaction, as a filter, on
    the loggers and handlers in place. Calling it again adds ``secrets``.
    """
    factory = logging.getLogRecordFactory()
    log_filter = getattr(factory, 'redacting_filter', None)
    if isinstance(log_filter, RedactingFilter):
        log_filter.redactor.add(secrets)
    else:
        redactor = Redactor(secrets)
        log_filter = RedactingFilter(redactor)

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            redact_record(record, redactor)
            return record

        redacting_factory.redacting_filter = log_filter  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)
    attach(log_filter)
    return log_filter


def redact(text: str) -> str:
    """``text`` redacted as log records are, for output that bypasses logging (print)."""
    log_filter = getattr(logging.getLogRecordFactory(), 'redacting_filter', None)
    redactor = log_filter.redactor if isinstance(log_filter, RedactingFilter) else Redactor()
    return redactor(text)


def attach(log_filter: logging.Filter) -> None:
    """Put the filter on pywikibot's loggers, their child loggers and their handlers."""
    names = set(LOGGERS) | {name for name in logging.root.manager.loggerDict
                            if name.startswith(('pywiki.', 'requests.', 'urllib3.'))}
    handlers: list[logging.Handler] = []
    for name in sorted(names):
        logger = logging.getLogger(name)
        if log_filter not in logger.filters:
            logger.addFilter(log_filter)
        handlers.extend(logger.handlers)
    if logging.lastResort is not None:
        handlers.append(logging.lastResort)
    for handler in handlers:
        if log_filter not in handler.filters:
            handler.addFilter(log_filter)


def file_handlers() -> list[logging.FileHandler]:
    """The file handlers on the loggers :func:`attach` covers."""
    found: dict[int, logging.FileHandler] = {}
    for name in set(LOGGERS) | {n for n in logging.root.manager.loggerDict
                                if n.startswith('pywiki.')}:
        for handler in logging.getLogger(name).handlers:
            if isinstance(handler, logging.FileHandler):
                found[id(handler)] = handler
    return list(found.values())


@contextlib.contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created inside the block are readable by their owner only.

    For pywikibot's start-up (``handle_args``), which creates ``logs/``, opens the log
    file and appends to ``logs/commands.log``; the process has no other thread then.
    """
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def keep_private(handler: logging.FileHandler) -> None:
    """Make the handler's file mode 600 now and on every reopen (after a rotation)."""
    if getattr(handler, 'private', False):
        return

    def private_open() -> Any:
        return open(handler.baseFilename, handler.mode, encoding=handler.encoding,
                    errors=handler.errors, opener=_private_opener)

    handler._open = private_open  # type: ignore[method-assign]
    handler.private = True  # type: ignore[attr-defined]
    if handler.stream is not None:
        os.fchmod(handler.stream.fileno(), PRIVATE_FILE)


def _private_opener(path: str, flags: int) -> int:
    descriptor = os.open(path, flags, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)  # also a file an older version created
    return descriptor


def secure_folder(folder: Path) -> None:
    """Mode 700 for a log folder, 600 for every file directly in it (rotated ones too)."""
    if not folder.is_dir():
        return
    folder.chmod(PRIVATE_FOLDER)
    for path in folder.iterdir():
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink() and stat.S_IMODE(
                    path.stat().st_mode) & 0o077:
                path.chmod(PRIVATE_FILE)


def secure_logs(folders: Iterable[Path]) -> None:
    """Private log files: the handlers pywikibot installed, and the folders they live in."""
    places = set(map(Path, folders))
    for handler in file_handlers():
        keep_private(handler)
        places.add(Path(handler.baseFilename).parent)
    for folder in places:
        secure_folder(folder)


def password_file_secrets(path: Path | None) -> list[str]:
    """The passwords in a pywikibot ``user-password.py`` (never the user names).

    Read as pywikibot reads it: one Python tuple per line, the password last, either a
    string or ``BotPassword('app', 'password')``. A line it cannot read is skipped.
    """
    if path is None:
        return []
    try:
        lines = path.read_text('utf-8').splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    found: list[str] = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        try:
            entry = ast.literal_eval(line.replace('BotPassword', ''))
        except Exception:  # noqa: BLE001 - the line must never reach an error message
            continue
        if isinstance(entry, tuple) and entry:
            last = entry[-1]
            if isinstance(last, tuple) and last:
                last = last[-1]
            if isinstance(last, str):
                found.append(last)
    return found


def oauth_secrets(authenticate: Mapping[str, Any]) -> list[str]:
    """The OAuth consumer and access keys of pywikibot's ``authenticate`` setting."""
    found: list[str] = []
    for value in authenticate.values():
        if isinstance(value, tuple | list):
            found.extend(item for item in value if isinstance(item, str))
    return found


def pywikibot_secrets(base_dir: str | os.PathLike[str],
                      password_file: str | os.PathLike[str] | None,
                      authenticate: Mapping[str, Any]) -> list[str]:
    """The secrets of a pywikibot setup: ``user-password.py`` and OAuth keys.

    ``password_file`` is found as pywikibot finds it: under ``base_dir``, else as given.
    """
    path = None
    if password_file is not None:
        path = Path(base_dir, password_file)
        if not path.exists():
            path = Path(password_file)
    return password_file_secrets(path) + oauth_secrets(authenticate)
