"""The wiki layer: the one module that talks to MediaWiki, through pywikibot.

Everything here reads in bulk (many pages per API request) and hands plain data
to the pure core; saves go through :meth:`Wiki.save`, which checks the run page,
skips unchanged content, shows diffs under ``-simulate`` and survives edit
conflicts by re-reading the page and re-applying the change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pywikibot
import requests
from pywikibot import config
from pywikibot.backports import batched
from pywikibot.comms import http
from pywikibot.data import api
from pywikibot.exceptions import (
    APIError,
    EditConflictError,
    Error,
    IsRedirectPageError,
    NoPageError,
    OtherPageSaveError,
    PageSaveRelatedError,
)
from pywikibot.family import WikimediaFamily
from pywikibot.tools import first_upper

from leadership_bot.core.blocks import MarkerError
from leadership_bot.core.model import Probe, RequestPage, SaveOutcome, TextRevision
from leadership_bot.core.normalize import use_first_letter_rule
from leadership_bot.core.parsing import EXTENSION_TAGS
from leadership_bot.core.preprocessor import is_redirect
from leadership_bot.core.settings import Settings
from leadership_bot.wiki.cache import Cache

PROGRESS_EVERY = 500  # pages between progress lines on long reads
MOVE_SLACK = 5  # seconds between a move's null revision and its log entry, at most
RENAME_LOOKUPS = 50  # rename-log requests a run may make for names that no longer exist
# What ends a run with exit code 1: the wiki unreachable or failing after retries.
WIKI_ERRORS: tuple[type[BaseException], ...] = (Error, requests.RequestException, OSError)
info = pywikibot.info
TEMPLATE_NAMESPACES = frozenset({10, 11})
# API errors that are about the whole wiki, not one page: they end the run.
WIKI_WIDE_ERRORS = frozenset({'readonly', 'assertuserfailed', 'assertbotfailed',
                              'badtoken', 'mwoauth-invalid-authorization'})


def handle_args(argv: list[str]) -> list[str]:
    """pywikibot's global options (``-simulate``, ``-dir:`` …); returns the rest.

    Passwords, tokens and cookies are redacted from every log record (terminal and
    ``-log``/``-debug`` files), and pywikibot's ``logs/`` folder is mode 700 with its
    files 600 (:mod:`leadership_bot.wiki.redaction`). pywikibot logs each retried HTTP failure
    with a
    full traceback; operators get its last line instead (the exit message gives the
    reason in one line).
    """
    from leadership_bot.wiki import redaction

    log_filter = redaction.protect(redaction.pywikibot_secrets(
        config.base_dir, config.password_file, config.authenticate))
    # pywikibot logs them on its 'pywiki' logger itself; a logger filter survives
    # handle_args() replacing the handlers.
    logging.getLogger('pywiki').addFilter(_short_tracebacks)
    # It creates logs/, the log file and logs/commands.log here: private from the start.
    with redaction.private_files():
        rest = pywikibot.handle_args(argv)
    redaction.attach(log_filter)  # also on the handlers it has just installed
    redaction.secure_logs([Path(config.base_dir, 'logs')])
    return rest


def _short_tracebacks(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    if message.startswith('Traceback'):
        lines = message.strip().splitlines()
        record.msg, record.args = f'retrying after: {lines[-1]}', None
    return True


class StopRequested(Exception):
    """The run page says stop (exit code 3)."""


class WrongSiteError(Exception):
    """pywikibot is set up for another wiki than the config expects (exit code 2)."""


def cache_path(site: pywikibot.site.APISite) -> Path:
    """Where the run cache of a site lives: pywikibot's folder (``-dir:``)."""
    return Path(config.base_dir, 'leadership-bot', f'{site.family.name}-{site.code}.sqlite3')


class RequestCounter:
    """Counts every HTTP request pywikibot sends (API calls and their retries)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _response: object, *_args: object, **_kwargs: object) -> None:
        self.count += 1


REQUESTS = RequestCounter()
http.session.hooks['response'].append(REQUESTS)


def simulating() -> bool:
    """Whether ``-simulate`` is on."""
    return bool(config.simulate)


def require_user_config() -> None:
    """Refuse pywikibot's silent fallback to its default wiki when no user-config.py exists.

    Must run before :func:`handle_args`, which may already contact the default wiki.
    """
    if not Path(config.base_dir, config.user_config_file).exists():
        raise WrongSiteError(
            f'no user-config.py in {config.base_dir}: pywikibot would fall back to '
            f'{config.family}:{config.mylang}. Give -dir:FOLDER or set PYWIKIBOT_DIR '
            '(see user-config.py.sample).')


def connect(settings: Settings) -> pywikibot.site.APISite:
    """The configured site; refuses another wiki than the config's ``site``."""
    user_config = Path(config.base_dir, config.user_config_file)
    site = pywikibot.Site()
    name = f'{site.family.name}:{site.code}'
    if settings.site and name != settings.site:
        raise WrongSiteError(
            f'{settings.source}: site: expects {settings.site}, but pywikibot is set up for '
            f'{name} ({user_config}); refusing to run on another wiki.')
    try:
        site.login()
    except EOFError as exc:  # pywikibot asked for a password and nobody can answer
        raise WrongSiteError(
            f'no password for {site.username()} on {name} in {config.base_dir}/'
            f'{config.password_file or "user-password.py"}; pywikibot asked for one on '
            'the terminal.') from exc
    if isinstance(site.family, WikimediaFamily):  # its own first-letter table
        use_first_letter_rule(first_upper)
    if not site.has_right('bot'):
        raise WrongSiteError(
            f'{site.username()} is not a bot account on {name}; leadership-bot edits only '
            'as its bot account (the bot flag marks its edits, and its ledger and data '
            'pages are that account\'s). Log in as the bot (usernames in user-config.py).')
    return site


class PageNotSaved(Exception):
    """A generated page that must not be saved as it is (e.g. over the size limit)."""


class Wiki:
    """Bulk reads and careful writes on one site."""

    def __init__(self, site: pywikibot.site.APISite, settings: Settings,
                 cache: Cache | None = None) -> None:
        self.site = site
        self.settings = settings
        self.cache = cache
        self.saved: dict[str, int] = {}  # title -> revision id of the bot's save
        self.failed: dict[str, str] = {}  # title -> why it could not be saved
        self.outcomes: Counter[SaveOutcome] = Counter()  # saves of this run, by outcome
        self.posted = 0  # notices this run posted (the wiki has them)
        self.probe: Probe | None = None
        self._generated: frozenset[str] | None = None
        self._generated_prefixes: tuple[str, ...] = ()

    def take_probe(self) -> Probe:
        """What changed since the last run, in two queries (any N up to 5,000 pages)."""
        pages, head, admins = self.listing()
        config, protection = self.latest_revids(self.settings.pages.watched())
        self.probe = Probe(pages, head, admins, config, protection)
        return self.probe

    @property
    def max_bytes(self) -> int:
        """The wiki's page size limit (``$wgMaxArticleSize``, siteinfo, in bytes)."""
        kilobytes = int(self.site.siteinfo.get('maxarticlesize', 2048 * 1024)) // 1024
        return kilobytes * 1024

    def generated(self, title: str) -> bool:
        """Whether the bot writes ``title`` (a generated page, a directory subpage, its
        own data pages, the run page): such a page is never a request page, whatever
        the request prefix."""
        if self._generated is None:
            pages = self.settings.pages
            own = [pages.report, pages.directory, pages.directory_json, pages.mentorship,
                   pages.run, pages.reviewers, pages.optout]
            self._generated = frozenset(self._normal(t) for t in own if t)
            self._generated_prefixes = tuple(
                [self._normal(t) + '/' for t in (pages.directory, pages.directory_json) if t]
                + [f'User:{self.site.username()}/leadership-'])
        return title in self._generated or title.startswith(self._generated_prefixes)

    # -- reads -------------------------------------------------------------

    @property
    def batch(self) -> int:
        """Titles or revision ids per request: 500 with apihighlimits, else 50."""
        return int(self.site.maxlimit)

    def listing(self) -> tuple[dict[str, tuple[int, int]], int, frozenset[str]]:
        """What changed, in one query (5,000 pages per request for a bot).

        Returns request pages (title -> page id, latest revision id), the id of the
        bot's newest user-talk edit (the notice ledger's head) and the admins.
        """
        prefix = self.settings.pages.request_prefix
        if prefix:
            source = self._under(prefix)
            source['gaplimit'] = 'max'
        else:
            source = {'generator': 'embeddedin', 'geilimit': 'max',
                      'geititle': self.settings.pages.request_template}
        pages: dict[str, tuple[int, int]] = {}
        head = 0
        admins: set[str] = set()
        parameters: dict[str, Any] = {
            'action': 'query', **source, 'prop': 'info', 'list': 'usercontribs|allusers',
            'ucuser': self.site.username(), 'ucnamespace': 3, 'uclimit': 1,
            'augroup': 'sysop', 'aulimit': 'max', 'continue': ''}
        while True:
            result = api.Request(site=self.site, parameters=parameters).submit()
            query = result.get('query', {})
            for page in query.get('pages', {}).values():
                if page.get('ns') not in TEMPLATE_NAMESPACES and 'missing' not in page \
                        and not self.generated(page['title']):
                    pages[page['title']] = (int(page['pageid']), int(page['lastrevid']))
            for edit in query.get('usercontribs', ())[:1]:
                head = max(head, int(edit['revid']))
            admins.update(user['name'] for user in query.get('allusers', ()))
            more = {k: v for k, v in result.get('continue', {}).items()
                    if k.startswith(('gap', 'gei'))}
            if not more:
                return pages, head, frozenset(admins)
            # Only the page list goes on; the two lists were complete enough.
            parameters = {'action': 'query', **source, 'prop': 'info', **more}

    def read_pages(self, titles: Iterable[str]) -> Iterator[RequestPage]:
        """Request pages with the text of their current revision, a batch of titles per request."""
        progress = _Progress('request pages')
        pages, _ = self.page_facts(titles, prop='revisions|info',
                                   rvprop='ids|timestamp|user|content|sha1', rvslots='main')
        for data in pages.values():
            if 'missing' in data or not data.get('revisions'):
                continue
            progress.tick()
            revision = data['revisions'][0]
            yield RequestPage(
                title=data['title'], page_id=int(data['pageid']),
                revid=int(revision['revid']), text=_content(revision),
                timestamp=_timestamp(revision['timestamp']),
                parentid=int(revision.get('parentid', 0)), user=revision.get('user', ''),
                redirect='redirect' in data,
                content_model=str(data.get('contentmodel', 'wikitext')),
                sha1=revision.get('sha1', ''))
        progress.done()

    def latest_revids(self, titles: Sequence[str]) -> tuple[dict[str, int], dict[str, str]]:
        """Latest revision id (0 when missing) and edit-protection level of each page."""
        pages, _ = self.page_facts(titles, prop='info', inprop='protection')
        by_name = {self._normal(t): t for t in titles}
        revids = dict.fromkeys(titles, 0)
        levels: dict[str, str] = {}
        for title, page in pages.items():
            asked = by_name.get(title, title)
            revids[asked] = int(page.get('lastrevid', 0))
            for rule in page.get('protection', ()):
                if rule['type'] == 'edit':
                    levels[asked] = rule['level']
        return revids, levels

    def _normal(self, title: str) -> str:
        return pywikibot.Page(self.site, title).title()

    def texts_under(self, prefix: str) -> dict[str, str]:
        """Title -> text of every page whose title starts with ``prefix``, in batches."""
        generator = api.PropertyGenerator('revisions', site=self.site, parameters={
            **self._under(prefix), 'rvprop': 'content', 'rvslots': 'main'})
        return {data['title']: _content(data['revisions'][0]) for data in generator}

    def texts(self, titles: Iterable[str]) -> dict[str, str]:
        """Title -> current text of the existing pages among ``titles``, in batches."""
        pages, _ = self.page_facts(titles, prop='revisions', rvprop='content', rvslots='main')
        return {title: _content(page['revisions'][0])
                for title, page in pages.items() if page.get('revisions')}

    def _under(self, prefix: str) -> dict[str, Any]:
        """Generator parameters for every page under a title prefix."""
        sample = pywikibot.Page(self.site, prefix + 'x')
        return {'generator': 'allpages', 'gapnamespace': sample.namespace().id,
                'gapprefix': sample.title(with_ns=False)[:-1], 'gaplimit': self.batch}

    def revisions(self, revids: Iterable[int]) -> dict[int, TextRevision]:
        """Revisions by id with their text, in batches (``revids``, many pages at once).

        A revision whose text or author revision deletion hides has ``text``/``user``
        ``None``/``''``; a text in another content model than wikitext is ``None`` too
        (it holds no template). pywikibot's PropertyGenerator adds ``rvlimit``, which
        the API refuses together with ``revids``; :meth:`_query` does the plain request.
        """
        found: dict[int, TextRevision] = {}
        for group in batched(sorted(set(revids)), self.batch):
            for result in self._query({'prop': 'revisions', 'revids': list(group),
                                       'rvprop': 'ids|user|timestamp|content|sha1',
                                       'rvslots': 'main'}):
                for page in result.get('query', {}).get('pages', {}).values():
                    for rev in page.get('revisions', ()):
                        found[int(rev['revid'])] = _text_revision(rev)
        return found

    def history(self, title: str) -> list[TextRevision]:
        """Every revision of one page with its text, oldest first (e.g. the reviewers page).

        A watched page whose latest revision the probe saw comes from the cache when
        the cache holds its history up to that revision.
        """
        revid = self.probe.config.get(title) if self.probe else None
        key = f'history:{title}'
        cached = self.cache.get(key) if self.cache and revid is not None else None
        if cached and cached.get('revid') == revid:
            return [TextRevision(**{**r, 'timestamp': _timestamp(r['timestamp'])})
                    for r in cached['revisions']]
        revisions: list[TextRevision] = []
        for result in self._query({'prop': 'revisions', 'titles': title, 'rvdir': 'newer',
                                   'rvprop': 'ids|user|timestamp|content|sha1',
                                   'rvslots': 'main', 'rvlimit': 'max'}):
            for page in result.get('query', {}).get('pages', {}).values():
                revisions.extend(_text_revision(r) for r in page.get('revisions', ()))
        if self.cache and revid is not None:
            self.cache.put(key, {'revid': revid, 'revisions': [
                {**dataclasses.asdict(r), 'timestamp': r.timestamp.isoformat()}
                for r in revisions]})
        return revisions

    def revisions_from(self, title: str, revid: int) -> Iterator[TextRevision]:
        """Revision ``revid`` of one page and all older ones, newest first, with text."""
        for result in self._query({'prop': 'revisions', 'titles': title, 'rvstartid': revid,
                                   'rvdir': 'older', 'rvlimit': 'max', 'rvslots': 'main',
                                   'rvprop': 'ids|user|timestamp|content|sha1'}):
            for page in result.get('query', {}).get('pages', {}).values():
                yield from (_text_revision(r) for r in page.get('revisions', ()))

    def move_sources(self, candidates: Iterable[tuple[int, TextRevision]]) -> dict[int, str]:
        """Revision id -> the title a page was moved from, for revisions a move made.

        ``candidates`` are (page id, revision) pairs of null revisions (same text as their
        parent): a move, a protection or an import. The move log, asked for the revision's
        author at its second, tells which were moves of that page (few; one request each).
        """
        sources: dict[int, str] = {}
        for page_id, revision in candidates:
            if not revision.user:
                continue
            # The log entry may be written a second after the null revision.
            start, end = (f'{revision.timestamp + dt.timedelta(seconds=s):%Y-%m-%dT%H:%M:%SZ}'
                          for s in (MOVE_SLACK, -MOVE_SLACK))
            for result in self._query({'list': 'logevents', 'letype': 'move',
                                       'leuser': revision.user, 'lestart': start,
                                       'leend': end, 'leprop': 'title|ids',
                                       'lelimit': 'max'}):
                for entry in result.get('query', {}).get('logevents', ()):
                    # logpage: the id of the page moved (pageid is the old title's now)
                    if int(entry.get('logpage', 0)) == page_id:
                        sources[revision.revid] = entry['title']
        return sources

    def titles_of(self, page_ids: Iterable[int]) -> dict[int, str]:
        """Page id -> current title of the pages that still exist, in batches."""
        found: dict[int, str] = {}
        for group in batched(sorted(set(page_ids)), self.batch):
            for result in self._query({'pageids': list(group), 'prop': 'info'}):
                for page in result.get('query', {}).get('pages', {}).values():
                    if 'missing' not in page and 'pageid' in page:
                        found[int(page['pageid'])] = page['title']
        return found

    def extension_tags(self) -> list[str]:
        """The parser's extension tags (``nowiki``, ``ref`` …), without the brackets."""
        return [t.strip('<>') for t in self.site.siteinfo.get('extensiontags', ())] \
            or sorted(EXTENSION_TAGS)

    def redirect_words(self) -> list[str]:
        """The wiki's redirect magic word and its aliases (``#REDIRECT``, localized ones)."""
        for word in self.site.siteinfo.get('magicwords', ()):
            if word.get('name') == 'redirect':
                return list(word.get('aliases', ())) or ['#REDIRECT']
        return ['#REDIRECT']

    def _query(self, parameters: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every response of an action=query, following the ``continue`` protocol."""
        parameters = {'action': 'query', 'continue': '', **parameters}
        while True:
            result = api.Request(site=self.site, parameters=parameters).submit()
            yield result
            if 'continue' not in result:
                return
            parameters.update(result['continue'])

    def page_facts(self, titles: Iterable[str], **props: Any) -> tuple[
            dict[str, dict[str, Any]], dict[str, str]]:
        """Page data (title -> merged page dict) and redirects (from -> to), in batches.

        ``props`` are extra query parameters (``prop``, ``tltemplates`` …); list-valued
        parts continued over several responses are merged.
        """
        pages: dict[str, dict[str, Any]] = {}
        redirects: dict[str, str] = {}
        for group in batched(sorted(set(titles)), self.batch):
            for result in self._query({'titles': list(group), **props}):
                query = result.get('query', {})
                names = {n['from']: n['to'] for n in query.get('normalized', ())}
                for item in query.get('redirects', ()):
                    redirects[item['from']] = item['to']
                redirects.update({k: redirects.get(v, v) for k, v in names.items()
                                  if v in redirects})
                for page in query.get('pages', {}).values():
                    merged = pages.setdefault(page['title'], {})
                    for key, value in page.items():
                        if isinstance(value, list):
                            merged.setdefault(key, []).extend(value)
                        else:
                            merged[key] = value
        return pages, redirects

    def user_ids(self, names: Iterable[str]) -> dict[str, int]:
        """Name -> user id of the registered users among ``names``, in batches of list=users."""
        wanted = set(names)
        if self.cache:
            self._forget_renamed()
        known = self.cache.user_ids(wanted) if self.cache else {}
        found: dict[str, int] = {}
        for group in batched(sorted(wanted - set(known)), self.batch):
            for user in self.site.users(list(group)):
                if 'missing' not in user and 'invalid' not in user and 'userid' in user:
                    found[user['name']] = int(user['userid'])
        if self.cache:
            self.cache.store_user_ids(found)
        return known | found

    def _forget_renamed(self) -> None:
        """Drop cached user names that a rename since the last look made free (one
        request: the rename log since then); the first look empties the name cache."""
        if self.cache is None:
            return
        since = self.cache.get('renames-seen')
        # A margin for clocks and for renames logged while this runs: seen twice is fine.
        now = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).strftime(
            '%Y-%m-%dT%H:%M:%SZ')
        if not since:
            self.cache.forget_users(None)
        else:
            old: set[str] = set()
            for result in self._query({'list': 'logevents', 'letype': 'renameuser',
                                       'lestart': since, 'ledir': 'newer',
                                       'leprop': 'details|timestamp', 'lelimit': 'max'}):
                for entry in result.get('query', {}).get('logevents', ()):
                    old.add(str(entry.get('params', {}).get('olduser', '')))
            self.cache.forget_users(old - {''})
        self.cache.put('renames-seen', now)

    def renames(self, names: Iterable[str]) -> dict[str, str]:
        """Old name -> new name, for the names among ``names`` that were renamed.

        The rename log, asked per name (only names that no longer exist are asked, at
        most :data:`RENAME_LOOKUPS` a run; answers are cached: a name that does not
        exist can only be renamed again after it exists again). Chains are followed.
        """
        found: dict[str, str] = {}
        cached = self.cache.get('renames') if self.cache else None
        known: dict[str, str] = dict(cached) if isinstance(cached, dict) else {}
        todo = sorted(set(names))
        asked = 0
        while todo and asked < RENAME_LOOKUPS:
            name = todo.pop()
            if name not in known:
                asked += 1
                known[name] = ''
                for result in self._query({'list': 'logevents', 'letype': 'renameuser',
                                           'letitle': f'User:{name}', 'leprop': 'details',
                                           'lelimit': 1}):
                    for entry in result.get('query', {}).get('logevents', ()):
                        known[name] = str(entry.get('params', {}).get('newuser', ''))
                    break
            if known[name] and known[name] not in found.values():
                found[name] = known[name]
                todo.append(known[name])  # renamed again since?
        if self.cache:
            self.cache.put('renames', known)
        return {old: new for old, new in found.items() if new != old}

    def admins(self) -> frozenset[str]:
        """Members of the sysop group (they count as reviewers)."""
        if self.probe:
            return self.probe.admins
        return frozenset(u['name'] for u in self.site.allusers(group='sysop'))

    def language_names(self) -> dict[str, str]:
        """Language code -> name (autonym) for every language the wiki knows (siteinfo)."""
        return {lang['code']: lang.get('name') or lang.get('*') or lang['code']
                for lang in self.site.siteinfo.get('languages', ())}

    def user_namespace_names(self) -> list[str]:
        """Local names and aliases of the User namespace, for reading links."""
        return list(self.site.namespaces[2])

    def text(self, title: str, *, fresh: bool = False) -> str | None:
        """A page's current text, or ``None`` when it does not exist.

        A redirect's own text (``#REDIRECT [[…]]``) is its text: callers see that it is
        one, the bot never reads through it. Unless ``fresh``, a page whose latest
        revision the probe saw is taken from the cache when the cache holds it.
        """
        revid = self.probe.config.get(title) if self.probe and not fresh else None
        if revid == 0:
            return None
        if revid and self.cache and (cached := self.cache.text(title, revid)) is not None:
            return cached
        page = pywikibot.Page(self.site, title)
        try:
            text = page.get(force=True, get_redirect=True)
        except NoPageError:
            return None
        if self.cache:
            self.cache.store_text(title, page.latest_revision_id, text)
        return text

    def is_redirect(self, text: str | None) -> bool:
        """Whether a page's text makes it a redirect (in any of the wiki's spellings)."""
        return text is not None and is_redirect(text, tuple(self.redirect_words()))

    def edit_protected(self, title: str) -> bool:
        """Whether only admins may edit the page."""
        if self.probe and title in self.probe.config:
            level = self.probe.protection.get(title)
        else:
            level = pywikibot.Page(self.site, title).protection().get('edit', (None, None))[0]
        return level in ('sysop', 'editprotected')

    def _revisions_after(self, title: str, base: int | None) -> list[dict[str, Any]]:
        """Revisions of a page after ``base`` (all when ``None``), oldest first."""
        parameters: dict[str, Any] = {'prop': 'revisions', 'titles': title,
                                      'rvprop': 'ids|user', 'rvdir': 'newer', 'rvlimit': 50}
        if base is not None:
            parameters['rvstartid'] = base
        revisions: list[dict[str, Any]] = []
        for result in self._query(parameters):
            for page in result.get('query', {}).get('pages', {}).values():
                revisions.extend(page.get('revisions', ()))
            if len(revisions) >= 50:
                break
        return [r for r in revisions if r['revid'] != base]

    # -- the bot's own state ----------------------------------------------

    def own_page(self, name: str) -> str:
        """Title of the bot's data page ``name``: ``User:BOT/leadership-NAME.json``.

        MediaWiki lets only that user (and interface admins) edit a user's ``.json``
        pages, so what is there is what the bot wrote.
        """
        return f'User:{self.site.username()}/leadership-{name}.json'

    def read_own(self, name: str) -> Any:
        """The data the bot itself last saved on its page ``name``; ``None`` if none.

        Reads the latest revision *by the bot* (``rvuser``): an edit by anyone else,
        an interface admin included, is never taken as the bot's state.
        """
        parameters = {'prop': 'revisions', 'titles': self.own_page(name),
                      'rvuser': self.site.username(), 'rvlimit': 1,
                      'rvprop': 'ids|content', 'rvslots': 'main'}
        for result in self._query(parameters):
            for page in result.get('query', {}).get('pages', {}).values():
                for revision in page.get('revisions', ()):
                    try:
                        return json.loads(_content(revision))
                    except ValueError:
                        return None
            break
        return None

    def save_own(self, name: str, data: Any, summary: str) -> SaveOutcome:
        """Save ``data`` as the bot's page ``name`` (JSON), when it changed."""
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
        return self.save(self.own_page(name), lambda _old: text, summary,
                         content_model='json')

    # -- bot state

    def own_revision(self, title: str, limit: int = 50) -> tuple[
            TextRevision | None, list[TextRevision]]:
        """The bot's own latest revision of ``title`` and up to ``limit`` revisions after
        it, oldest first, with text (``None, []`` when the bot never edited the page)."""
        own: TextRevision | None = None
        prop = 'ids|user|timestamp|content'
        for result in self._query({'prop': 'revisions', 'titles': title, 'rvlimit': 1,
                                   'rvuser': self.site.username(), 'rvprop': prop,
                                   'rvslots': 'main'}):
            for page in result.get('query', {}).get('pages', {}).values():
                for revision in page.get('revisions', ())[:1]:
                    own = _text_revision(revision)
            break
        if own is None:
            return None, []
        later: list[TextRevision] = []
        for result in self._query({'prop': 'revisions', 'titles': title, 'rvdir': 'newer',
                                   'rvstartid': own.revid, 'rvlimit': limit, 'rvprop': prop,
                                   'rvslots': 'main'}):
            for page in result.get('query', {}).get('pages', {}).values():
                later.extend(_text_revision(r) for r in page.get('revisions', ())
                             if int(r['revid']) != own.revid)
            if len(later) >= limit:
                break
        return own, later[:limit]

    def latest_authors(self, titles: Iterable[str]) -> dict[str, str]:
        """Title -> who made the latest revision of each existing page ('' when hidden)."""
        pages, _ = self.page_facts(titles, prop='revisions', rvprop='user')
        return {title: '' if 'userhidden' in page['revisions'][0]
                else page['revisions'][0].get('user', '')
                for title, page in pages.items() if page.get('revisions')}

    # -- notices

    def templates_used(self, text: str, title: str) -> set[str]:
        """Titles of the templates and modules that parsing ``text`` on page ``title``
        reads (``action=parse``, ``prop=templates``), existing or not.

        Exactly what substituting the same call reads, also inside ``<includeonly>`` and
        in the parser-function branches it takes: the template page's own link table
        lists neither (only what its ``<noinclude>`` part shows, such as its /doc).
        """
        result = api.Request(site=self.site, use_get=False, parameters={
            'action': 'parse', 'text': text, 'title': title, 'contentmodel': 'wikitext',
            'prop': 'templates', 'disablelimitreport': 1}).submit()
        return {str(t.get('title') or t.get('*')) for t in
                result.get('parse', {}).get('templates', ()) if t.get('title') or t.get('*')}

    def log_events(self, title: str, letype: str | None = None,
                   limit: int = 50) -> list[dict[str, Any]]:
        """The newest entries (up to ``limit``) of the logs about ``title``, or of one log
        (``letype``, e.g. ``move``); ``user`` is missing where it is hidden."""
        parameters: dict[str, Any] = {'list': 'logevents', 'letitle': title, 'lelimit': limit,
                                      'leprop': 'ids|title|type|user|timestamp|details'}
        if letype:
            parameters['letype'] = letype
        for result in self._query(parameters):
            return list(result.get('query', {}).get('logevents', ()))
        return []

    # -- writes ------------------------------------------------------------

    def notice_summaries(self) -> list[str]:
        """Edit summaries of all the bot's own edits (the notice ledger)."""
        # Every namespace: an archived talk page may have been moved out of User talk.
        return [c.get('comment', '') for c in
                self.site.usercontribs(user=self.site.username(), prop='comment')]

    def users_info(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        """list=users data (with block info) by name, in batches."""
        found: dict[str, dict[str, Any]] = {}
        for group in batched(sorted(set(names)), self.batch):
            for user in self.site.users(list(group)):
                found[user['name']] = user
        return found

    def may_edit_level(self, level: str) -> bool:
        """Whether the bot may edit a page protected at ``level``."""
        right = {'sysop': 'editprotected', 'autoconfirmed': 'editsemiprotected'}.get(level, level)
        return bool(self.site.has_right(right))

    def post_section(self, title: str, heading: str, text: str, summary: str,
                     marker: str) -> bool:
        """Add a new section to a talk page; ``True`` once the wiki has it.

        A new section is not idempotent: pywikibot's own retry after a lost answer
        would post it twice. So the edit is sent without pywikibot's retries, and after
        a failure the talk page is read: if ``marker`` is there, the edit went through.
        """
        self.check_run_page()
        if config.simulate:
            pywikibot.info(f'{title}: would add section "{heading}" ({summary}):\n{text}')
            return True
        page = pywikibot.Page(self.site, title)
        attempts = max(int(config.max_retries), 0) + 1
        for attempt in range(attempts):
            try:
                with _unwrapped(), _no_pywikibot_retries():
                    page.save(summary=summary, section='new', sectiontitle=heading, text=text,
                              bot=True, minor=False, watch='nochange', asynchronous=False,
                              quiet=True)
            except PageSaveRelatedError:
                raise  # a refusal (protection, {{bots}} …): the caller reports it
            except WIKI_ERRORS as exc:
                if marker in (self.text(title, fresh=True) or ''):
                    break  # saved, only the answer was lost
                if attempt + 1 == attempts:
                    raise
                pywikibot.warning(f'{title}: {error_reason(exc)}; trying again')
                time.sleep(min(config.retry_wait * 2 ** attempt, config.retry_max))
                continue
            break
        pywikibot.info(f'{title}: added section "{heading}"')
        self.posted += 1
        return True

    def after_run(self) -> Probe:
        """The probe as it stands after this run's own edits (and nobody else's)."""
        if self.probe is None:
            raise RuntimeError('take_probe() first')
        config = dict(self.probe.config)
        config.update({t: r for t, r in self.saved.items() if t in config})
        head = self._ledger_head() if self.posted else self.probe.ledger_head
        return dataclasses.replace(self.probe, config=config, ledger_head=head)

    def _ledger_head(self) -> int:
        """The id of the bot's newest user-talk edit (only the bot's edits count)."""
        for edit in self.site.usercontribs(user=self.site.username(), namespaces=3, total=1,
                                           prop='ids'):
            return int(edit['revid'])
        return 0

    def check_run_page(self, *, fresh: bool = True) -> None:
        """Raise :class:`StopRequested` when the run page exists and is not ``yes``.

        Before each edit the page is read afresh: an admin may change it mid-run.
        """
        text = self.text(self.settings.pages.run, fresh=fresh)
        if text is not None and text.strip().lower() != 'yes':
            raise StopRequested(f'{self.settings.pages.run} says {text.strip()[:60]!r}, not '
                                '"yes"; stopping before the next edit.')

    def save(self, title: str, apply: Callable[[str | None], str],
             summary: str | Callable[[str | None, str], str], *, minor: bool = True,
             content_model: str | None = None) -> SaveOutcome:
        """Save ``apply(current text)`` to ``title`` if it changes anything.

        ``apply`` must be pure: on an edit conflict it is called again on the text
        the human just saved, so their edit is kept. ``summary`` is the edit summary,
        or a function of the old and new text giving it.

        Each page is its own unit: a page that cannot be saved (broken markers, a
        redirect, too big, protected, refused by a filter: :attr:`SaveOutcome.REFUSED`;
        edited by others three times in a row: :attr:`SaveOutcome.CONFLICTED`) is
        recorded in :attr:`failed` with the reason, and the run goes on; only a wiki that
        cannot be reached or is read-only ends the run.
        """
        try:
            outcome = self._save(title, apply, summary, minor=minor,
                                 content_model=content_model)
        except (MarkerError, PageNotSaved, IsRedirectPageError, PageSaveRelatedError,
                APIError) as exc:
            if isinstance(exc, APIError) and exc.code in WIKI_WIDE_ERRORS:
                raise
            reason = str(exc) if isinstance(exc, MarkerError | PageNotSaved) \
                else error_reason(exc)
            if isinstance(exc, IsRedirectPageError):
                reason = 'the page is a redirect; the bot does not write through redirects'
            self.failed[title] = reason
            pywikibot.warning(f'{title}: not saved: {reason}')
            outcome = SaveOutcome.CONFLICTED if isinstance(exc, EditConflictError) \
                else SaveOutcome.REFUSED
        self.outcomes[outcome] += 1
        return outcome

    def _save(self, title: str, apply: Callable[[str | None], str],
              summary: str | Callable[[str | None, str], str], *, minor: bool,
              content_model: str | None) -> SaveOutcome:
        page = pywikibot.Page(self.site, title)
        missed: str | None = None  # a same-second human edit our save went over
        saved = SaveOutcome.NO_CHANGE  # becomes SAVED once one of our revisions is in
        for _attempt in range(3):
            try:
                old: str | None = page.get(force=True)
                base = page.latest_revision_id
            except NoPageError:
                old, base = None, None
            new = apply(old if missed is None else missed)
            if old is not None and _same(old, new, content_model):
                pywikibot.info(f'{title}: no change')
                return saved
            if len(new.encode('utf-8')) > self.max_bytes:
                raise PageNotSaved(
                    f'it would be {len(new.encode("utf-8")) // 1024} KB, over the wiki\'s '
                    f'limit of {self.max_bytes // 1024} KB')
            self.check_run_page()
            text = summary if isinstance(summary, str) else summary(old, new)
            if config.simulate:
                pywikibot.info(f'{title}: would save ({text}); diff:')
                pywikibot.showDiff(old or '', new)
                return SaveOutcome.SIMULATED
            page.text = new
            extra: dict[str, Any] = {'createonly': True} if base is None else {
                'baserevid': base}
            if content_model:
                extra['contentmodel'] = content_model
            try:
                with _unwrapped():
                    page.save(summary=text, bot=True, minor=minor, watch='nochange',
                              asynchronous=False, quiet=True, **extra)
            except EditConflictError:
                pywikibot.info(f'{title}: edit conflict, re-reading and re-applying')
                page, missed = pywikibot.Page(self.site, title), None
                continue
            # Which revision is ours, and what came before it? (pywikibot's own idea of
            # the latest revision is wrong when a lost answer made it retry the edit.)
            after = self._revisions_after(title, base)
            ours = next((r for r in after if r['user'] == self.site.username()), None)
            if ours is None:
                pywikibot.info(f'{title}: no change')
                return saved
            saved = SaveOutcome.SAVED
            self.saved[title] = int(ours['revid'])
            # MediaWiki detects conflicts by timestamp, to the second: a human edit saved
            # in the same second as our read goes unnoticed and our save replaces it.
            # Then re-apply on the human's text (if MediaWiki merged both edits already,
            # that changes nothing).
            if base is not None and int(ours.get('parentid', 0)) != base:
                pywikibot.info(f'{title}: someone saved at the same moment; keeping their '
                               'edit and re-applying')
                missed = page.get_revision(int(ours['parentid']), content=True).text
                page = pywikibot.Page(self.site, title)
                continue
            pywikibot.info(f'{title}: saved ({text})')
            return SaveOutcome.SAVED
        raise EditConflictError(page, 'edited by others three times in a row')


@contextlib.contextmanager
def _no_pywikibot_retries() -> Iterator[None]:
    """Requests made inside send once: the caller decides about retrying."""
    saved = config.max_retries
    config.max_retries = 0
    try:
        yield
    finally:
        config.max_retries = saved


@contextlib.contextmanager
def _unwrapped() -> Iterator[None]:
    """Let the real error out of pywikibot's OtherPageSaveError (a wiki or network
    failure is a failed run, exit 1); a refusal such as {{bots}} stays what it is."""
    try:
        yield
    except OtherPageSaveError as exc:
        if isinstance(exc.reason, BaseException):
            raise exc.reason from exc
        raise


def _same(old: str, new: str, content_model: str | None) -> bool:
    """Whether saving ``new`` over ``old`` would change nothing (MediaWiki trims the end;
    it re-formats JSON pages, so those compare by value)."""
    if content_model == 'json':
        try:
            return bool(json.loads(old) == json.loads(new))
        except ValueError:
            return False
    return old.rstrip() == new.rstrip()


def _content(revision: dict[str, Any]) -> str:
    """The main slot's text of an API revision (formatversion 1 or 2)."""
    main = revision.get('slots', {}).get('main', {})
    return str(main.get('content', main.get('*', '')))


def _text_revision(revision: dict[str, Any]) -> TextRevision:
    """An API revision as plain data: hidden or non-wikitext text is ``None``."""
    main = revision.get('slots', {}).get('main', {})
    hidden = 'texthidden' in revision or 'texthidden' in main or 'textmissing' in main
    wikitext = main.get('contentmodel', 'wikitext') == 'wikitext'
    return TextRevision(
        revid=int(revision['revid']), parentid=int(revision.get('parentid', 0)),
        user='' if 'userhidden' in revision else revision.get('user', ''),
        timestamp=_timestamp(revision['timestamp']),
        text=None if hidden or not wikitext else _content(revision),
        sha1=revision.get('sha1', '') if 'sha1hidden' not in revision else '',
        readable=not hidden)


def _timestamp(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace('Z', '+00:00'))


class _Progress:
    """Progress lines on long reads: pages read and rate."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.count = 0
        self.start = time.monotonic()

    def tick(self) -> None:
        self.count += 1
        if self.count % PROGRESS_EVERY == 0:
            self._line()

    def done(self) -> None:
        if self.count >= PROGRESS_EVERY:
            self._line()

    def _line(self) -> None:
        elapsed = max(time.monotonic() - self.start, 1e-6)
        pywikibot.info(f'read {self.count} {self.what} ({self.count / elapsed:.0f}/s)')


def error_reason(exc: BaseException) -> str:
    """One line saying why a run ended: the whole message, folded, at most 300 chars."""
    text = ' '.join(str(exc).split())
    if len(text) > 300:
        text = text[:299] + '…'
    return f'{type(exc).__name__}: {text}' if text else type(exc).__name__
