"""Redaction of passwords, tokens and cookies in log text, and private log files."""

from __future__ import annotations

import logging
import logging.handlers
import os
import pprint
import stat
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadership_bot.wiki.redaction import (
    REDACTED,
    RedactingFilter,
    Redactor,
    keep_private,
    password_file_secrets,
    private_files,
    protect,
    pywikibot_secrets,
    redact_record,
    secure_folder,
)

R = REDACTED
# What pywikibot 11 logs, shortened: input line -> the same line redacted.
CASES = [
    # -debug: the body of every API request (data/api/_requests.py _get_request_params)
    ("Body: 'action=login&lgname=Bot%40app&lgpassword=localwiki0botpassword0token00000"
     "&maxlag=30&format=json&lgtoken=388225ae148456280b471b1b0ac5c7ef6b0f481b%2B%5C'",
     f"Body: 'action=login&lgname=Bot%40app&lgpassword={R}&maxlag=30&format=json&lgtoken={R}'"),
    ("Body: 'action=clientlogin&username=Bot&password=BotPass-12345&loginreturnurl="
     "https%3A%2F%2Fexample.com&rememberMe=1&logintoken=bee98ff7%2B%5C'",
     f"Body: 'action=clientlogin&username=Bot&password={R}&loginreturnurl="
     f"https%3A%2F%2Fexample.com&rememberMe=1&logintoken={R}'"),
    ("Body: 'action=edit&title=A&text=x&bot=&token=f9653ddc36d7d0fc8%2B%5C&assert=user'",
     f"Body: 'action=edit&title=A&text=x&bot=&token={R}&assert=user'"),
    ('URI: /api.php?action=query&meta=tokens&type=csrf&csrftoken=abc%2B%5C&format=json',
     f'URI: /api.php?action=query&meta=tokens&type=csrf&csrftoken={R}&format=json'),
    # URL-encoded once more (a parameter inside a parameter), and twice
    ('text=a%26lgpassword%3Dsecret123%26b%3Dc', f'text=a%26lgpassword%3D{R}%26b%3Dc'),
    ('lgpassword%253Ddouble-encoded%2526next', f'lgpassword%253D{R}%2526next'),
    # JSON, escaped JSON inside a string, a Python dict (a failed request's parameters)
    ('{"lgpassword": "hunter2hunter2", "lgname": "Bot@app"}',
     f'{{"lgpassword": "{R}", "lgname": "Bot@app"}}'),
    ('{"query": {"tokens": {"csrftoken": "f965+\\\\", "logintoken": "+\\\\"}}}',
     f'{{"query": {{"tokens": {{"csrftoken": "{R}", "logintoken": "{R}"}}}}}}'),
    ('"params": "{\\"lgpassword\\": \\"escaped-secret\\", \\"a\\": 1}"',
     f'"params": "{{\\"lgpassword\\": \\"{R}\\", \\"a\\": 1}}"'),
    ("{'action': ['login'], 'lgpassword': ['s3cr3t-value'], 'lgtoken': ['abc+\\\\']}",
     f"{{'action': ['login'], 'lgpassword': ['{R}'], 'lgtoken': ['{R}']}}"),
    ("{'lgpassword': 's3cr3t', 'maxlag': 5, 'password': None}",
     f"{{'lgpassword': '{R}', 'maxlag': 5, 'password': {R}}}"),
    # -log, after an API error: the response headers; cookies as a header line shows them
    ("headers=\n{'Date': 'Mon', 'Set-Cookie': 'my_wiki_session=abcdef0123456789; path=/; "
     "HttpOnly', 'Content-Type': 'application/json'}",
     f"headers=\n{{'Date': 'Mon', 'Set-Cookie': '{R}', 'Content-Type': 'application/json'}}"),
    ('Set-Cookie: my_wiki_session=abcdef0123456789; path=/; HttpOnly', f'Set-Cookie: {R}'),
    ('Cookie: centralauth_Token=zzz; enwikiSession=yyy', f'Cookie: {R}'),
    ('<Cookie centralauth_Session=0123456789abcdef for .wikimedia.org/>',
     f'<Cookie centralauth_Session={R} for .wikimedia.org/>'),
    ('wikiToken=cf6fbaee03ec58de; wikiUserName=Bot', f'wikiToken={R}; wikiUserName=Bot'),
    # OAuth 1.0a and bearer tokens
    ('Authorization: OAuth oauth_consumer_key="k", oauth_signature="s%3D"', f'Authorization: {R}'),
    ("{'Authorization': b'OAuth oauth_nonce=\"1\"'}", f"{{'Authorization': '{R}'}}"),
    ('oauth_token=abc&oauth_signature=def', f'oauth_token={R}&oauth_signature={R}'),
    ('Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc', f'Authorization: {R}'),
    ('sent with Bearer eyJhbGciOiJSUzI1NiJ9.abc', f'sent with Bearer {R}'),
    # a user-password.py line, in a warning about it
    ("('Bot', BotPassword('app', 'localwiki0botpassword0token00000'))",
     f"('Bot', BotPassword('app', '{R}'))"),
    # what must stay as it is: no value of a secret key, or redacted already
    (f'lgpassword={R}&x=1', f'lgpassword={R}&x=1'),
    ('API error badtoken: Invalid CSRF token.', 'API error badtoken: Invalid CSRF token.'),
    ('Login failed (Failed). Incorrect username or password entered.',
     'Login failed (Failed). Incorrect username or password entered.'),
    ('Logging in to meta:meta as Bot@app', 'Logging in to meta:meta as Bot@app'),
    ("Body: 'action=query&meta=tokens&type=csrf%7Clogin&format=json'",
     "Body: 'action=query&meta=tokens&type=csrf%7Clogin&format=json'"),
    ('Closing network session.', 'Closing network session.'),
    ('  2026-12-01 /venv/site-packages/pywikibot/site/_tokenwallet.py',
     '  2026-12-01 /venv/site-packages/pywikibot/site/_tokenwallet.py'),
]


@pytest.mark.parametrize(('line', 'expected'), CASES)
def test_redaction(line: str, expected: str) -> None:
    redact = Redactor()
    assert redact(line) == expected
    assert redact(expected) == expected  # idempotent: a record may pass several filters


def test_a_redacted_value_is_redacted_wherever_it_appears_later() -> None:
    redact = Redactor()
    redact("Body: 'action=login&lgpassword=p%40ss-w0rd-xyz'")
    # pprint.pformat() splits a failed request's parameters over lines: the value
    # stands alone on its line, after the key on the one before.
    params = pprint.pformat(str({'action': ['login'], 'lgname': ['LeadershipBot@leadership'],
                                 'lgpassword': ['p@ss-w0rd-xyz'], 'format': ['json']}))
    assert 'p@ss-w0rd-xyz' in params
    for text in (params, 'retrying with p@ss-w0rd-xyz', 'p%40ss-w0rd-xyz', '"p@ss-w0rd-xyz"'):
        assert 'w0rd' not in redact(text), text


def test_pprint_line_split_is_redacted_by_key() -> None:
    params = pprint.pformat(str({'action': ['login'], 'lgname': ['LeadershipBot@leadership'],
                                 'lgpassword': ['never-seen-before'], 'format': ['json']}),
                            width=60)
    assert 'never-seen-before' not in Redactor()(params)


def test_known_secrets_are_redacted_in_free_text() -> None:
    redact = Redactor(['BotPass-12345', 'abc'])  # too short to replace in free text: 'abc'
    assert redact('line 3 (BotPass-12345) BotPass-12345 abc') == f'line 3 ({R}) {R} abc'
    assert redact('BotPass-12345'.replace('-', '%2D')) != 'BotPass-12345'  # quote() leaves '-'
    assert redact(repr('it\'s "quoted"-pw')) == repr('it\'s "quoted"-pw')
    redact.add(['it\'s "quoted"-pw'])
    for form in ('it\'s "quoted"-pw', 'it%27s+%22quoted%22-pw', 'it\'s \\"quoted\\"-pw'):
        assert 'quoted' not in redact(form), form


def test_password_file_secrets(tmp_path: Path) -> None:
    path = tmp_path / 'user-password.py'
    path.write_text(
        '# comment\n'
        "('Admin', 'AdminPass-12345')\n"
        "('wikipedia', 'en', 'Bot', BotPassword('app', 'localwiki0botpassword0token00000'))\n"
        'not a tuple line with secret-in-it\n'
        "('meta', 'meta', 'Other', 'other-pass')\n")
    assert password_file_secrets(path) == [
        'AdminPass-12345', 'localwiki0botpassword0token00000', 'other-pass']
    assert password_file_secrets(tmp_path / 'missing.py') == []
    assert pywikibot_secrets(tmp_path, 'user-password.py', {
        'commons.wikimedia.org': ('consumer-key', 'consumer-secret', 'access-key', 'access-sec'),
    }) == ['AdminPass-12345', 'localwiki0botpassword0token00000', 'other-pass',
           'consumer-key', 'consumer-secret', 'access-key', 'access-sec']


def _record(msg: object, *args: object, name: str = 'pywiki') -> logging.LogRecord:
    return logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args or None, None)


def test_records_are_redacted_in_message_and_arguments() -> None:
    redact = Redactor()
    record = _record("Body: '%s'", 'action=login&lgpassword=pw-in-an-argument')
    redact_record(record, redact)
    assert record.args == (f'action=login&lgpassword={R}',)
    # the key in the message, the value in an argument: only formatting shows it
    record = _record('lgpassword=%s&lgtoken=%d', 'split-secret', 42)
    redact_record(record, redact)
    assert record.getMessage() == f'lgpassword={R}&lgtoken={R}'
    # py.warnings records ('%s', one argument) keep their shape for pywikibot's formatter
    record = _record('%s', "UserWarning: ('Bot', ('app', 'split-secret'), 1, 2, 3)",
                     name='py.warnings')
    redact_record(record, redact)
    assert record.msg == '%s' and isinstance(record.args, tuple)
    assert len(record.args) == 1 and 'split-secret' not in str(record.args[0])
    record = _record({'lgpassword': 'a-dict-message'})
    redact_record(record, redact)
    assert 'a-dict-message' not in record.getMessage()


def test_tracebacks_are_redacted() -> None:
    redact = Redactor(['AdminPass-12345'])
    try:
        raise ValueError('login with AdminPass-12345 failed')
    except ValueError:
        record = logging.LogRecord('pywiki', logging.ERROR, __file__, 1, 'failed', None,
                                   __import__('sys').exc_info())
    redact_record(record, redact)
    text = logging.Formatter().format(record)
    assert 'AdminPass' not in text and f'login with {R} failed' in text


@pytest.fixture
def protected() -> Iterator[RedactingFilter]:
    """protect() for one test; the process's logging set up as before afterwards."""
    factory = logging.getLogRecordFactory()
    try:
        yield (log_filter := protect(['known-secret-value']))
    finally:
        logging.setLogRecordFactory(factory)
        loggers = [logging.getLogger(name) for name in ('', *logging.root.manager.loggerDict)]
        for filterer in [*loggers, *(h for logger in loggers for h in logger.handlers),
                         logging.lastResort]:
            if filterer is not None and log_filter in filterer.filters:
                filterer.removeFilter(log_filter)


def test_every_logger_and_handler_is_covered(protected: RedactingFilter,
                                             tmp_path: Path) -> None:
    # A handler and a child logger made after protect(), as pywikibot's init_handlers()
    # replaces its handlers and logs on 'pywiki.<layer>'.
    logger = logging.getLogger('pywiki.test_redaction.layer')
    handler = logging.FileHandler(tmp_path / 'test.log', encoding='utf-8')
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug("Body: 'lgpassword=%s&token=abc%%2B%%5C'", 'child-logger-secret')
        logger.warning('known-secret-value in free text')
        with warnings.catch_warnings():
            logging.captureWarnings(True)
            logging.getLogger('py.warnings').addHandler(handler)
            warnings.warn('seen BotPassword(\'app\', \'warned-secret\')', UserWarning,
                          stacklevel=1)
    finally:
        logging.captureWarnings(False)
        logging.getLogger('py.warnings').removeHandler(handler)
        logger.removeHandler(handler)
        handler.close()
    text = (tmp_path / 'test.log').read_text()
    for secret in ('child-logger-secret', 'abc%2B', 'known-secret-value', 'warned-secret'):
        assert secret not in text, text
    assert f'lgpassword={R}&token={R}' in text
    assert protect() is protected  # again: the same redaction, not a second one


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_log_files_stay_private_through_rotation(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        folder = tmp_path / 'logs'
        folder.mkdir()
        (folder / 'older-bot.log.1').write_text('from an older version\n')
        handler = logging.handlers.RotatingFileHandler(
            folder / 'bot.log', maxBytes=200, backupCount=3, encoding='utf-8')
        assert _mode(folder / 'bot.log') == 0o644
        keep_private(handler)
        secure_folder(folder)
        logger = logging.getLogger('test_redaction.rotation')
        logger.addHandler(handler)
        logger.propagate = False
        try:
            for n in range(40):
                logger.warning('line %d of the log, long enough to rotate soon', n)
        finally:
            logger.removeHandler(handler)
            handler.close()
    finally:
        os.umask(old)
    files = sorted(folder.iterdir())
    assert len(files) == 5, files  # bot.log, bot.log.1-3, older-bot.log.1
    assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert _mode(folder) == 0o700


def test_private_files_sets_the_umask_for_the_block(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with private_files():
            (tmp_path / 'logs').mkdir()
            (tmp_path / 'logs' / 'commands.log').write_text('x')
        (tmp_path / 'after').write_text('x')
    finally:
        os.umask(old)
    assert _mode(tmp_path / 'logs') == 0o700
    assert _mode(tmp_path / 'logs' / 'commands.log') == 0o600
    assert _mode(tmp_path / 'after') == 0o644


@pytest.mark.parametrize('text', [
    'a=' * 100_000, '%3D' * 70_000, "'k': '" * 35_000, "'token': ['a', " * 15_000,
    "'lgpassword': '" * 15_000, 'lgpassword=' * 20_000, "BotPassword('" * 15_000,
    '\\' * 200_000, "'" * 200_000, 'x' * 200_000, '"k": "\\' * 30_000,
], ids=lambda text: repr(text[:12]))
def test_long_hostile_text_takes_linear_time(text: str) -> None:
    # A page a vandal saves ends up in the -debug log (the edit's body): no rule may
    # backtrack over it. Linear: some 50 ms for 200 KB; quadratic: minutes.
    start = time.perf_counter()
    Redactor()(text)
    assert time.perf_counter() - start < 3


def test_redact_uses_what_the_log_redaction_knows(protected: RedactingFilter) -> None:
    from leadership_bot.wiki.redaction import redact

    assert redact('failed: known-secret-value, lgpassword=x%20y') == (
        f'failed: {R}, lgpassword={R}')
