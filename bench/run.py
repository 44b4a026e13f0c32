"""``scripts/bench [N ...]``: seed N requests on a fresh local wiki, measure, write results.

For each N (default 1,000 and 10,000), on a fresh wiki in a temporary folder and on a
free port: publish the templates, seed the reviewers page, create the requester accounts
through the API, import N synthetic request pages with ``importDump.php`` (attributed to
those accounts), then measure

* a full ``leadership-bot all`` run without the run cache,
* the same run again (nothing changed: a no-op),
* a run after 10 request pages were edited by their requesters (incremental),
* the plain pywikibot baselines of :mod:`bench.baseline` (page by page; preloading).

API requests come from the server's access log, wall time from ``perf_counter`` around
the subprocess, peak RSS from ``wait4``. MediaWiki's ``api`` debug log says which
requests they were. Results go to ``bench/results.md`` (earlier results for other N in
that file are kept).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.dump import PASSWORD, BenchPage, generate, incremental_edits, requester_names, to_xml
from devwiki.localwiki import ADMIN, REVIEWER, Account, LocalWiki
from devwiki.wikiuser import WikiApiError, WikiSession

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / 'results.md'
PREFIX = 'Bench/'
CONFIG: dict[str, Any] = {
    'site': 'local:local',
    'pages': {'request_prefix': PREFIX, 'report': 'Bench report',
              'directory': 'Bench directory', 'mentorship': 'Bench pairs', 'run': 'Bench run'},
    'notify': {'since': '2099-01-01'},  # no notices: the benchmark reads, it does not post
    'directory': {'max_rows_per_page': 500},
}
ACCESS_LINE = re.compile(r'\]: (?:GET|POST) /api\.php')
API_LINE = re.compile(r' API (?P<method>GET|POST) (?P<user>\S+) \S+ T=(?P<ms>\d+)ms(?P<params>.*)$')
ACCOUNT_THREADS = 4
NOOP_BUDGET = 10
RSS_BUDGET_MB = 300
SPEEDUP_TARGET = 10
DATA_MARK = 'bench-data:'


def log(message: str) -> None:
    print(f'[{dt.datetime.now():%H:%M:%S}] {message}', flush=True)


# -- measuring -------------------------------------------------------------------------------


@dataclasses.dataclass
class Step:
    """One measured command."""

    name: str
    requests: int
    seconds: float
    rss_mb: float
    code: int
    breakdown: list[tuple[str, int, int]]  # (request kind, count, server milliseconds)
    output: str = ''  # the command's last lines (stdout and stderr)


class Meter:
    """Counts API requests in the server's access log and reads MediaWiki's api log."""

    def __init__(self, wiki: LocalWiki, api_log: Path) -> None:
        self.wiki = wiki
        self.api_log = api_log

    def mark(self) -> tuple[int, int]:
        """(API requests so far, api log size)."""
        text = self.wiki.log_file.read_text(errors='replace')
        size = self.api_log.stat().st_size if self.api_log.exists() else 0
        return len(ACCESS_LINE.findall(text)), size

    def since(self, mark: tuple[int, int]) -> tuple[int, list[tuple[str, int, int]]]:
        """Requests since ``mark`` and what they were (kind, count, server ms), most first."""
        count = self.mark()[0] - mark[0]
        kinds: collections.Counter[str] = collections.Counter()
        millis: collections.Counter[str] = collections.Counter()
        if self.api_log.exists():
            with self.api_log.open('rb') as handle:
                handle.seek(mark[1])
                for line in handle.read().decode('utf-8', 'replace').splitlines():
                    match = API_LINE.search(line)
                    if match:
                        kind = request_kind(match['method'], match['params'])
                        kinds[kind] += 1
                        millis[kind] += int(match['ms'])
        return count, [(k, c, millis[k]) for k, c in kinds.most_common()]


def request_kind(method: str, params: str) -> str:
    """A short name for an API request: its action, query modules and how it selects.

    pywikibot adds ``meta=userinfo`` to every query; it is left out unless alone.
    MediaWiki logs at most 256 characters of a value, so "many" means more than fit.
    """
    values: dict[str, str] = {}
    for item in params.split():
        key, _, value = item.partition('=')
        values[key] = urllib.parse.unquote(value)
    parts = [values.get('action', '?')]
    for key in ('generator', 'prop', 'list', 'meta'):
        if key in values:
            modules = values[key].split('|')
            if key == 'meta' and len(parts) > 1:
                modules = [m for m in modules if m != 'userinfo']
            if modules:
                parts.append(f'{key}={"|".join(modules)}')
    for key in ('titles', 'revids', 'pageids'):
        if key in values:
            many = values[key].endswith('[...]') or '|' in values[key]
            parts.append(f'{key}=({"many" if many else "1"})')
    if 'content' in values.get('rvprop', '').split('|'):
        parts.append('+content')
    if 'rvlimit' in values:
        parts.append('history')
    if any(k.endswith('continue') and k != 'continue' for k in values):
        parts.append('(continued)')
    return f'{method} ' + ' '.join(parts)


def run_measured(name: str, command: Sequence[str], meter: Meter,
                 env: dict[str, str] | None = None) -> Step:
    """Run ``command`` and measure its API requests, wall time and peak RSS."""
    mark = meter.mark()
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=ROOT,
                                   env=dict(os.environ, **(env or {})))
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode('utf-8', 'replace')
    time.sleep(0.2)  # php -S writes its log line after answering
    requests, breakdown = meter.since(mark)
    step = Step(name, requests, seconds, usage.ru_maxrss / 1024, code, breakdown,
                '\n'.join(output.strip().splitlines()[-8:]))
    log(f'{name}: {requests} API requests, {seconds:.1f} s, {step.rss_mb:.0f} MB, exit {code}')
    if code != 0:
        log(f'{name} failed:\n{output[-3000:]}')
    return step


# -- seeding ---------------------------------------------------------------------------------


def create_accounts(wiki: LocalWiki, names: Sequence[str]) -> None:
    """Create accounts through the API, in parallel sessions of the admin."""
    local = threading.local()

    def create(name: str) -> None:
        if not hasattr(local, 'session'):
            local.session = WikiSession(wiki.api_url, ADMIN).login()
        for attempt in range(5):
            try:
                local.session.create_account(name, PASSWORD, exist_ok=True)
                return
            except (WikiApiError, OSError) as error:  # SQLite busy under parallel writes
                if attempt == 4:
                    raise
                log(f'account {name}: {error}; retrying')
                time.sleep(0.5 * (attempt + 1))

    with concurrent.futures.ThreadPoolExecutor(ACCOUNT_THREADS) as pool:
        list(pool.map(create, names))


def seed(wiki: LocalWiki, pwb: Path, config: Path, pages: Sequence[BenchPage],
         bot: Path) -> dict[str, float]:
    """Templates, reviewers and run pages, accounts and the imported requests; timings."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    result = subprocess.run([str(bot), 'install-templates', f'-settings:{config}', f'-dir:{pwb}'],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(f'install-templates failed:\n{result.stdout}{result.stderr}')
    wiki.run_jobs()
    admin = WikiSession(wiki.api_url, ADMIN).login()
    admin.edit('Leadership network/Reviewers', 'Reviewers of leadership requests. Only admins '
               f'may edit this page.\n\n* [[User:{REVIEWER.name}]]\n', 'Seed: reviewers')
    admin.protect('Leadership network/Reviewers', edit='sysop')
    admin.edit(CONFIG['pages']['run'], 'yes', 'Seed: the bot may run')
    timings['templates and pages'] = time.perf_counter() - started

    names = sorted({p.requester for p in pages})
    started = time.perf_counter()
    create_accounts(wiki, names)
    timings[f'{len(names)} requester accounts (API, {ACCOUNT_THREADS} threads)'] = (
        time.perf_counter() - started)
    log(f'{len(names)} accounts created in {time.perf_counter() - started:.1f} s')

    started = time.perf_counter()
    xml = to_xml(pages)
    timings['XML dump generated'] = time.perf_counter() - started
    started = time.perf_counter()
    # --no-updates: no link tables (the bot lists by prefix and reads wikitext only);
    # with them, parsing every page through the request template costs ~0.17 s a page.
    wiki.maintenance('importDump.php', '--no-updates', '--report', '100000', stdin=xml)
    revisions = sum(len(p.revisions) for p in pages)
    timings[f'importDump.php ({len(pages)} pages, {revisions} revisions, --no-updates)'] = (
        time.perf_counter() - started)
    log(f'imported {len(pages)} pages in {time.perf_counter() - started:.1f} s')
    started = time.perf_counter()
    wiki.run_jobs()
    timings['runJobs.php'] = time.perf_counter() - started
    verify(admin, pages)
    return timings


def verify(session: WikiSession, pages: Sequence[BenchPage]) -> None:
    """The import attributed the revisions to the local accounts (the consent rule)."""
    samples = [next(p for p in pages if p.kind == kind)
               for kind in ('submitted', 'approved', 'broken')]
    result = session.api(action='query', prop='contributors|revisions|info',
                         titles=[p.title for p in samples])
    found = {p['title']: p for p in result['query']['pages']}
    for page in samples:
        data = found.get(page.title, {})
        contributors = {c['name'] for c in data.get('contributors', ())}
        expected = {r.user for r in page.revisions}
        if 'missing' in data or contributors != expected:
            raise RuntimeError(f'{page.title}: contributors {sorted(contributors)} after the '
                               f'import, expected {sorted(expected)}')
    listed = session.api(action='query', list='allpages', apprefix=PREFIX, aplimit=1,
                         apnamespace=0)['query']['allpages']
    if not listed:
        raise RuntimeError('no imported page is listed under the prefix')


def edit_as_requesters(wiki: LocalWiki, edits: Sequence[tuple[BenchPage, str]]) -> None:
    """The incremental change: each page edited by its requester through the API."""
    sessions: dict[str, WikiSession] = {}
    for page, text in edits:
        if page.requester not in sessions:
            sessions[page.requester] = WikiSession(
                wiki.api_url, Account(page.requester, PASSWORD)).login()
        sessions[page.requester].edit(page.title, text, 'Benchmark: change the skills')


# -- one N -----------------------------------------------------------------------------------


def bench(n: int, keep: bool, baselines: bool) -> dict[str, Any]:
    """Seed N requests on a fresh wiki and measure; returns the record for results.md."""
    folder = Path(tempfile.mkdtemp(prefix=f'leadership-bench-{n}-'))
    wiki = LocalWiki(folder / 'wiki')
    bot = Path(sys.executable).parent / 'leadership-bot'
    record: dict[str, Any] = {'n': n, 'date': dt.datetime.now(dt.UTC).isoformat(
        timespec='seconds'), 'requesters': len(requester_names(n))}
    try:
        started = time.perf_counter()
        wiki.start()
        api_log = folder / 'api.log'
        with wiki.settings_file.open('a') as settings:
            settings.write(f"\n# bench: log every API request with its parameters\n"
                           f"$wgDebugLogGroups['api'] = {str(api_log)!r};\n")
        pwb = wiki.write_pywikibot_dir(folder / 'pywikibot')
        config = folder / 'bench.yaml'
        config.write_text(json.dumps(CONFIG, indent=1), encoding='utf-8')
        log(f'N={n}: wiki at {wiki.api_url} in {folder}')
        seeding = {'wiki installed and started': time.perf_counter() - started}
        pages = generate(n, PREFIX, REVIEWER.name)
        seeding.update(seed(wiki, pwb, config, pages, bot))
        record['seeding'] = seeding
        record['seeding_total'] = sum(seeding.values())
        log(f'N={n}: seeded in {record["seeding_total"]:.1f} s')
        record['machine'] = machine(wiki)

        meter = Meter(wiki, api_log)
        command = [str(bot), 'all', f'-settings:{config}', f'-dir:{pwb}']
        shutil.rmtree(pwb / 'leadership-bot', ignore_errors=True)
        steps = [run_measured('full', command, meter)]
        steps.append(run_measured('noop', command, meter))
        record['noop_said_nothing_changed'] = 'nothing changed' in steps[-1].output
        edit_as_requesters(wiki, incremental_edits(pages))
        steps.append(run_measured('incremental', command, meter))
        if baselines:
            env = {'PYWIKIBOT_DIR': str(pwb)}
            for mode in ('pagebypage', 'preload'):
                steps.append(run_measured(
                    f'baseline-{mode}', [sys.executable, '-m', 'bench.baseline', mode,
                                         str(config)], meter, env))
        record['steps'] = [dataclasses.asdict(s) for s in steps]
        return record
    finally:
        wiki.stop()
        if keep:
            log(f'kept {folder}')
        else:
            shutil.rmtree(folder, ignore_errors=True)


def machine(wiki: LocalWiki) -> dict[str, str]:
    """CPU, cores, RAM and software versions."""
    cpu = '?'
    for line in Path('/proc/cpuinfo').read_text().splitlines():
        if line.startswith('model name'):
            cpu = line.partition(':')[2].strip()
            break
    mem_kb = 0
    for line in Path('/proc/meminfo').read_text().splitlines():
        if line.startswith('MemTotal:'):
            mem_kb = int(line.split()[1])
    general = WikiSession(wiki.api_url).api(action='query', meta='siteinfo')['query']['general']
    php = subprocess.run(['php', '-r', 'echo PHP_VERSION;'], capture_output=True, text=True,
                         check=False).stdout.strip()
    return {
        'CPU': cpu, 'cores': f'{os.cpu_count()} ({len(os.sched_getaffinity(0))} usable)',
        'RAM': f'{mem_kb / 1024 / 1024:.1f} GiB',
        'OS': f'{platform.system()} {platform.release()}',
        'Python': platform.python_version(),
        'pywikibot': importlib.metadata.version('pywikibot'),
        'MediaWiki': f'{general.get("generator", "?")} (SQLite, php -S with 4 workers, '
                     f'PHP {php})',
    }


# -- results.md ------------------------------------------------------------------------------


def full_budget(n: int) -> int:
    return 4 * math.ceil(n / 500) + 20


def targets(record: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """(target, met?, figure) for one N; ``None``: not measured."""
    steps = {s['name']: s for s in record['steps']}
    n = record['n']
    full, noop = steps['full'], steps['noop']
    rows: list[tuple[str, bool | None, str]] = [
        (f'full run ≤ 4·⌈N/500⌉+20 = {full_budget(n)} API requests',
         full['requests'] <= full_budget(n), f'{full["requests"]} requests'),
    ]
    baseline = steps.get('baseline-pagebypage')
    if baseline:
        speedup = baseline['seconds'] / full['seconds']
        rows.append((f'full run ≥ {SPEEDUP_TARGET}× faster than the page-by-page baseline',
                     speedup >= SPEEDUP_TARGET,
                     f'{speedup:.1f}× ({baseline["seconds"]:.1f} s / {full["seconds"]:.1f} s)'))
    else:
        rows.append((f'full run ≥ {SPEEDUP_TARGET}× faster than the page-by-page baseline',
                     None, 'baseline not run'))
    rows.append((f'no-op run ≤ {NOOP_BUDGET} API requests', noop['requests'] <= NOOP_BUDGET,
                 f'{noop["requests"]} requests'
                 + ('' if record.get('noop_said_nothing_changed') else
                    ' (but it did not say "nothing changed")')))
    bot_rss = max(s['rss_mb'] for s in record['steps'] if not s['name'].startswith('baseline'))
    rows.append((f'peak RSS ≤ {RSS_BUDGET_MB} MB (bot runs)', bot_rss <= RSS_BUDGET_MB,
                 f'{bot_rss:.0f} MB'))
    return rows


def findings(record: dict[str, Any]) -> list[str]:
    """What the request log says about the full run, in a few computed lines."""
    steps = {s['name']: s for s in record['steps']}
    full = steps['full']
    kinds = full['breakdown']
    total = full['requests']

    def count(*words: str) -> int:
        return sum(c for kind, c, _ in kinds if all(w in kind for w in words))

    def many(*words: str) -> int:  # batched reads: many titles, pageids or revids a request
        return sum(c for kind, c, _ in kinds
                   if all(w in kind for w in words) and '=(many)' in kind)

    reading = many('prop=revisions', '+content') - many('revids=(many)', '+content')
    saves = count('POST edit')
    lines = ['', '**Where the full run\'s requests go** (from the api log):', '',
             f'- reading the request pages (`prop=revisions` with content, 500 titles a '
             f'batch): {reading} requests',
             f'- page histories (`prop=revisions` by `revids`, many a request): '
             f'{many("revids=(many)")} requests',
             f'- listing and probe: {count("generator=allpages prop=info")} + '
             f'{count("query prop=info titles=(many)")} requests',
             f'- pywikibot start-up (`paraminfo`, `siteinfo`, `userinfo`): '
             f'{count("paraminfo") + count("meta=siteinfo") + count("query meta=userinfo")} '
             'requests',
             f'- single-page reads and checks (`titles=(1)`, `revids=(1)`): '
             f'{count("titles=(1)") + count("revids=(1)")} requests, most of them around the '
             f'{saves} saves (the page, the run page, pywikibot\'s `{{{{bots}}}}` check through '
             '`generator=templates`, the latest revision again, `prop=info` after the edit, '
             'the parent revision)',
             f'- {saves} edits; everything else: the rest of the {total}']
    return lines


LABELS = {
    'full': 'Full `all` run (no run cache)',
    'noop': 'No-op `all` run (nothing changed)',
    'incremental': 'Incremental `all` run (10 pages edited)',
    'baseline-pagebypage': 'Baseline: pywikibot page by page',
    'baseline-preload': 'Baseline: pywikibot `PreloadingGenerator` (default groupsize)',
}


def render(records: Sequence[dict[str, Any]]) -> str:
    """The whole results.md."""
    out = ['# leadership-bot benchmark', '',
           'Generated by `scripts/bench` (`python -m bench.run`); do not edit by hand. '
           'Each N ran on a fresh local wiki (MediaWiki on SQLite behind `php -S`, '
           '127.0.0.1) seeded with `importDump.php`: about 20 requests per requester '
           'account, 10% approved by the reviewer in a second revision, 2% broken. The bot '
           'logs in as LeadershipBot (bot group, apihighlimits). API requests are counted in '
           "the server's access log, wall time is end to end (process start to exit, "
           'pywikibot start-up and login included), peak RSS is the maximum resident set '
           'size of the process.', '']
    out += machine_lines(records) + overview(records)
    for record in records:
        n = record['n']
        out += [f'## N = {n:,}', '',
                f'Measured {record["date"]}; {n:,} request pages by {record["requesters"]:,} '
                'requesters.', '', '| Step | API requests | Wall time | Peak RSS |',
                '|---|---:|---:|---:|',
                f'| Seeding (setup, accounts, import) | – | {record["seeding_total"]:.1f} s | – |']
        for step in record['steps']:
            failed = '' if step['code'] == 0 else f' (exit code {step["code"]})'
            out.append(f'| {LABELS.get(step["name"], step["name"])}{failed} | '
                       f'{step["requests"]:,} | {step["seconds"]:.1f} s | '
                       f'{step["rss_mb"]:.0f} MB |')
        out += ['', '**Targets**' + (' (set for N = 10,000)' if n != 10_000 else '') + ':', '']
        for text, met, figure in targets(record):
            verdict = {True: 'met', False: '**missed**', None: 'not measured'}[met]
            out.append(f'- {text}: {verdict} — {figure}')
        out += findings(record)
        out += ['', '<details><summary>Seeding steps</summary>', '']
        out += [f'- {name}: {seconds:.1f} s' for name, seconds in record['seeding'].items()]
        out += ['', '</details>', '', '<details><summary>Which API requests (from MediaWiki\'s '
                "api debug log: method, action and query modules; server time)</summary>", '']
        for step in record['steps']:
            out += [f'{LABELS.get(step["name"], step["name"])}:', '',
                    '| Request | Count | Server time |', '|---|---:|---:|']
            shown = step['breakdown'][:12]
            out += [f'| `{kind}` | {count:,} | {ms / 1000:.1f} s |' for kind, count, ms in shown]
            rest = step['breakdown'][12:]
            if rest:
                out.append(f'| (other kinds) | {sum(c for _, c, _ in rest):,} | '
                           f'{sum(m for _, _, m in rest) / 1000:.1f} s |')
            out.append('')
        out += ['</details>', '', '<details><summary>Last lines of the bot\'s output'
                '</summary>', '']
        for step in record['steps']:
            out += [f'{LABELS.get(step["name"], step["name"])}:', '', '```',
                    step['output'], '```', '']
        out += ['</details>', '']
    out += [f'<!-- {DATA_MARK} {json.dumps(records, ensure_ascii=False)} -->', '']
    return '\n'.join(out)


def machine_lines(records: Sequence[dict[str, Any]]) -> list[str]:
    """The machine description(s), once per distinct machine."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(json.dumps(record['machine'], sort_keys=True), []).append(record)
    out: list[str] = []
    for group in groups.values():
        which = ', '.join(f'{r["n"]:,}' for r in group)
        out += [f'## Machine (N = {which})' if len(groups) > 1 else '## Machine', '']
        out += [f'- {key}: {value}' for key, value in group[0]['machine'].items()]
        out += [f'- date: {", ".join(r["date"] for r in group)}', '']
    return out


def overview(records: Sequence[dict[str, Any]]) -> list[str]:
    """One line per N: requests and seconds of every step, speedup and peak RSS."""
    out = ['## Overview', '', 'API requests / wall time. Speedup: page-by-page baseline time '
           'divided by the full run time.', '',
           '| N | Full run | No-op | Incremental (10 pages) | Baseline page by page | '
           'Baseline preloading | Speedup | Bot peak RSS |', '|---:' * 8 + '|']
    for record in records:
        steps = {s['name']: s for s in record['steps']}

        def cell(name: str, steps: dict[str, Any] = steps) -> str:
            step = steps.get(name)
            return f'{step["requests"]:,} / {step["seconds"]:.1f} s' if step else '–'

        baseline = steps.get('baseline-pagebypage')
        speedup = (f'{baseline["seconds"] / steps["full"]["seconds"]:.1f}×' if baseline
                   else '–')
        rss = max(s['rss_mb'] for s in record['steps'] if not s['name'].startswith('baseline'))
        out.append(f'| {record["n"]:,} | {cell("full")} | {cell("noop")} | '
                   f'{cell("incremental")} | {cell("baseline-pagebypage")} | '
                   f'{cell("baseline-preload")} | {speedup} | {rss:.0f} MB |')
    return out + ['']


def load_records(path: Path) -> list[dict[str, Any]]:
    """The records embedded in an earlier results.md (none if absent or unreadable)."""
    try:
        text = path.read_text(encoding='utf-8')
        data = text[text.index(DATA_MARK) + len(DATA_MARK):text.rindex('-->')]
        records = json.loads(data)
    except (OSError, ValueError):
        return []
    return [r for r in records if isinstance(r, dict) and 'n' in r]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='scripts/bench', description=__doc__.splitlines()[0])
    parser.add_argument('n', nargs='*', type=int, default=[1000, 10000],
                        help='numbers of requests (default: 1000 10000)')
    parser.add_argument('--keep', action='store_true', help='keep the wikis and logs')
    parser.add_argument('--no-baselines', dest='baselines', action='store_false',
                        help='skip the pywikibot baselines (no speedup figure)')
    parser.add_argument('--output', type=Path, default=RESULTS,
                        help='results file (default: %(default)s)')
    args = parser.parse_args(argv)
    if any(n < 10 for n in args.n):
        parser.error('N must be at least 10')
    records = {r['n']: r for r in load_records(args.output)}
    for n in args.n:
        records[n] = bench(n, args.keep, args.baselines)
        args.output.write_text(render([records[k] for k in sorted(records)]), encoding='utf-8')
        log(f'N={n}: results written to {args.output}')
    for n in args.n:
        for text, met, figure in targets(records[n]):
            log(f'N={n}: {text}: {"met" if met else "MISSED" if met is False else "-"} '
                f'({figure})')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
