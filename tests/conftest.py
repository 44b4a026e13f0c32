"""Shared fixtures: one real local MediaWiki per test session.

The wiki is never skipped: when PHP or MediaWiki is missing, the fixture fails and says
to run ``scripts/setup``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devwiki.localwiki import ADMIN, REVIEWER, LocalWiki
from devwiki.wikiuser import WikiSession

INTEGRATION_DIR = Path(__file__).resolve().parent / 'integration'


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration drives the local wiki: mark it ``integration``."""
    for item in items:
        if INTEGRATION_DIR in item.path.resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope='session')
def local_wiki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalWiki]:
    """A freshly installed wiki on a free port, stopped at the end of the session."""
    with LocalWiki(tmp_path_factory.mktemp('wiki')).running() as wiki:
        yield wiki


@pytest.fixture(scope='session')
def pywikibot_dir(local_wiki: LocalWiki) -> Path:
    """A pywikibot folder (user-config.py, user-password.py) for LeadershipBot."""
    return local_wiki.write_pywikibot_dir()


@pytest.fixture(scope='session')
def admin_session(local_wiki: LocalWiki) -> WikiSession:
    """Admin (sysop, bureaucrat), logged in through the API."""
    return WikiSession(local_wiki.api_url, ADMIN).login()


@pytest.fixture(scope='session')
def reviewer_session(local_wiki: LocalWiki) -> WikiSession:
    """Reviewer, a plain user the bot trusts because the reviewers page lists it."""
    return WikiSession(local_wiki.api_url, REVIEWER).login()
