"""Integration fixtures: a wiki seeded with the demo requests, and per-test configs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from devwiki.localwiki import LocalWiki
from devwiki.seeding import Seeder, load_fixture
from leadership_bot.core.settings import load_settings

from .botrun import run_bot, write_config

PREFIX = 'Leadership network/Requests/'


@dataclasses.dataclass(frozen=True)
class Seeded:
    """The shared demo wiki: its config and the fixture it was seeded from."""

    config: Path
    fixture: dict[str, Any]


@pytest.fixture(scope='session')
def seeded(local_wiki: LocalWiki, pywikibot_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """Templates installed and the demo fixture seeded, once per test session."""
    config = write_config(tmp_path_factory.mktemp('config') / 'demo.yaml',
                          {'site': 'local:local', 'notify': {'since': '2025-01-01'}})
    result = run_bot(pywikibot_dir, 'install-templates', f'-settings:{config}')
    assert result.code == 0, result.stderr
    fixture = load_fixture()
    Seeder(local_wiki, load_settings(config)).seed(fixture)
    return Seeded(config, fixture)
