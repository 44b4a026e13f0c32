"""No secret in any log file or output, at every verbosity; log files private on disk.

The bot runs as an operator would, with ``-debug -log -v``, against the local wiki: with
the BotPassword, with a wrong one (a failed login), and with a main-account password
(``clientlogin``), right and wrong. pywikibot logs every API request's body at
``-debug``, so each run's login carries a password and a login token, and each edit a
CSRF token. Every file under the pywikibot folder's ``logs/`` and the captured
stdout/stderr are then searched for the test credentials, the session cookies and any
``password=``/``token=`` not followed by the redaction mark.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from devwiki.localwiki import (
    ADMIN,
    BOT,
    BOT_PASSWORD_APP,
    BOT_PASSWORD_TOKEN,
    REVIEWER,
    LocalWiki,
)
from leadership_bot.wiki.redaction import REDACTED

from .botrun import Result, run_bot, write_config

WRONG_BOT_PASSWORD_TOKEN = 'wrong0botpassword0token0000000000'
WRONG_PASSWORD = 'Wrong-' + BOT.password
CREDENTIALS = (BOT_PASSWORD_TOKEN, WRONG_BOT_PASSWORD_TOKEN, ADMIN.password, BOT.password,
               REVIEWER.password, WRONG_PASSWORD)
# A secret key's value that is not the mark: lgpassword=…, password%3D…, 'lgtoken': '…'
UNREDACTED = re.compile(
    r'''(?:pass(?:word|wd)|token|session|secret)['"]?(?:=|%(?:25)*3[dD]|\s*:\s*['"\[])'''
    rf'''(?!['"\[]*{re.escape(REDACTED)})''', re.IGNORECASE)

# pywikibot's log file, named after the script (python -m leadership_bot: __main__), and its
# rotated copies (pywikibot names them <script>-bot.1.log …).
LOG = '__main__-bot.log'
ROTATED = re.compile(r'[\w.-]+-bot\.\d+\.log')


@dataclasses.dataclass(frozen=True)
class Login:
    """How one run logs in, and what its log must show."""

    name: str
    password_line: str
    code: int  # exit code: 1 when the login fails
    login_request: str  # the redacted login request in the -debug log


LOGINS = [
    Login('botpassword',
          f'({BOT.name!r}, BotPassword({BOT_PASSWORD_APP!r}, {BOT_PASSWORD_TOKEN!r}))',
          0, f'action=login&lgname={BOT.name}%40{BOT_PASSWORD_APP}&lgpassword={REDACTED}&'),
    Login('wrong-botpassword',
          f'({BOT.name!r}, BotPassword({BOT_PASSWORD_APP!r}, {WRONG_BOT_PASSWORD_TOKEN!r}))',
          1, f'action=login&lgname={BOT.name}%40{BOT_PASSWORD_APP}&lgpassword={REDACTED}&'),
    Login('main-account', f'({BOT.name!r}, {BOT.password!r})',
          0, f'action=clientlogin&username={BOT.name}&password={REDACTED}&'),
    Login('wrong-main-account', f'({BOT.name!r}, {WRONG_PASSWORD!r})',
          1, f'action=clientlogin&username={BOT.name}&password={REDACTED}&'),
]


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    """The usual umask for the bot's process (it inherits ours): files 644, folders 755."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cookie_values(folder: Path) -> set[str]:
    """The session cookies pywikibot saved (``pywikibot-<user>.lwp``)."""
    values: set[str] = set()
    for jar in folder.glob('*.lwp'):
        for match in re.finditer(r'^Set-Cookie3: (\w+)="?([^";]+)', jar.read_text(), re.M):
            if re.search('session|token', match[1], re.I) and len(match[2]) >= 8:
                values.add(match[2])
    return values


def leaks(text: str, secrets: set[str]) -> list[str]:
    """Every secret in the text, and every unredacted value of a secret key (with context)."""
    found = [f'secret {secret[:4]}… present' for secret in secrets if secret in text]
    found += [text[max(0, m.start() - 40):m.end() + 20] for m in UNREDACTED.finditer(text)]
    return found


@pytest.fixture(scope='module')
def runs(local_wiki: LocalWiki, tmp_path_factory: pytest.TempPathFactory,
         ) -> dict[str, tuple[Path, Result]]:
    """One run per login, each in its own pywikibot folder (no saved cookies), umask 022."""
    results: dict[str, tuple[Path, Result]] = {}
    for login in LOGINS:
        base = tmp_path_factory.mktemp(f'secrets-{login.name}')
        folder = local_wiki.write_pywikibot_dir(base / 'pywikibot')
        (folder / 'user-password.py').write_text(login.password_line + '\n')
        # Small log files, so that pywikibot rotates them during the run (none dropped).
        with (folder / 'user-config.py').open('a') as user_config:
            user_config.write('logfilesize = 16\nlogfilecount = 50\n')
        if login.name == 'main-account':  # logs an older version left world-readable
            (folder / 'logs').mkdir(mode=0o755)
            for name in (LOG, 'leadership-bot-bot.1.log'):
                (folder / 'logs' / name).write_text('an older run\n')
                (folder / 'logs' / name).chmod(0o644)
        config = write_config(base / 'config.yaml', {'site': 'local:local', 'pages': {
            'request_prefix': f'Test secrets {login.name}/',
            'report': f'Test secrets {login.name} report'}})
        with umask(0o022):
            result = run_bot(folder, 'report', f'-settings:{config}', '-debug', '-log', '-v')
        results[login.name] = folder, result
    return results


@pytest.mark.parametrize('login', LOGINS, ids=[login.name for login in LOGINS])
def test_no_secret_in_logs_or_output(runs: dict[str, tuple[Path, Result]],
                                     login: Login) -> None:
    folder, result = runs[login.name]
    assert result.code == login.code, result.stderr[-3000:]
    if login.code:
        assert 'Incorrect username or password' in result.stderr, result.stderr[-3000:]
    secrets = set(CREDENTIALS) | cookie_values(folder)
    logs = sorted(path for path in (folder / 'logs').rglob('*') if path.is_file())
    texts = {str(path): path.read_text(encoding='utf-8', errors='replace') for path in logs}
    texts.update(stdout=result.stdout, stderr=result.stderr)
    problems = {name: found for name, text in texts.items() if (found := leaks(text, secrets))}
    assert problems == {}
    # The test means something: the login request and its tokens were logged, redacted,
    # and pywikibot rotated its log file.
    log = '\n'.join(texts[str(path)] for path in logs)
    assert login.login_request in log
    assert re.search(f'(?:lg|login)token={re.escape(REDACTED)}', log)
    if login.code == 0:
        assert f'&token={REDACTED}' in log  # the CSRF token of the report's edit
        assert cookie_values(folder)
    assert any(ROTATED.fullmatch(path.name) for path in logs), logs


@pytest.mark.parametrize('login', LOGINS, ids=[login.name for login in LOGINS])
def test_log_files_are_private(runs: dict[str, tuple[Path, Result]], login: Login) -> None:
    folder, _ = runs[login.name]
    assert mode(folder / 'logs') == 0o700
    files = sorted(path for path in (folder / 'logs').iterdir())
    assert {'commands.log', LOG} <= {path.name for path in files}
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_shared_pywikibot_dir_logs_hold_no_secret(pywikibot_dir: Path) -> None:
    """Whatever the rest of the suite logged in the session's pywikibot folder."""
    secrets = set(CREDENTIALS) | cookie_values(pywikibot_dir)
    for path in (pywikibot_dir / 'logs').rglob('*'):
        if path.is_file():
            assert leaks(path.read_text(encoding='utf-8', errors='replace'), secrets) == [], path
