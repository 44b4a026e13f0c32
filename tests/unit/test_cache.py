"""The run cache: keyed by revisions, and a broken file only costs a full read."""

from __future__ import annotations

import datetime as dt

from leadership_bot.cli import unchanged
from leadership_bot.core.model import RequestPage, Revision
from leadership_bot.wiki.cache import Cache, opened

T = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)


def page(title: str, revid: int) -> RequestPage:
    return RequestPage(title=title, page_id=revid * 10, revid=revid, text=f'text {revid}',
                       timestamp=T, parentid=revid - 1, user='Łukasz', sha1='ab')


def test_pages_round_trip_and_stale_pages_are_forgotten(tmp_path):
    with opened(tmp_path / 'c.sqlite3') as cache:
        assert cache is not None
        cache.store_pages([page('A', 1), page('B', 2)], keep=['A', 'B'])
        cache.store_pages([page('A', 3)], keep=['A'])
    with opened(tmp_path / 'c.sqlite3') as cache:
        assert cache is not None
        assert cache.pages(['A', 'B']) == {'A': page('A', 3)}


def test_derived_data_is_keyed_by_revision(tmp_path):
    cache = Cache(tmp_path / 'c.sqlite3')
    parsed = Revision(5, 4, 'Reviewer', T, {'user': 'Amina', 'status': 'approved'},
                      sha1='cd', moved_from='User:Amina/Draft')
    hidden = Revision(6, 5, '', T, None)
    cache.store_revisions([parsed, hidden])
    assert cache.revisions([5, 6, 7]) == {5: parsed, 6: hidden}
    cache.store_text('Report', 7, 'body')
    assert cache.text('Report', 7) == 'body' and cache.text('Report', 8) is None
    cache.store_user_ids({'Ngozi Okafor': 7})
    assert cache.user_ids(['Ngozi Okafor', 'Nobody']) == {'Ngozi Okafor': 7}
    cache.close()


def test_a_corrupt_file_is_replaced(tmp_path):
    path = tmp_path / 'c.sqlite3'
    path.write_bytes(b'this is not a database' * 100)
    with opened(path) as cache:
        assert cache is not None
        assert cache.pages(['A']) == {}
        cache.put('x', {'y': 1})
        assert cache.get('x') == {'y': 1}


def test_no_cache():
    with opened(None) as cache:
        assert cache is None


def test_a_run_is_skipped_only_when_its_signature_matches():
    signature = {'pages': {'A': [1, 2]}, 'ledger': 9}
    now = dt.datetime.now(dt.UTC)
    assert unchanged({'signature': signature, 'at': now.isoformat(), 'recheck': False},
                     signature)
    assert not unchanged(None, signature)
    assert not unchanged({'signature': {**signature, 'ledger': 10}, 'at': now.isoformat(),
                          'recheck': False}, signature)
    old = (now - dt.timedelta(days=2)).isoformat()
    assert unchanged({'signature': signature, 'at': old, 'recheck': False}, signature)
    assert not unchanged({'signature': signature, 'at': old, 'recheck': True}, signature)


def test_a_busy_cache_is_never_deleted_and_the_run_goes_on(tmp_path, monkeypatch):
    """Another run holds the write lock: this one waits briefly, then goes without."""
    import sqlite3

    import leadership_bot.wiki.cache
    monkeypatch.setattr(leadership_bot.wiki.cache, 'LOCK_WAIT', 0.2)
    path = tmp_path / 'c.sqlite3'
    with opened(path) as cache:
        assert cache is not None
        cache.put('x', 1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute('BEGIN EXCLUSIVE')  # a run in the middle of writing (or worse)
    try:
        with opened(path) as cache:
            if cache is not None:  # WAL: reading still works; writing waits, then gives up
                cache.put('y', 2)
                assert cache.get('x') is None or cache.get('x') == 1
    finally:
        other.execute('ROLLBACK')
        other.close()
    with opened(path) as cache:
        assert cache is not None and cache.get('x') == 1  # the file and its data survive
    assert not list(tmp_path.glob('*.damaged-*'))


def test_a_damaged_file_is_moved_aside_not_deleted(tmp_path):
    path = tmp_path / 'c.sqlite3'
    path.write_bytes(b'garbage' * 100)
    with opened(path) as cache:
        assert cache is not None
    [aside] = tmp_path.glob('c.sqlite3.damaged-*')
    assert aside.read_bytes() == b'garbage' * 100
