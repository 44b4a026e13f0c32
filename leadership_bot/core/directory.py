"""The partnership-organizer directory: who is listed, how pages are laid out, what changed.

Pure. :func:`build_organizers` applies the consent rules to checked requests;
:func:`plan_directory` lays the rows out on the main page and, past
``max_rows_per_page``, on region subpages (split further when one region is too large),
and compares with what the bot listed before (user -> row fingerprint, from the bot's own
data page, :mod:`leadership_bot.core.state`) for the edit summary and :func:`wipe_guard`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from leadership_bot.core.model import Checked
from leadership_bot.core.rendering import plain, table, user_link
from leadership_bot.core.vocabulary import REGIONS, region_title

BLOCK = 'directory'
# The names of the world regions (headings and subpage links): the only place in the
# directory code that holds them; the codes themselves are ``vocabulary.regions``.
HEADERS = ('Organizer', 'Region', 'Languages', 'Partnership areas', 'Skills', 'Mentor',
           'Approved', 'Completed', 'Latest program')
_ROW_USER = re.compile(r'^\| \[\[User:([^|\]]+)\|')
JSON_SCHEMA_VERSION = 1
EMPTY_LABEL = 'request'  # link text when the program name has nothing visible


@dataclasses.dataclass(frozen=True)
class Organizer:
    """One directory row."""

    user: str
    region: str
    languages: tuple[str, ...]
    areas: tuple[str, ...]
    skills: str | None
    mentor: bool
    approved: int
    completed: int
    latest_program: str
    latest_request: str


# Latin letters that Unicode does not decompose into a base letter and an accent.
_BASE_LETTERS = str.maketrans({'ł': 'l', 'đ': 'd', 'ø': 'o', 'ß': 'ss', 'æ': 'ae', 'œ': 'oe',
                               'þ': 'th', 'ð': 'd', 'ı': 'i', 'ħ': 'h', 'ŧ': 't'})


def sort_key(name: str) -> tuple[str, str]:
    """Deterministic, case- and accent-insensitive order, ties broken by the exact name."""
    folded = unicodedata.normalize('NFKD', name.casefold().translate(_BASE_LETTERS))
    return ''.join(c for c in folded if not unicodedata.combining(c)), name


def build_organizers(requests: Iterable[Checked]) -> list[Organizer]:
    """Organizers by the consent rules, sorted by region order of appearance then name.

    Listed: a verified requester with ``directory=yes`` on a non-withdrawn request and
    ``directory=no`` on none (an explicit no anywhere withdraws consent). The profile
    comes from the newest such request (highest page id: created last).
    """
    by_user: dict[str, list[Checked]] = defaultdict(list)
    for checked in requests:
        by_user[checked.request.user].append(checked)
    organizers = []
    for user, own in by_user.items():
        if any(c.request.directory is False for c in own):
            continue
        eligible = [c for c in own if c.verified and c.request.directory
                    and c.status != 'withdrawn']
        if not eligible:
            continue
        newest = max(eligible, key=lambda c: c.request.page_id).request
        verified = [c for c in own if c.verified]
        organizers.append(Organizer(
            user=user, region=newest.region, languages=newest.languages, areas=newest.areas,
            skills=newest.skills, mentor=bool(newest.mentor),
            approved=sum(c.status == 'approved' for c in verified),
            completed=sum(c.status == 'completed' for c in verified),
            latest_program=newest.program, latest_request=newest.page))
    return sorted(organizers, key=lambda o: sort_key(o.user))


def render_row(organizer: Organizer, language_names: Mapping[str, str]) -> tuple[str, ...]:
    """One table row; every volunteer value through :func:`plain`."""
    talk = f'[[User talk:{organizer.user}|talk]]'
    # An empty label would be the pipe trick: saving fills in the title.
    program = plain(organizer.latest_program, limit=120) or EMPTY_LABEL
    languages = ', '.join(plain(language_names.get(code, code)) for code in organizer.languages)
    return (f'{user_link(organizer.user)} ({talk})', plain(organizer.region), languages,
            plain(', '.join(a.replace('-', ' ') for a in organizer.areas)),
            plain(organizer.skills or '', limit=300), 'yes' if organizer.mentor else '',
            str(organizer.approved), str(organizer.completed),
            f'[[:{organizer.latest_request}|{program}]]')


LEGEND = ("Partnership organizers who asked to be listed (<code>directory = yes</code> on a "
          'leadership request they filed themselves). ''Mentor'': offers to mentor other '
          "organizers. ''Approved'' and ''Completed'': their requests with that status. "
          'To leave the directory, set <code>directory = no</code> on your request; the bot '
          'updates this list on its next run.')


@dataclasses.dataclass(frozen=True)
class DirectoryPage:
    """One page of the directory and the organizers it lists."""

    title: str
    body: str
    users: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class DirectoryPlan:
    """Every page to write, and what changed against the pages as they are."""

    pages: tuple[DirectoryPage, ...]
    added: frozenset[str]
    removed: frozenset[str]
    changed: frozenset[str]
    previous: int
    listing: Mapping[str, str] = dataclasses.field(default_factory=dict)  # user -> row digest

    @property
    def removed_share(self) -> float:
        """Share of the previously listed organizers this plan drops."""
        return len(self.removed) / self.previous if self.previous else 0.0

    def summary(self) -> str:
        """Edit summary: ``+3 −1 ~2 organizers``."""
        return (f'leadership-bot: directory +{len(self.added)} −{len(self.removed)} '
                f'~{len(self.changed)} organizers')


def wipe_guard(plan: DirectoryPlan, max_removed_share: float, force: bool = False,
               ) -> str | None:
    """The wipe guard: why the directory must not be saved (``None``: it may be).

    It fires when ``plan`` drops more than ``max_removed_share`` of the organizers the
    bot listed before (exactly the share is still allowed), unless an operator confirmed
    the mass removal (``force``, ``-force-removal``).
    """
    if force or plan.removed_share <= max_removed_share:
        return None
    return (f'This run would remove {len(plan.removed)} of {plan.previous} listed organizers '
            f'({plan.removed_share:.0%}, more than the {max_removed_share:.0%} allowed by '
            'directory.max_removed_share), so the directory was not saved. If this is right, '
            'an operator runs "leadership-bot directory -force-removal".')


def _section(organizers: Sequence[Organizer], names: Mapping[str, str]) -> str:
    return table(HEADERS, (render_row(o, names) for o in organizers))


def plan_directory(organizers: Sequence[Organizer], regions: Sequence[str], title: str,
                   max_rows: int, language_names: Mapping[str, str],
                   previous_rows: Mapping[str, str],
                   region_names: Mapping[str, str] = REGIONS) -> DirectoryPlan:
    """Lay out the directory and compare it with ``previous_rows``: whom the bot listed
    before, user -> :func:`row_digest` of their row. Regions are headed by their name in
    ``region_names``.

    Up to ``max_rows`` organizers: one page grouped by region. Beyond: the main page
    links one subpage per region (``TITLE/ssa``); a region still larger than
    ``max_rows`` is split into numbered parts (``TITLE/ssa/1``, ``/2`` …) linked from
    its region page.
    """
    order = {code: i for i, code in enumerate(regions)}
    grouped: dict[str, list[Organizer]] = defaultdict(list)
    for organizer in organizers:
        grouped[organizer.region].append(organizer)
    codes = sorted(grouped, key=lambda c: (order.get(c, len(order)), c))
    count = f"'''{len(organizers)}''' organizers in '''{len(codes)}''' regions."
    pages: list[DirectoryPage] = []
    if len(organizers) <= max_rows:
        sections = [f'== {plain(region_title(c, region_names))} ==\n'
                    + _section(grouped[c], language_names) for c in codes]
        body = '\n\n'.join([LEGEND, count, *sections])
        pages.append(DirectoryPage(title, body, tuple(o.user for o in organizers)))
    else:
        links = []
        for code in codes:
            members = grouped[code]
            sub = f'{title}/{code}'
            heading = plain(region_title(code, region_names))
            links.append(f'* [[{sub}|{heading}]]: {len(members)} organizers')
            pages.extend(_region_pages(sub, heading, members, max_rows, language_names))
        body = '\n\n'.join([LEGEND, count, 'The directory is split by region:\n' +
                            '\n'.join(links)])
        pages.insert(0, DirectoryPage(title, body, ()))
    rows = {o.user: row_digest('| ' + ' || '.join(render_row(o, language_names)))
            for o in organizers}
    previous = set(previous_rows)
    return DirectoryPlan(
        pages=tuple(pages), added=frozenset(set(rows) - previous),
        removed=frozenset(previous - set(rows)),
        changed=frozenset(u for u in set(rows) & previous if rows[u] != previous_rows[u]),
        previous=len(previous), listing=rows)


def _region_pages(title: str, region: str, members: Sequence[Organizer], max_rows: int,
                  names: Mapping[str, str]) -> list[DirectoryPage]:
    heading = f'== {region} ==\n'
    back = f"{LEGEND}\n\n'''{len(members)}''' organizers in this region."
    if len(members) <= max_rows:
        return [DirectoryPage(title, f'{back}\n\n{heading}{_section(members, names)}',
                              tuple(o.user for o in members))]
    parts = [members[i:i + max_rows] for i in range(0, len(members), max_rows)]
    links = [f'* [[{title}/{n}|{plain(part[0].user)} – {plain(part[-1].user)}]]: '
             f'{len(part)} organizers' for n, part in enumerate(parts, 1)]
    pages = [DirectoryPage(title, f'{back}\n\n{heading}' + '\n'.join(links), ())]
    for n, part in enumerate(parts, 1):
        pages.append(DirectoryPage(f'{title}/{n}', f'{back}\n\n{heading}'
                                   + _section(part, names), tuple(o.user for o in part)))
    return pages


def row_digest(row: str) -> str:
    """A short fingerprint of a row's text: enough to tell that it changed.

    The bot keeps these, not the rows, in its data page: 10,000 rows of text would not
    fit in one page. MediaWiki stores text in NFC, so a row read back digests the same.
    """
    text = unicodedata.normalize('NFC', row.rstrip())
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]


def listed_rows(body: str | None) -> dict[str, str]:
    """User -> :func:`row_digest` of each row of a directory block as the bot wrote it.

    The bot reads its own revisions this way (the first run after an upgrade, before its
    data page exists), never the page as anyone may have edited it.
    """
    rows: dict[str, str] = {}
    for line in (body or '').splitlines():
        match = _ROW_USER.match(line)
        if match:
            rows[match.group(1)] = row_digest(line)
    return rows


def stale_body(main_title: str) -> str:
    """What a subpage that is no longer part of the directory keeps: a pointer."""
    return (f'This part of the directory is no longer used; see [[{main_title}]].')


JSON_LIMITS = {'skills': 500, 'latest_program': 200}  # characters kept in the JSON copy
JSON_SHARE = 0.7  # of the wiki's page size limit one JSON page may fill


def render_json(organizers: Sequence[Organizer], title: str, json_title: str = '',
                max_bytes: int = 2048 * 1024) -> dict[str, str]:
    """The machine-readable copy (schema documented in the README): page title -> text.

    One page (``schema`` 1) while it fits in :data:`JSON_SHARE` of the wiki's size
    limit; beyond, the page lists its parts (``schema`` 2: ``parts``) and each part
    ``JSON_TITLE/N`` holds a run of organizers. Long free-text values are cut at
    :data:`JSON_LIMITS` characters (with ``…``), so every page stays within the limit.
    """
    rows = [_json_row(o) for o in organizers]
    # MediaWiki stores JSON pages pretty-printed with four spaces; sizes are measured so.
    whole = json.dumps({'schema': JSON_SCHEMA_VERSION, 'directory': title, 'organizers': rows},
                       ensure_ascii=False, indent=4)
    budget = int(max_bytes * JSON_SHARE)
    if len(whole.encode('utf-8')) <= budget:
        return {json_title: whole}
    parts: list[list[dict[str, object]]] = [[]]
    used = 0
    for row in rows:
        size = len(json.dumps(row, ensure_ascii=False, indent=4).encode('utf-8')) * 2
        if parts[-1] and used + size > budget:
            parts.append([])
            used = 0
        parts[-1].append(row)
        used += size
    names = [f'{json_title}/{n}' for n in range(1, len(parts) + 1)]
    pages = {json_title: json.dumps({'schema': 2, 'directory': title, 'count': len(rows),
                                     'parts': names}, ensure_ascii=False, indent=4)}
    for number, (name, part) in enumerate(zip(names, parts, strict=True), 1):
        pages[name] = json.dumps({'schema': 2, 'directory': title, 'part': number,
                                  'organizers': part}, ensure_ascii=False, indent=4)
    return pages


def _json_row(organizer: Organizer) -> dict[str, object]:
    row = dataclasses.asdict(organizer)
    for field, limit in JSON_LIMITS.items():
        value = row.get(field)
        if isinstance(value, str) and len(value) > limit:
            row[field] = value[:limit - 1].rstrip() + '…'
    return row
