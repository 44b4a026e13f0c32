"""``leadership-bot TASK [-config:FILE] [pywikibot global options]``.

Exit codes: 0 done, 1 failed (wiki unreachable or errors after retries), 2 bad usage
or config, 3 stopped by the run page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from bots.reading import read_snapshot
from bots.regions import MarkerError
from bots.settings import SettingsError, load_settings
from bots.tasks import install_templates, report
from bots.wiki import (
    WIKI_ERRORS,
    StopRequested,
    Wiki,
    WrongSiteError,
    connect,
    error_reason,
    handle_args,
)

USAGE = """\
usage: leadership-bot TASK [-config:FILE] [pywikibot global options]

tasks:
  install-templates  publish templates_wikitext/ to the wiki
  report             write the report page (problems, counts)
  all                report (and, as they are built, directory, match, notify)

options:
  -config:FILE       YAML config (default: built-in Meta-Wiki settings)
  pywikibot's global options work too: -simulate -dir:DIR -user:NAME -family:F -lang:L

exit codes: 0 done, 1 failed, 2 bad usage or config, 3 stopped by the run page"""

# Tasks that read the requests first, in the order ``all`` runs them.
SNAPSHOT_TASKS: dict[str, Callable[..., int]] = {'report': report.run}
TASKS = ('install-templates', *SNAPSHOT_TASKS, 'all')


class UsageError(Exception):
    """Bad command line (exit code 2)."""


def parse_options(args: Sequence[str]) -> tuple[str, str | None]:
    """The task and the config path from the arguments pywikibot left over."""
    task: str | None = None
    config: str | None = None
    for arg in args:
        if arg.startswith('-config:'):
            config = arg.partition(':')[2]
            if not config:
                raise UsageError('-config: needs a file, e.g. -config:config/meta.yaml')
        elif arg in ('-h', '-help', '--help'):
            raise UsageError('')
        elif arg.startswith('-'):
            raise UsageError(f'unknown option {arg}')
        elif task is None:
            task = arg
        else:
            raise UsageError(f'one task at a time (got {task!r} and {arg!r})')
    if task is None:
        raise UsageError('no task given')
    if task not in TASKS:
        raise UsageError(f'unknown task {task!r} (tasks: {", ".join(TASKS)})')
    return task, config


def run(task: str, wiki: Wiki) -> int:
    """Run one task (or all) on a connected wiki."""
    wiki.check_run_page()
    if task == 'install-templates':
        return install_templates.run(wiki)
    snapshot = read_snapshot(wiki)
    names = list(SNAPSHOT_TASKS) if task == 'all' else [task]
    return max(SNAPSHOT_TASKS[name](wiki, snapshot) for name in names)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leadership-bot`` and ``python -m bots``."""
    try:
        task, config = parse_options(handle_args(list(sys.argv[1:] if argv is None else argv)))
        settings = load_settings(config)
        wiki = Wiki(connect(settings), settings)
        return run(task, wiki)
    except UsageError as exc:
        print(f'leadership-bot: {exc}\n\n{USAGE}' if str(exc) else USAGE, file=sys.stderr)
        return 2 if str(exc) else 0
    except (SettingsError, WrongSiteError) as exc:
        print(f'leadership-bot: config error: {exc}', file=sys.stderr)
        return 2
    except StopRequested as exc:
        print(f'leadership-bot: stopped: {exc}', file=sys.stderr)
        return 3
    except MarkerError as exc:
        print(f'leadership-bot: not saved: {exc}', file=sys.stderr)
        return 1
    except WIKI_ERRORS as exc:
        print(f'leadership-bot: failed: {error_reason(exc)}', file=sys.stderr)
        return 1
