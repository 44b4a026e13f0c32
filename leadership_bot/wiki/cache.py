"""A local cache of what earlier runs read, so a run asks the wiki only what changed.

SQLite in pywikibot's folder (next to ``user-config.py``), one file per site. Every
entry is keyed by revision ids, so a stale entry is never used. The cache only saves
time: a missing, old or damaged file means a full read, never a wrong result, and the
wiki stays the source of truth for everything the bot decides (notably the notice
ledger).

Runs may overlap (a manual run during the scheduled one): the file is in WAL mode, so
readers never wait, and every write is its own short transaction. A run that finds the
file busy for longer than :data:`LOCK_WAIT` goes on without the cache (or without
writing to it); it never deletes it. A damaged file is moved aside (``….damaged-TIME``),
not unlinked, since another run may have it open.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from leadership_bot.core.model import RequestPage, Revision

SCHEMA = 3
LOCK_WAIT = 10.0  # seconds to wait for another run's write before going without
_log = logging.getLogger('leadership-bot.cache')  # not pywiki's: its formatters need more
_T = TypeVar('_T')
_TABLES = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (title TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revisions (revid INTEGER PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS texts (title TEXT PRIMARY KEY, revid INTEGER NOT NULL,
    text TEXT NOT NULL);
"""


def _guarded(default: Callable[[], Any]) -> Callable[[Callable[..., _T]], Callable[..., _T]]:
    """A cache method that gives ``default()`` instead of failing when the file is busy
    or breaks mid-run: the run goes on without the cache."""
    def wrap(method: Callable[..., _T]) -> Callable[..., _T]:
        @functools.wraps(method)
        def guarded(self: Cache, *args: Any, **kwargs: Any) -> _T:
            if self.db is None:
                return default()  # type: ignore[no-any-return]
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                self.disable(exc)
                return default()  # type: ignore[no-any-return]
        return guarded
    return wrap


class Cache:
    """The cache of one site; use :func:`opened` around a run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection | None = _open(path)

    def disable(self, exc: BaseException) -> None:
        """Go on without the cache for the rest of the run (the file stays as it is)."""
        _log.warning(f'run cache {self.path} not usable now ({exc}); going on without it')
        self.close()

    def close(self) -> None:
        """Close the file (every write is committed already)."""
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self.db is None:
            raise sqlite3.ProgrammingError('the cache is closed')
        return self.db

    def _write(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """One short write transaction (BEGIN IMMEDIATE: waits up to LOCK_WAIT)."""
        db = self._db
        db.execute('BEGIN IMMEDIATE')
        try:
            db.executemany(sql, rows)
        except BaseException:
            db.execute('ROLLBACK')
            raise
        db.execute('COMMIT')

    # -- request pages -------------------------------------------------------

    @_guarded(dict)
    def pages(self, titles: Iterable[str]) -> dict[str, RequestPage]:
        """Cached request pages by title (any revision; compare ``revid``)."""
        found: dict[str, RequestPage] = {}
        for title in titles:
            row = self._db.execute('SELECT value FROM pages WHERE title = ?', (title,)).fetchone()
            if row:
                data = json.loads(row[0])
                data['timestamp'] = _time(data['timestamp'])
                found[title] = RequestPage(title=title, **data)
        return found

    @_guarded(lambda: None)
    def store_pages(self, pages: Iterable[RequestPage], keep: Iterable[str]) -> None:
        """Store fresh pages and forget pages no longer listed."""
        rows = []
        for page in pages:
            data = dataclasses.asdict(page)
            del data['title']
            data['timestamp'] = page.timestamp.isoformat() if page.timestamp else None
            rows.append((page.title, json.dumps(data)))
        self._write('INSERT OR REPLACE INTO pages VALUES (?, ?)', rows)
        kept = set(keep)
        stale = [(t,) for (t,) in self._db.execute('SELECT title FROM pages') if t not in kept]
        self._write('DELETE FROM pages WHERE title = ?', stale)

    # -- derived data --------------------------------------------------------

    @_guarded(lambda: None)
    def forget_users(self, names: Iterable[str] | None) -> None:
        """Forget cached users (all when ``None``): a rename made the names free."""
        if names is None:
            self._write('DELETE FROM users', [()])
        else:
            self._write('DELETE FROM users WHERE name = ?', [(n,) for n in names])

    @_guarded(dict)
    def revisions(self, revids: Iterable[int]) -> dict[int, Revision]:
        """Cached revision summaries by id (a revision never changes; revision deletion
        only hides, and a hidden revision is stored as unreadable only once read so)."""
        found: dict[int, Revision] = {}
        for revid in set(revids):
            row = self._db.execute('SELECT value FROM revisions WHERE revid = ?',
                                  (revid,)).fetchone()
            if row:
                data = json.loads(row[0])
                data['timestamp'] = dt.datetime.fromisoformat(data['timestamp'])
                found[revid] = Revision(revid=revid, **data)
        return found

    @_guarded(lambda: None)
    def store_revisions(self, revisions: Iterable[Revision]) -> None:
        """Remember revision summaries."""
        rows = []
        for revision in revisions:
            data = dataclasses.asdict(revision)
            del data['revid'], data['moved']
            data['timestamp'] = revision.timestamp.isoformat()
            rows.append((revision.revid, json.dumps(data)))
        self._write('INSERT OR REPLACE INTO revisions VALUES (?, ?)', rows)

    @_guarded(dict)
    def user_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Name -> user id of the names known to exist."""
        found: dict[str, int] = {}
        for name in names:
            row = self._db.execute('SELECT id FROM users WHERE name = ?', (name,)).fetchone()
            if row:
                found[name] = int(row[0])
        return found

    @_guarded(lambda: None)
    def store_user_ids(self, ids: dict[str, int]) -> None:
        """Remember existing users and their ids."""
        self._write('INSERT OR REPLACE INTO users VALUES (?, ?)', list(ids.items()))

    @_guarded(lambda: None)
    def text(self, title: str, revid: int) -> str | None:
        """A page's text at this revision, if cached."""
        row = self._db.execute('SELECT text FROM texts WHERE title = ? AND revid = ?',
                              (title, revid)).fetchone()
        return row[0] if row else None

    @_guarded(lambda: None)
    def store_text(self, title: str, revid: int, text: str) -> None:
        """Remember a page's text at a revision."""
        self._write('INSERT OR REPLACE INTO texts VALUES (?, ?, ?)', [(title, revid, text)])

    # -- run state -----------------------------------------------------------

    @_guarded(lambda: None)
    def get(self, key: str) -> Any:
        """A state value (JSON), or ``None``."""
        row = self._db.execute('SELECT value FROM state WHERE key = ?', (key,)).fetchone()
        return json.loads(row[0]) if row else None

    @_guarded(lambda: None)
    def put(self, key: str, value: Any) -> None:
        """Set a state value (JSON)."""
        self._write('INSERT OR REPLACE INTO state VALUES (?, ?)', [(key, json.dumps(value))])


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _open(path: Path) -> sqlite3.Connection:
    """Open (or create) the cache; a damaged or foreign file is moved aside, and a new one
    made. Raises :class:`sqlite3.OperationalError` when another run keeps it busy."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path)
    except sqlite3.OperationalError as exc:
        if _busy(exc):
            raise
        _move_aside(path)
    except (sqlite3.DatabaseError, ValueError):
        _move_aside(path)
    return _connect(path)


def _busy(exc: sqlite3.Error) -> bool:
    return 'locked' in str(exc) or 'busy' in str(exc)


def _move_aside(path: Path) -> None:
    """Rename a damaged cache (and its WAL files): a run that has it open keeps its copy."""
    stamp = dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%S%f')
    for suffix in ('', '-wal', '-shm', '-journal'):
        part = Path(f'{path}{suffix}')
        if part.exists():
            part.rename(f'{path}.damaged-{stamp}{suffix}')
    _log.warning(f'run cache {path} was damaged; moved aside, starting a new one')


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None)
    try:
        if db.execute('PRAGMA journal_mode=WAL').fetchone()[0] != 'wal':
            raise sqlite3.OperationalError('database is locked (cannot switch to WAL)')
        db.execute('PRAGMA synchronous=NORMAL')
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'state'").fetchone():
            db.executescript(_TABLES)  # IF NOT EXISTS: two new runs may race here
            db.execute("INSERT OR IGNORE INTO state VALUES ('schema', ?)", (str(SCHEMA),))
        row = db.execute("SELECT value FROM state WHERE key = 'schema'").fetchone()
        if not row or json.loads(row[0]) != SCHEMA:
            raise sqlite3.DatabaseError('cache written by another version')
    except BaseException:
        db.close()
        raise
    return db


@contextlib.contextmanager
def opened(path: Path | None) -> Iterator[Cache | None]:
    """The cache at ``path`` for the duration of a run (``None``: no cache)."""
    if path is None:
        yield None
        return
    try:
        cache = Cache(path)
    except sqlite3.Error as exc:  # busy: another run has it
        _log.warning(f'run cache {path} is busy ({exc}); running without it')
        yield None
        return
    try:
        yield cache
    finally:
        cache.close()
