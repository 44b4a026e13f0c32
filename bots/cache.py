"""A local cache of what earlier runs read, so a run asks the wiki only what changed.

SQLite in pywikibot's folder (next to ``user-config.py``), one file per site. Every
entry is keyed by revision ids, so a stale entry is never used; a run writes its
changes in one transaction. The cache only saves time: a missing, old or corrupt file
means a full read, never a wrong result, and the wiki stays the source of truth for
everything the bot decides (notably the notice ledger).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bots.model import RequestPage, Revision

SCHEMA = 3
_TABLES = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (title TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS revisions (revid INTEGER PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS texts (title TEXT PRIMARY KEY, revid INTEGER NOT NULL,
    text TEXT NOT NULL);
"""


class Cache:
    """The cache of one site; use as a context manager around a run's reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = _open(path)

    def close(self) -> None:
        """Commit what the run wrote and close the file."""
        with contextlib.suppress(sqlite3.Error):
            self.db.commit()
            self.db.close()

    # -- request pages -------------------------------------------------------

    def pages(self, titles: Iterable[str]) -> dict[str, RequestPage]:
        """Cached request pages by title (any revision; compare ``revid``)."""
        found: dict[str, RequestPage] = {}
        for title in titles:
            row = self.db.execute('SELECT value FROM pages WHERE title = ?', (title,)).fetchone()
            if row:
                data = json.loads(row[0])
                data['timestamp'] = _time(data['timestamp'])
                found[title] = RequestPage(title=title, **data)
        return found

    def store_pages(self, pages: Iterable[RequestPage], keep: Iterable[str]) -> None:
        """Store fresh pages and forget pages no longer listed."""
        rows = []
        for page in pages:
            data = dataclasses.asdict(page)
            del data['title']
            data['timestamp'] = page.timestamp.isoformat() if page.timestamp else None
            rows.append((page.title, json.dumps(data)))
        self.db.executemany('INSERT OR REPLACE INTO pages VALUES (?, ?)', rows)
        kept = set(keep)
        stale = [(t,) for (t,) in self.db.execute('SELECT title FROM pages') if t not in kept]
        self.db.executemany('DELETE FROM pages WHERE title = ?', stale)

    # -- derived data --------------------------------------------------------

    def revisions(self, revids: Iterable[int]) -> dict[int, Revision]:
        """Cached revision summaries by id (a revision never changes; revision deletion
        only hides, and a hidden revision is stored as unreadable only once read so)."""
        found: dict[int, Revision] = {}
        for revid in set(revids):
            row = self.db.execute('SELECT value FROM revisions WHERE revid = ?',
                                  (revid,)).fetchone()
            if row:
                data = json.loads(row[0])
                data['timestamp'] = dt.datetime.fromisoformat(data['timestamp'])
                found[revid] = Revision(revid=revid, **data)
        return found

    def store_revisions(self, revisions: Iterable[Revision]) -> None:
        """Remember revision summaries."""
        rows = []
        for revision in revisions:
            data = dataclasses.asdict(revision)
            del data['revid'], data['moved']
            data['timestamp'] = revision.timestamp.isoformat()
            rows.append((revision.revid, json.dumps(data)))
        self.db.executemany('INSERT OR REPLACE INTO revisions VALUES (?, ?)', rows)

    def user_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Name -> user id of the names known to exist."""
        found: dict[str, int] = {}
        for name in names:
            row = self.db.execute('SELECT id FROM users WHERE name = ?', (name,)).fetchone()
            if row:
                found[name] = int(row[0])
        return found

    def store_user_ids(self, ids: dict[str, int]) -> None:
        """Remember existing users and their ids."""
        self.db.executemany('INSERT OR REPLACE INTO users VALUES (?, ?)', list(ids.items()))

    def text(self, title: str, revid: int) -> str | None:
        """A page's text at this revision, if cached."""
        row = self.db.execute('SELECT text FROM texts WHERE title = ? AND revid = ?',
                              (title, revid)).fetchone()
        return row[0] if row else None

    def store_text(self, title: str, revid: int, text: str) -> None:
        """Remember a page's text at a revision."""
        self.db.execute('INSERT OR REPLACE INTO texts VALUES (?, ?, ?)', (title, revid, text))

    # -- run state -----------------------------------------------------------

    def get(self, key: str) -> Any:
        """A state value (JSON), or ``None``."""
        row = self.db.execute('SELECT value FROM state WHERE key = ?', (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: Any) -> None:
        """Set a state value (JSON)."""
        self.db.execute('INSERT OR REPLACE INTO state VALUES (?, ?)', (key, json.dumps(value)))


def _time(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _open(path: Path) -> sqlite3.Connection:
    """Open (or create) the cache; a damaged or foreign file is replaced by a new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _connect(path)
    except (sqlite3.Error, ValueError):
        for suffix in ('', '-journal', '-wal', '-shm'):
            Path(f'{path}{suffix}').unlink(missing_ok=True)
        return _connect(path)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30)
    try:
        db.executescript(_TABLES)
        row = db.execute("SELECT value FROM state WHERE key = 'schema'").fetchone()
        if row and json.loads(row[0]) != SCHEMA:
            raise sqlite3.DatabaseError('cache written by another version')
        db.execute("INSERT OR REPLACE INTO state VALUES ('schema', ?)", (str(SCHEMA),))
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
    cache = Cache(path)
    try:
        yield cache
    finally:
        cache.close()
