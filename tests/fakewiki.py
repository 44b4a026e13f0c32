"""A small in-process fake wiki for the writer's loops (:meth:`Wiki.save`,
:meth:`Wiki.post_section`), where a real server cannot produce the fault on demand.

It works at the level the writer talks to: ``pywikibot.Page`` (``get``,
``latest_revision_id``, ``text``, ``save``, ``get_revision``) and the one API query the
writer makes itself (``_revisions_after``: ``prop=revisions``). :meth:`FakeWiki.install`
swaps both in for :mod:`leadership_bot.wiki.site` only (pywikibot itself is untouched).
Anything else the writer might ask raises :class:`NotImplementedError`, so a test never
passes on an answer the fake made up.

Faults are scripted per page and happen at the bot's next save of that page:

- :meth:`FakeWiki.conflict`: a human saves between the bot's read and its save; the
  wiki refuses the bot's save (``baserevid`` is no longer the latest): EditConflictError;
- :meth:`FakeWiki.same_second`: a human saves in the same second as the bot's read;
  MediaWiki detects conflicts by timestamp, so the bot's save goes over it unnoticed;
- :meth:`FakeWiki.lose_answer`: the answer to the save is lost (as pywikibot raises it
  without retries: ``OtherPageSaveError`` around ``ApiTimeoutError``), after the edit was
  applied (``landed``) or not.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable
from typing import Any

import pytest
import pywikibot
from pywikibot.exceptions import (
    ApiTimeoutError,
    EditConflictError,
    Error,
    NoPageError,
    OtherPageSaveError,
    PageCreatedConflictError,
    PageSaveRelatedError,
)

HUMAN = 'Human'


@dataclasses.dataclass(frozen=True)
class Revision:
    revid: int
    parentid: int
    user: str
    text: str


@dataclasses.dataclass(frozen=True)
class SaveCall:
    """One save the writer sent (whatever became of it)."""

    title: str
    params: dict[str, Any]


class FakeSite:
    """What the writer asks of ``Wiki.site`` while saving."""

    def __init__(self, wiki: FakeWiki, username: str) -> None:
        self.wiki = wiki
        self._username = username
        self.siteinfo: dict[str, Any] = {'maxarticlesize': 2048 * 1024}

    def username(self) -> str:
        return self._username


class FakePage:
    """The parts of ``pywikibot.Page`` the writer uses."""

    def __init__(self, site: FakeSite, title: str) -> None:
        self.site = site
        self._title = title
        self._loaded: Revision | None = None
        self.text = ''

    def __str__(self) -> str:
        return f'[[{self._title}]]'

    def title(self, as_link: bool = False, **_: Any) -> str:
        return str(self) if as_link else self._title

    def get(self, force: bool = False, get_redirect: bool = False) -> str:
        history = self.site.wiki.pages.get(self._title)
        if not history:
            raise NoPageError(self)
        self._loaded = history[-1]
        self.text = self._loaded.text
        return self._loaded.text

    @property
    def latest_revision_id(self) -> int:
        if self._loaded is None:
            self.get()
        assert self._loaded is not None
        return self._loaded.revid

    def get_revision(self, revid: int, content: bool = False) -> Revision:
        for revision in self.site.wiki.pages.get(self._title, ()):
            if revision.revid == revid:
                return revision
        raise KeyError(revid)

    def save(self, summary: str | None = None, **params: Any) -> None:
        """As pywikibot's save: an Error that is no refusal comes wrapped in
        OtherPageSaveError (``allow_asynchronous``)."""
        try:
            self.site.wiki.receive(self, {'summary': summary, **params})
        except PageSaveRelatedError:
            raise
        except Error as exc:
            raise OtherPageSaveError(self, exc) from exc


class _Api:
    """Stands in for ``pywikibot.data.api`` in the site module: ``Request(...).submit()``."""

    def __init__(self, wiki: FakeWiki) -> None:
        self.wiki = wiki

    def Request(self, site: Any = None, parameters: dict[str, Any] | None = None,  # noqa: N802
                **_: Any) -> _Request:
        return _Request(self.wiki, dict(parameters or {}))


class _Request:
    def __init__(self, wiki: FakeWiki, parameters: dict[str, Any]) -> None:
        self.wiki = wiki
        self.parameters = parameters

    def submit(self) -> dict[str, Any]:
        p = self.parameters
        if p.get('action') != 'query' or p.get('prop') != 'revisions' or 'rvuser' in p \
                or p.get('rvdir') != 'newer' or 'titles' not in p:
            raise NotImplementedError(f'the fake wiki does not answer {p}')
        title = p['titles']
        start = int(p.get('rvstartid', 0))
        revisions = [{'revid': r.revid, 'parentid': r.parentid, 'user': r.user}
                     for r in self.wiki.pages.get(title, ()) if r.revid >= start]
        return {'query': {'pages': {'1': {'title': title,
                                          'revisions': revisions[:int(p['rvlimit'])]}}}}


class _Proxy:
    """pywikibot as the site module sees it, with fake pages."""

    def __init__(self, wiki: FakeWiki) -> None:
        self.Page = wiki.page

    def __getattr__(self, name: str) -> Any:
        return getattr(pywikibot, name)


class FakeWiki:
    """Pages with their revisions, and faults scripted for the bot's next saves."""

    def __init__(self, username: str = 'LeadershipBot') -> None:
        self.site = FakeSite(self, username)
        self.pages: dict[str, list[Revision]] = {}
        self.calls: list[SaveCall] = []
        self._next_revid = 100
        self._script: dict[str, deque[Callable[[FakePage, dict[str, Any]], bool]]] = {}

    # -- the wiki

    def page(self, site: Any, title: str) -> FakePage:
        return FakePage(self.site, title)

    def edit(self, title: str, text: str, user: str = HUMAN) -> Revision:
        """Save a revision (a human's edit, or the bot's once the fake accepts it)."""
        history = self.pages.setdefault(title, [])
        self._next_revid += 1
        revision = Revision(self._next_revid, history[-1].revid if history else 0, user, text)
        history.append(revision)
        return revision

    def text(self, title: str) -> str | None:
        history = self.pages.get(title)
        return history[-1].text if history else None

    def saves(self, title: str) -> list[SaveCall]:
        """The saves the writer sent for ``title``."""
        return [call for call in self.calls if call.title == title]

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make :mod:`leadership_bot.wiki.site` use this wiki's pages and API."""
        from leadership_bot.wiki import site
        monkeypatch.setattr(site, 'pywikibot', _Proxy(self))
        monkeypatch.setattr(site, 'api', _Api(self))

    # -- scripted faults, each for the bot's next save of the page

    def conflict(self, title: str, *human_texts: str) -> None:
        """Before each of the bot's next saves, a human saves the next text: conflicts."""
        for text in human_texts:
            def event(_page: FakePage, _params: dict[str, Any], text: str = text) -> bool:
                return self._human(title, text)
            self._then(title, event)

    def same_second(self, title: str, human_text: str) -> None:
        """A human saves in the same second as the bot's read: the bot's next save goes
        over it without a conflict."""
        def event(_page: FakePage, params: dict[str, Any]) -> bool:
            self.edit(title, human_text)
            params['baserevid'] = self.pages[title][-1].revid  # the wiki cannot tell
            return True
        self._then(title, event)

    def lose_answer(self, title: str, *, landed: bool) -> None:
        """The answer to the bot's next save is lost; the edit is applied if ``landed``."""
        def event(page: FakePage, params: dict[str, Any]) -> bool:
            if landed:
                self._apply(page, params)
            raise ApiTimeoutError('Maximum retries attempted without success.')
        self._then(title, event)

    def _then(self, title: str, event: Callable[[FakePage, dict[str, Any]], bool]) -> None:
        self._script.setdefault(title, deque()).append(event)

    def _human(self, title: str, text: str) -> bool:
        self.edit(title, text)
        return True

    # -- the API's edit, as MediaWiki answers it

    def receive(self, page: FakePage, params: dict[str, Any]) -> None:
        title = page.title()
        self.calls.append(SaveCall(title, dict(params)))
        script = self._script.get(title)
        if script:
            script.popleft()(page, params)
        self._apply(page, params)

    def _apply(self, page: FakePage, params: dict[str, Any]) -> None:
        title = page.title()
        history = self.pages.get(title, [])
        if params.get('section') == 'new':
            old = history[-1].text if history else ''
            self.edit(title, f'{old}\n\n== {params["sectiontitle"]} ==\n{params["text"]}'.lstrip(),
                      self.site.username())
            return
        if params.get('createonly') and history:
            raise PageCreatedConflictError(page)
        if 'baserevid' in params and history and history[-1].revid != params['baserevid']:
            raise EditConflictError(page)
        if history and history[-1].text.rstrip() == page.text.rstrip():
            return  # a null edit makes no revision
        self.edit(title, page.text, self.site.username())
