"""A local cache of what earlier runs read, so a run asks the wiki only what changed.

SQLite in pywikibot's folder (next to ``user-config.py``), one file per site. Every
entry is keyed by revision ids, so a stale entry is never used; a run writes its
changes in one transaction. The cache only saves time: a missing, old or corrupt file
means a full read, never a wrong result, and the wiki stays the source of truth for
everything the bot decides (notably the notice ledger).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from bots.model import Attribution, RequestPage

SCHEMA = 1
_TABLES = """
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pages (
    title TEXT PRIMARY KEY, page_id INTEGER NOT NULL, revid INTEGER NOT NULL,
    timestamp TEXT, text TEXT NOT NULL, contributors TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attributions (
    title TEXT PRIMARY KEY, revid INTEGER NOT NULL, reviewers TEXT NOT NULL,
    value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY);
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
            row = self.db.execute('SELECT page_id, revid, timestamp, text, contributors FROM '
                                  'pages WHERE title = ?', (title,)).fetchone()
            if row:
                found[title] = RequestPage(
                    title=title, page_id=row[0], revid=row[1], text=row[3],
                    contributors=frozenset(json.loads(row[4])),
                    timestamp=dt.datetime.fromisoformat(row[2]) if row[2] else None)
        return found

    def store_pages(self, pages: Iterable[RequestPage], keep: Iterable[str]) -> None:
        """Store fresh pages and forget pages no longer listed."""
        self.db.executemany(
            'INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)',
            [(p.title, p.page_id, p.revid, p.timestamp.isoformat() if p.timestamp else None,
              p.text, json.dumps(sorted(p.contributors))) for p in pages])
        kept = set(keep)
        stale = [(t,) for (t,) in self.db.execute('SELECT title FROM pages') if t not in kept]
        self.db.executemany('DELETE FROM pages WHERE title = ?', stale)

    # -- derived data --------------------------------------------------------

    def attribution(self, title: str, revid: int, reviewers: str) -> Attribution | None:
        """The attribution computed for this revision with this reviewer list."""
        row = self.db.execute('SELECT value FROM attributions WHERE title = ? AND revid = ? '
                              'AND reviewers = ?', (title, revid, reviewers)).fetchone()
        if not row:
            return None
        data = json.loads(row[0])
        return Attribution(current=data['current'], effective=data['effective'],
                           set_by=data['set_by'], set_at=_time(data['set_at']),
                           decided_at=_time(data['decided_at']))

    def store_attribution(self, title: str, revid: int, reviewers: str,
                          attribution: Attribution) -> None:
        """Remember an attribution for this revision and reviewer list."""
        value = json.dumps({
            'current': attribution.current, 'effective': attribution.effective,
            'set_by': attribution.set_by,
            'set_at': attribution.set_at.isoformat() if attribution.set_at else None,
            'decided_at': (attribution.decided_at.isoformat()
                           if attribution.decided_at else None)})
        self.db.execute('INSERT OR REPLACE INTO attributions VALUES (?, ?, ?, ?)',
                        (title, revid, reviewers, value))

    def known_users(self, names: Iterable[str]) -> set[str]:
        """Names known to exist (accounts are never deleted)."""
        return {n for n in names
                if self.db.execute('SELECT 1 FROM users WHERE name = ?', (n,)).fetchone()}

    def store_users(self, names: Iterable[str]) -> None:
        """Remember existing users."""
        self.db.executemany('INSERT OR IGNORE INTO users VALUES (?)', [(n,) for n in names])

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
