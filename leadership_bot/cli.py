"""``leadership-bot TASK [-settings:FILE] [pywikibot global options]``.

Exit codes: 0 done, 1 failed (wiki unreachable or errors after retries), 2 bad usage
or config, 3 stopped by the run page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadership_bot.core.model import Problem, ProblemCode
from leadership_bot.core.settings import Settings, SettingsError, load_settings
from leadership_bot.core.summary import Tally, summary_line

if TYPE_CHECKING:
    from leadership_bot.wiki.site import Wiki

USAGE = """\
usage: leadership-bot TASK [-settings:FILE] [pywikibot global options]

tasks:
  install-templates  publish templates_wikitext/ to the wiki
  report             write the report page (problems, counts)
  directory          write the partnership-organizer directory (and its JSON copy)
  match              write the mentorship matches page (stable mentor-mentee pairs)
  notify             post due recognition notices on user talk pages (each once)
  all                report, directory, match, notify, in that order

options:
  -settings:FILE     YAML settings (default: built-in Meta-Wiki settings);
                     -config:FILE.yaml is the old, deprecated spelling
  -force-removal     save the directory even if it drops more organizers than
                     directory.max_removed_share allows (a confirmed mass removal)
  -nocache           read everything from the wiki; neither use nor write the run cache
  pywikibot's global options work too: -simulate -dir:DIR -user:NAME -family:F -lang:L

exit codes: 0 done, 1 failed, 2 bad usage or config, 3 stopped by the run page"""

# Tasks that read the requests first, in the order ``all`` runs them.
SNAPSHOT_TASKS = ('report', 'directory', 'match', 'notify')
TASKS = ('install-templates', *SNAPSHOT_TASKS, 'all')


class UsageError(Exception):
    """Bad command line (exit code 2)."""


def split_settings(argv: Sequence[str]) -> tuple[list[str], str | None, bool]:
    """Take our ``-settings:FILE.yaml`` out of the arguments.

    Returns the other arguments, the file, and whether it came by the old spelling
    ``-config:FILE.yaml``: pywikibot reads ``-config:`` from ``sys.argv`` when it is
    imported, as the name of its own user config file (a ``.py``), so that spelling must
    leave ``sys.argv`` before pywikibot sees it; ``-settings:`` never meets pywikibot.
    """
    rest: list[str] = []
    path: str | None = None
    old = False
    for arg in argv:
        option, _, value = arg.partition(':')
        if option == '-settings' or (option == '-config' and not value.endswith('.py')):
            if not value:
                raise UsageError(f'{option}: needs a file, e.g. -settings:config/meta.yaml')
            path, old = value, option == '-config'
        else:
            rest.append(arg)
    return rest, path, old


@dataclasses.dataclass(frozen=True)
class Options:
    """The task and our own options, from the arguments pywikibot left over."""

    task: str
    force_removal: bool = False
    no_cache: bool = False


def parse_options(args: Sequence[str]) -> Options:
    """Parse the task and local options; pywikibot has taken its global ones."""
    task: str | None = None
    force_removal = no_cache = False
    for arg in args:
        if arg == '-force-removal':
            force_removal = True
        elif arg == '-nocache':
            no_cache = True
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
    return Options(task, force_removal, no_cache)


def run(options: Options, wiki: Wiki) -> int:
    """Run one task (or all) on a connected wiki; the run ends with one line of counters,
    however it ends."""
    from leadership_bot.wiki.site import REQUESTS, info
    started = time.monotonic()
    tally = Tally(options.task)
    try:
        return run_task(options, wiki, tally)
    finally:
        info(summary_line(tally, wiki.outcomes, REQUESTS.count,  # login included
                          time.monotonic() - started))
        if wiki.failed:  # last, one line naming every page that could not be saved
            print('leadership-bot: not saved: ' + '; '.join(
                f'{title} ({reason})' for title, reason in sorted(wiki.failed.items())),
                file=sys.stderr)


def run_task(options: Options, wiki: Wiki, tally: Tally) -> int:
    """Run one task (or all), counting into ``tally``.

    Every task plans the directory and the notices first (reads only), so the report
    always shows every problem, whichever task wrote it; then each task writes its pages.
    """
    from leadership_bot.core.state import listing_name, pairs_name
    from leadership_bot.tasks import directory, install_templates, match, notify, report
    from leadership_bot.wiki.guard import BlockGuard
    from leadership_bot.wiki.reading import read_snapshot, remember_requests
    from leadership_bot.wiki.site import info, simulating

    if options.task == 'install-templates':
        wiki.check_run_page()
        return install_templates.run(wiki)
    probe = wiki.take_probe()
    wiki.check_run_page(fresh=False)
    key = f'done:{options.task}'
    if wiki.cache and not options.force_removal and unchanged(
            wiki.cache.get(key), probe.signature(settings_key(wiki.settings))):
        info(f'{options.task}: nothing changed since the last complete run; no edit needed')
        return 0
    names = SNAPSHOT_TASKS if options.task == 'all' else (options.task,)
    snapshot = read_snapshot(wiki, probe)
    tally.pages_read = snapshot.pages_read
    # What the bot wrote before comes from its own data pages, never from its blocks.
    guard = BlockGuard(wiki)
    state_problems = guard.check_state((listing_name(wiki.settings.pages.directory),
                                        pairs_name(wiki.settings.pages.mentorship)))
    prepared = directory.prepare(wiki, snapshot, guard, options.force_removal)
    # Notices and matches go by the directory as it stands after this run (as the bot
    # listed it before, when this run does not save it).
    writes_directory = 'directory' in names and not prepared.blocked
    listed = [o for o in prepared.organizers
              if writes_directory or o.user in prepared.listed_now]
    matches = match.prepare(wiki, snapshot, listed, guard)
    writes_matches = 'match' in names and not matches.blocked
    pairs = matches.matching.pairs if writes_matches else matches.previous
    notices = notify.prepare(wiki, snapshot, listed, pairs)
    snapshot = dataclasses.replace(snapshot, problems=(
        snapshot.problems + tuple(state_problems) + report.prepare(wiki, guard)
        + prepared.problems + matches.problems + notices.problems))
    codes = [report.run(wiki, snapshot, guard)]
    remember_requests(wiki, snapshot)
    if 'directory' in names:
        codes.append(directory.write(wiki, prepared, guard))
    if 'match' in names:
        codes.append(match.write(wiki, matches, guard))
    directory_lost = prepared.plan is not None and any(
        page.title in wiki.failed for page in prepared.plan.pages)
    if 'notify' in names and (directory_lost or wiki.settings.pages.mentorship in wiki.failed):
        # Notices go by what the pages show: the last good listing and pairs.
        listed = [o for o in prepared.organizers
                  if o.user in prepared.listed_now or not directory_lost]
        pairs = matches.previous if wiki.settings.pages.mentorship in wiki.failed else pairs
        notices = notify.prepare(wiki, snapshot, listed, pairs)
    late: list[Problem] = []
    if 'notify' in names:
        code, skipped = notify.write(wiki, notices)
        codes.append(code)
        late.extend(skipped)  # found only while posting
    late.extend(Problem(title, ProblemCode.PAGE_NOT_SAVED, f'{title} was not saved: {reason}.')
                for title, reason in sorted(wiki.failed.items()))
    if late and wiki.settings.pages.report not in wiki.failed:  # the report gets them now
        report.run(wiki, dataclasses.replace(
            snapshot, problems=snapshot.problems + tuple(late)), guard)
    guard.save()
    tally.problems = len(snapshot.problems) + len(late)
    tally.notices_posted = wiki.posted
    tally.notices_skipped = sum(p.code == ProblemCode.NOTICE_SKIPPED
                                for p in (*snapshot.problems, *late))
    tally.notices_waiting = notices.waiting if 'notify' in names else 0
    code = max(codes + [1 if wiki.failed else 0])
    if wiki.cache and code == 0 and not notices.waiting and not simulating():
        wiki.cache.put(key, {
            'signature': wiki.after_run().signature(settings_key(wiki.settings)),
            'at': dt.datetime.now(dt.UTC).isoformat(),
            # Skipped notices depend on things no probe sees (blocks, {{nobots}}):
            # look again at least daily while some wait.
            'recheck': any(p.code == 'notice-skipped' for p in snapshot.problems)})
    return code


RECHECK_AFTER = dt.timedelta(hours=24)


def unchanged(done: dict[str, object] | None, signature: dict[str, object]) -> bool:
    """Whether the last complete run of this task saw exactly this wiki state."""
    if not done or done.get('signature') != signature:
        return False
    if done.get('recheck'):
        at = dt.datetime.fromisoformat(str(done['at']))
        return dt.datetime.now(dt.UTC) - at < RECHECK_AFTER
    return True


def settings_key(settings: Settings) -> str:
    """A fingerprint of the config: another config means another run."""
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``leadership-bot`` and ``python -m leadership_bot``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if {'-h', '-help', '--help'} & set(argv):
        print(USAGE)
        return 0
    try:
        args, path, old_spelling = split_settings(argv)
        if old_spelling:  # before pywikibot is imported: it reads -config: from sys.argv
            sys.argv[1:] = args
            print('leadership-bot: -config:FILE.yaml is deprecated; use -settings:FILE.yaml',
                  file=sys.stderr)
        settings = load_settings(path)
    except UsageError as exc:
        return _usage(exc)
    except SettingsError as exc:
        return _exit('config error', exc, 2)
    # pywikibot is imported only now: it reads its global options from sys.argv.
    from leadership_bot.core.blocks import MarkerError
    from leadership_bot.wiki.cache import opened
    from leadership_bot.wiki.site import (
        WIKI_ERRORS,
        StopRequested,
        Wiki,
        WrongSiteError,
        cache_path,
        connect,
        error_reason,
        handle_args,
        require_user_config,
    )
    try:
        require_user_config()
        options = parse_options(handle_args(args))
        site = connect(settings)
        with opened(None if options.no_cache else cache_path(site)) as cache:
            return run(options, Wiki(site, settings, cache))
    except UsageError as exc:
        return _usage(exc)
    except WrongSiteError as exc:
        return _exit('config error', exc, 2)
    except StopRequested as exc:
        return _exit('stopped', exc, 3)
    except MarkerError as exc:
        return _exit('not saved', exc, 1)
    except WIKI_ERRORS as exc:
        return _exit('failed', error_reason(exc), 1)


def _usage(exc: UsageError) -> int:
    """What is wrong with the command line, then the usage; exit code 2."""
    print(f'leadership-bot: {exc}\n\n{USAGE}', file=sys.stderr)
    return 2


def _exit(what: str, reason: object, code: int) -> int:
    """One line on stderr saying why the run ends (redacted like the logs), and the code."""
    from leadership_bot.wiki.redaction import redact
    print(redact(f'leadership-bot: {what}: {reason}'), file=sys.stderr)
    return code
