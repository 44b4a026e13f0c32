"""A throwaway MediaWiki on 127.0.0.1 for the demo and the integration tests.

Debian's ``mediawiki`` package, an SQLite database under ``root`` and PHP's built-in web
server: no Apache, no MySQL, no root rights at run time. Standard library only, so that
``scripts/local-wiki`` and the test fixtures work before anything else is importable.

    python -m devwiki.localwiki start|stop|status|reset [--port N] [--dir D]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

MEDIAWIKI_DIR = Path('/usr/share/mediawiki')
HOST = '127.0.0.1'
DEFAULT_PORT = 8181  # the CLI's port when none is given or recorded; tests pick a free one
DEFAULT_DIR = Path(__file__).resolve().parent.parent / '.local-wiki'
SITE_NAME = 'Local Wiki'


@dataclass(frozen=True)
class Account:
    """A wiki account of the local wiki; passwords are fixed because the wiki is loopback-only."""

    name: str
    password: str
    groups: tuple[str, ...] = ()


ADMIN = Account('Admin', 'AdminPass-12345', ('sysop', 'bureaucrat'))
BOT = Account('LeadershipBot', 'BotPass-12345', ('bot',))
# A plain user: the bot learns reviewers from a wiki page, not from a group.
REVIEWER = Account('Reviewer', 'ReviewerPass-12345')

# The bot logs in as LeadershipBot@leadership with this BotPassword, as an operator would.
BOT_PASSWORD_APP = 'leadership'
BOT_PASSWORD_TOKEN = 'localwiki0botpassword0token00000'  # MediaWiki wants at least 32 chars
BOT_GRANTS = (
    'basic', 'highvolume', 'editpage', 'editprotected', 'createeditmovepage', 'protect',
    'delete', 'patrol', 'rollback', 'editmyoptions', 'editmywatchlist', 'viewmywatchlist',
)

_SETTINGS_BEGIN = '# BEGIN devwiki/localwiki.py settings'
_SETTINGS_END = '# END devwiki/localwiki.py settings'
_SETTINGS = f"""
{_SETTINGS_BEGIN}
wfLoadExtension( 'ParserFunctions' );
wfLoadExtension( 'TemplateData' );
wfLoadExtension( 'InputBox' );
# Renames (Special:RenameUser, maintenance/renameUser.php) as on Wikimedia wikis.
wfLoadExtension( 'Renameuser' );
# Lua modules (Module:…) with the engine Wikimedia runs; the standalone Lua 5.1
# interpreter where PHP has no luasandbox extension.
wfLoadExtension( 'Scribunto' );
$wgScribuntoDefaultEngine = extension_loaded( 'luasandbox' ) ? 'luasandbox' : 'luastandalone';
$wgScribuntoEngineConf['luastandalone']['luaPath'] = '/usr/bin/lua5.1';
# VisualEditor for everyone, as on Wikimedia wikis (Parsoid runs inside MediaWiki 1.39).
wfLoadExtension( 'VisualEditor' );
$wgDefaultUserOptions['visualeditor-enable'] = 1;

# The port can change between starts; LocalWiki records it next to this file.
$localWikiPort = trim( (string)@file_get_contents( __DIR__ . '/port' ) );
$wgServer = 'http://{HOST}' . ( $localWikiPort === '' ? '' : ":$localWikiPort" );

$wgShowExceptionDetails = true;
$wgEnableUploads = false;
$wgEnableEmail = false;
$wgEnableBotPasswords = true;
# Wikimedia wikis exempt bots from rate limits; a default MediaWiki does not.
$wgGroupPermissions['bot']['noratelimit'] = true;
# Admins hide revisions (revision deletion) as on Wikimedia wikis; a default 1.39 does not.
$wgGroupPermissions['sysop']['deleterevision'] = true;
# Seeding makes more than 90 edits a minute per test user (the default 'user' limit).
$wgGroupPermissions['user']['noratelimit'] = true;
# Tests create many accounts and log in many times, all from 127.0.0.1.
$wgAccountCreationThrottle = [ [ 'count' => 0, 'seconds' => 86400 ] ];
$wgPasswordAttemptThrottle = [];
$wgPasswordPolicy['policies'] = [
\t'default' => [ 'MinimalPasswordLength' => 1, 'MaximalPasswordLength' => 4096 ],
];
# A loopback wiki needs no slow hashes: 30000 -> 1000 rounds saves ~40 ms per login.
$wgPasswordConfig['pbkdf2']['cost'] = '1000';
# Keep recent changes of old seeded edits (default: 90 days).
$wgRCMaxAge = 20 * 365 * 86400;
$wgMainCacheType = CACHE_NONE;
# php -S does not run jobs after API requests reliably; LocalWiki.run_jobs() runs them.
$wgJobRunRate = 0;
$wgLogos = [ '1x' => "$wgResourceBasePath/resources/assets/mediawiki.png" ];
{_SETTINGS_END}
"""


# Everything LocalWiki writes under its root; reset() deletes nothing else.
_OWN_FILES = frozenset({'LocalSettings.php', 'data', 'port', 'server.pid', 'server.log',
                        'opcache', 'pywikibot'})


class LocalWikiError(RuntimeError):
    """The local wiki cannot be installed, started or driven."""


class LocalWiki:
    """One local wiki: its files live under ``root``, its server listens on 127.0.0.1."""

    def __init__(self, root: Path, port: int | None = None,
                 mediawiki_dir: Path = MEDIAWIKI_DIR, php: str = 'php') -> None:
        self.root = Path(root).resolve()
        self.mediawiki_dir = mediawiki_dir
        self.php = php
        self._port = port
        self._process: subprocess.Popen[bytes] | None = None

    # -- paths and URLs --------------------------------------------------------------------

    @property
    def settings_file(self) -> Path:
        return self.root / 'LocalSettings.php'

    @property
    def log_file(self) -> Path:
        return self.root / 'server.log'

    @property
    def _port_file(self) -> Path:
        return self.root / 'port'

    @property
    def _pid_file(self) -> Path:
        return self.root / 'server.pid'

    @property
    def recorded_port(self) -> int | None:
        """The port of the last start, if any."""
        try:
            return int(self._port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def port(self) -> int:
        """The given port, else the recorded one; :meth:`start` picks a free one if neither."""
        port = self._port or self.recorded_port
        if port is None:
            raise LocalWikiError(f'{self.root}: no port given or recorded yet; start the wiki')
        return port

    @property
    def base_url(self) -> str:
        return f'http://{HOST}:{self.port}'

    @property
    def api_url(self) -> str:
        return f'{self.base_url}/api.php'

    @property
    def index_url(self) -> str:
        return f'{self.base_url}/index.php'

    # -- installation -----------------------------------------------------------------------

    def install(self) -> None:
        """Install MediaWiki, our settings, the accounts and the bot password; idempotent."""
        self._check_prerequisites()
        self.root.mkdir(parents=True, exist_ok=True)
        if not self.settings_file.exists():
            # install.php writes LocalSettings.php last: without it, the data is a half install.
            for leftover in (self.root / 'data').glob('wiki*.sqlite*'):
                leftover.unlink()
            self._run_php(
                'maintenance/install.php', '--dbtype', 'sqlite',
                '--dbpath', str(self.root / 'data'), '--dbname', 'wiki',
                '--confpath', str(self.root), '--server', f'http://{HOST}',
                '--scriptpath', '', '--lang', 'en', '--pass', ADMIN.password,
                '--skins', 'Vector', SITE_NAME, ADMIN.name,
                config=False,
            )
            # WAL lets readers go on while a worker writes: parallel edits ~25% faster and
            # fewer "database is locked" waits. The mode is stored in the file.
            for name in ('wiki', 'wikicache', 'wiki_jobqueue'):
                database = self.root / 'data' / f'{name}.sqlite'
                with contextlib.closing(sqlite3.connect(database)) as db:
                    db.execute('PRAGMA journal_mode=WAL')
        text = self.settings_file.read_text()
        if _SETTINGS not in text:
            # Replace an older block, so an existing wiki follows changes to this file.
            head, _, rest = text.partition(_SETTINGS_BEGIN)
            tail = rest.partition(_SETTINGS_END)[2] if rest else ''
            self.settings_file.write_text(
                head.rstrip('\n') + '\n' + _SETTINGS + tail.lstrip('\n'))
        users = self._query_db('SELECT user_name FROM user')
        for account in (BOT, REVIEWER):
            if (account.name,) not in users:
                roles = [f'--{group}' for group in account.groups]
                self.maintenance('createAndPromote', '--force', *roles,
                                 account.name, account.password)
        if not self._query_db(
            'SELECT 1 FROM bot_passwords JOIN user ON bp_user = user_id'
            ' WHERE user_name = ? AND bp_app_id = ?', BOT.name, BOT_PASSWORD_APP,
        ):
            self.maintenance('createBotPassword', '--appid', BOT_PASSWORD_APP,
                             '--grants', ','.join(BOT_GRANTS), BOT.name, BOT_PASSWORD_TOKEN)

    def _check_prerequisites(self) -> None:
        if shutil.which(self.php) is None or not (
                self.mediawiki_dir / 'maintenance' / 'install.php').exists():
            raise LocalWikiError(
                f'need {self.php!r} and MediaWiki in {self.mediawiki_dir}: run scripts/setup '
                '(Debian packages mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml '
                'php-luasandbox)')

    def _query_db(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.root / 'data' / 'wiki.sqlite', timeout=30) as db:
            return db.execute(sql, params).fetchall()

    # -- server -----------------------------------------------------------------------------

    def start(self, timeout: float = 60.0) -> None:
        """Install if needed, start ``php -S`` in its own session and wait for the API."""
        if self.is_running():
            if self._port is not None and self._port != self.recorded_port:
                raise LocalWikiError(
                    f'{self.root}: already running on port {self.recorded_port}, not {self._port}')
            return
        self.install()
        port = self._port or self.recorded_port or _free_port()
        if not _port_is_free(port):
            raise LocalWikiError(f'port {port} on {HOST} is in use; choose another port')
        self._port = port
        self._port_file.write_text(f'{port}\n')
        env = dict(os.environ, MW_CONFIG_FILE=str(self.settings_file),
                   PHP_CLI_SERVER_WORKERS='4')
        opcache = self.root / 'opcache'
        opcache.mkdir(exist_ok=True)
        with self.log_file.open('ab') as log:
            # php -S forks workers that outlive a killed parent: give it its own process
            # group so stop() can end them all.
            self._process = subprocess.Popen(
                # opcache's file cache keeps compiled MediaWiki across restarts (0.4 -> 0.1 s).
                [self.php, '-d', f'opcache.file_cache={opcache}', '-S', f'{HOST}:{port}',
                 '-t', str(self.mediawiki_dir)],
                cwd=self.mediawiki_dir, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._pid_file.write_text(f'{self._process.pid}\n')
        deadline = time.monotonic() + timeout
        while True:
            code = self._process.poll()
            if code is not None:
                self.stop()
                raise LocalWikiError(f'php -S exited with code {code}\n{self._log_tail()}')
            if self._api_answers():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise LocalWikiError(
                    f'{self.api_url} did not answer within {timeout:.0f} s\n{self._log_tail()}')
            time.sleep(0.05)

    @contextlib.contextmanager
    def running(self) -> Iterator[LocalWiki]:
        """Start the wiki for a ``with`` block and stop it afterwards, whatever happens."""
        try:
            self.start()
            yield self
        finally:
            self.stop()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and all its workers: SIGTERM to the group, then SIGKILL."""
        pgid = self._server_group()
        if pgid is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pgid, sig)
                deadline = time.monotonic() + timeout / 2
                while _group_members(pgid) and time.monotonic() < deadline:
                    self._reap()
                    time.sleep(0.02)
                if not _group_members(pgid):
                    break
            else:
                raise LocalWikiError(f'process group {pgid} survived SIGKILL')
        self._reap()
        self._pid_file.unlink(missing_ok=True)
        self._process = None

    def is_running(self) -> bool:
        """Whether the recorded server (or any of its workers) is alive."""
        return self._server_group() is not None

    def reset(self) -> None:
        """Stop the server and delete the wiki with all its data."""
        self.stop()
        if self.root.exists():
            strangers = {path.name for path in self.root.iterdir()} - _OWN_FILES
            if strangers:
                raise LocalWikiError(f'not deleting {self.root}: it also holds '
                                     f'{", ".join(sorted(strangers))}')
            shutil.rmtree(self.root)

    def _server_group(self) -> int | None:
        """The recorded server's process group, if a php process is still in it."""
        try:
            pgid = int(self._pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        # Workers can outlive their parent; a recycled pid is no php.
        members = _group_members(pgid)
        return pgid if any(b'php' in cmd[0] for cmd in members if cmd) else None

    def _reap(self) -> None:
        if self._process is not None:
            self._process.poll()

    def _api_answers(self) -> bool:
        url = f'{self.api_url}?action=query&meta=siteinfo&format=json'
        # No proxy for loopback, whatever http_proxy says.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=5) as response:
                return 'query' in json.load(response)
        except (OSError, ValueError):
            return False

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return '\n'.join(self.log_file.read_text(errors='replace').splitlines()[-lines:])
        except OSError:
            return '(no server log)'

    # -- maintenance ------------------------------------------------------------------------

    def maintenance(self, script: str, *args: str, stdin: str | None = None) -> str:
        """Run ``maintenance/SCRIPT.php`` against this wiki and return its output."""
        name = script if script.endswith('.php') else f'{script}.php'
        return self._run_php(f'maintenance/{name}', *args, stdin=stdin)

    def rename_user(self, old: str, new: str, performer: str = 'Admin') -> str:
        """Rename an account (Renameuser's maintenance script: the account and its edits
        only; Special:RenameUser would also move the user's pages, so move those through
        the API where a test needs them moved)."""
        output = self._run_php(
            f'{self.mediawiki_dir}/extensions/Renameuser/maintenance/renameUser.php',
            '--oldname', old, '--newname', new, '--performer', performer,
            '--reason', 'test rename')
        self.run_jobs()  # the rename itself runs as a job
        return output

    def run_jobs(self) -> str:
        """Run the job queue (link tables, categories after template edits)."""
        return self.maintenance('runJobs', '--quiet')

    def _run_php(self, *args: str, stdin: str | None = None, config: bool = True) -> str:
        env = dict(os.environ)
        if config:
            env['MW_CONFIG_FILE'] = str(self.settings_file)
        result = subprocess.run(
            [self.php, *args], cwd=self.mediawiki_dir, env=env, input=stdin, text=True,
            capture_output=True, check=False)
        if result.returncode != 0:
            raise LocalWikiError(
                f'php {" ".join(args)} failed with code {result.returncode}:\n'
                f'{result.stdout}{result.stderr}'.rstrip())
        return result.stdout

    # -- pywikibot --------------------------------------------------------------------------

    def write_pywikibot_dir(self, path: Path | None = None) -> Path:
        """Write a pywikibot folder (user-config.py, user-password.py) for the bot account."""
        folder = Path(path) if path is not None else self.root / 'pywikibot'
        folder.mkdir(parents=True, exist_ok=True)
        (folder / 'user-config.py').write_text(
            '# Written by devwiki/localwiki.py for the local wiki; rewritten on every start.\n'
            f"family_files['local'] = {self.api_url!r}\n"
            "family = 'local'\n"
            "mylang = 'local'\n"
            f"usernames['local']['local'] = {BOT.name!r}\n"
            "password_file = 'user-password.py'\n"
            '# pywikibot waits minthrottle before every request, reads included.\n'
            'minthrottle = 0\n'
            'put_throttle = 0\n'
            'noisysleep = 60.0\n')
        password_file = folder / 'user-password.py'
        password_file.touch(mode=0o600)
        password_file.chmod(0o600)
        password_file.write_text(
            f'({BOT.name!r}, BotPassword({BOT_PASSWORD_APP!r}, {BOT_PASSWORD_TOKEN!r}))\n')
        return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def _group_members(pgid: int) -> list[list[bytes]]:
    """Command lines of the live (not zombie) processes in process group ``pgid``."""
    members = []
    for proc in Path('/proc').glob('[0-9]*'):
        try:
            # Fields after the parenthesised command name: state, ppid, pgrp, ...
            fields = (proc / 'stat').read_text().rpartition(')')[2].split()
            if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != 'Z':
                members.append((proc / 'cmdline').read_bytes().split(b'\0'))
        except (OSError, ValueError):
            continue
    return members


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m devwiki.localwiki', description='Run the local test wiki.')
    parser.add_argument('command', choices=['start', 'stop', 'status', 'reset'])
    parser.add_argument('--port', type=int, help=f'default: the recorded one, else {DEFAULT_PORT}')
    parser.add_argument('--dir', type=Path, default=DEFAULT_DIR,
                        help='where the wiki lives (default: %(default)s)')
    args = parser.parse_args(argv)
    wiki = LocalWiki(args.dir, args.port)
    try:
        if args.command == 'start':
            if args.port is None and wiki.recorded_port is None:
                wiki = LocalWiki(args.dir, DEFAULT_PORT)
            wiki.start()
            folder = wiki.write_pywikibot_dir()
            print(f'wiki running at {wiki.index_url} (api: {wiki.api_url})')
            print(f'pywikibot dir: {folder}  (use PYWIKIBOT_DIR={folder} or -dir:{folder})')
            print(f'accounts: {ADMIN.name} / {ADMIN.password}, {REVIEWER.name} / '
                  f'{REVIEWER.password}, bot {BOT.name}@{BOT_PASSWORD_APP}')
        elif args.command == 'stop':
            wiki.stop()
            print('wiki stopped')
        elif args.command == 'status':
            if not wiki.is_running():
                print(f'wiki in {wiki.root} is not running')
                return 1
            print(f'wiki running at {wiki.index_url}')
        else:
            wiki.reset()
            print(f'wiki stopped and {wiki.root} deleted')
    except LocalWikiError as error:
        print(f'local wiki: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
