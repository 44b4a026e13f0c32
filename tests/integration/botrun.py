"""Run ``leadership-bot`` as an operator would: a subprocess with ``-dir:`` and a config."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROW = re.compile(r'^\| \[\[:(?P<page>[^\]|]+)(?:\|[^\]]*)?\]\] \|\| (?P<user>.*?) \|\| '
                 r'(?P<code>[a-z-]+) \|\| ')


@dataclasses.dataclass(frozen=True)
class Result:
    """Exit code and output of one run."""

    code: int
    stdout: str
    stderr: str


def run_bot(pywikibot_dir: Path, *args: str, timeout: float = 300) -> Result:
    """``python -m leadership_bot ARGS -dir:DIR`` in a subprocess (pywikibot reads -dir at
    import)."""
    process = subprocess.run(
        [sys.executable, '-m', 'leadership_bot', *args, f'-dir:{pywikibot_dir}'],
        capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL)
    return Result(process.returncode, process.stdout, process.stderr)


def write_config(path: Path, data: dict[str, Any]) -> Path:
    """A YAML config file for one test."""
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding='utf-8')
    return path


def report_rows(text: str) -> list[tuple[str, str]]:
    """(page, code) of every problem row on a report page."""
    return [(m['page'], m['code']) for m in map(ROW.match, text.splitlines()) if m]
