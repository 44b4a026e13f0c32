"""A human-like MediaWiki API client for seeding the local wiki and for tests.

Volunteers and reviewers edit with their main password, not a BotPassword, so this logs
in with ``action=clientlogin``. It is deliberately small: no maxlag, no throttle, no
retries (the local wiki has no replicas and rate limits do not bite) — the bots
themselves talk to wikis through pywikibot only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests

from devwiki.localwiki import Account


class WikiApiError(RuntimeError):
    """The API answered with an error (``code``) or an unsuccessful result."""

    def __init__(self, code: str, info: str, params: dict[str, Any] | None = None) -> None:
        action = (params or {}).get('action', '?')
        super().__init__(f'action={action}: {code}: {info}')
        self.code = code
        self.info = info


class WikiSession:
    """One cookie session against ``api_url``, anonymous until :meth:`login`."""

    def __init__(self, api_url: str, account: Account | None = None,
                 timeout: float = 60.0) -> None:
        self.api_url = api_url
        self.account = account
        self.timeout = timeout
        self.user: str | None = None
        self._http = requests.Session()
        self._http.trust_env = False  # the wiki is on loopback: no http_proxy, no .netrc
        self._http.headers['User-Agent'] = 'leadership-bots-tests/0.1 (local wiki)'
        self._tokens: dict[str, str] = {}

    def __repr__(self) -> str:
        return f'WikiSession({self.api_url!r}, user={self.user!r})'

    # -- generic ----------------------------------------------------------------------------

    def api(self, post: bool = False, **params: Any) -> dict[str, Any]:
        """Call the API (JSON, formatversion 2) and raise :class:`WikiApiError` on errors.

        Lists become ``|``-joined, ``True`` sends the flag, ``False`` and ``None`` omit it
        (MediaWiki treats any present boolean parameter as true).
        """
        data: dict[str, str] = {'format': 'json', 'formatversion': '2'}
        for key, value in params.items():
            if value is None or value is False:
                continue
            if value is True:
                data[key] = '1'
            elif isinstance(value, list | tuple | set | frozenset):
                data[key] = '|'.join(str(item) for item in value)
            else:
                data[key] = str(value)
        if post:
            response = self._http.post(self.api_url, data=data, timeout=self.timeout)
        else:
            response = self._http.get(self.api_url, params=data, timeout=self.timeout)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        if 'error' in result:
            error = result['error']
            raise WikiApiError(error.get('code', '?'), error.get('info', ''), params)
        return result

    def token(self, kind: str = 'csrf') -> str:
        """A ``kind`` token (csrf, login, createaccount, ...) for this session."""
        if kind not in self._tokens:
            result = self.api(action='query', meta='tokens', type=kind)
            self._tokens[kind] = result['query']['tokens'][f'{kind}token']
        return self._tokens[kind]

    def post_with_token(self, kind: str = 'csrf', **params: Any) -> dict[str, Any]:
        """POST with a fresh-enough token; refetch once when the session changed it."""
        try:
            return self.api(post=True, token=self.token(kind), **params)
        except WikiApiError as error:
            if error.code != 'badtoken':
                raise
            self._tokens.pop(kind, None)
            return self.api(post=True, token=self.token(kind), **params)

    # -- accounts -----------------------------------------------------------------------------

    def login(self, account: Account | None = None) -> WikiSession:
        """Log in as ``account`` (default: the one given at construction); returns self."""
        account = account or self.account
        if account is None:
            raise ValueError('no account to log in with')
        self._tokens.clear()
        result = self.api(
            post=True, action='clientlogin', username=account.name,
            password=account.password, loginreturnurl=self.api_url,
            logintoken=self.token('login'))['clientlogin']
        if result.get('status') != 'PASS':
            raise WikiApiError(result.get('messagecode', result.get('status', '?')),
                               result.get('message', ''), {'action': 'clientlogin'})
        self._tokens.clear()  # tokens are bound to the session's user
        self.account = account
        self.user = self.api(action='query', meta='userinfo')['query']['userinfo']['name']
        return self

    def create_account(self, name: str, password: str, exist_ok: bool = False) -> None:
        """Create an account through the API, as this session's user or anonymously.

        An anonymous creation logs its session in as the new user, so it runs in a
        throwaway session and this one stays anonymous.
        """
        session = self if self.user is not None else WikiSession(self.api_url)
        try:
            result = session.api(
                post=True, action='createaccount', username=name, password=password,
                retype=password, createreturnurl=self.api_url,
                createtoken=session.token('createaccount'))['createaccount']
        except WikiApiError as error:
            if exist_ok and error.code == 'userexists':
                return
            raise
        if result.get('status') != 'PASS':
            code = result.get('messagecode', result.get('status', '?'))
            if exist_ok and code == 'userexists':
                return
            raise WikiApiError(code, result.get('message', ''), {'action': 'createaccount'})

    # -- pages --------------------------------------------------------------------------------

    def edit(self, title: str, text: str, summary: str = '', **params: Any) -> int:
        """Save ``text`` as ``title`` and return the new revision id.

        An edit that changes nothing makes no revision; the current one is returned.
        """
        result = self.post_with_token(
            action='edit', title=title, text=text, summary=summary, **params)['edit']
        if result.get('result') != 'Success':
            raise WikiApiError(result.get('code', result.get('result', '?')),
                               str(result), {'action': 'edit'})
        if result.get('nochange'):
            info = self.api(action='query', prop='info', titles=title)['query']['pages'][0]
            return int(info['lastrevid'])
        return int(result['newrevid'])

    def text(self, title: str) -> str | None:
        """The current wikitext of ``title``, or None when the page does not exist."""
        page = self.api(action='query', prop='revisions', titles=title, rvprop='content',
                        rvslots='main')['query']['pages'][0]
        if page.get('missing') or page.get('invalid'):
            return None
        return str(page['revisions'][0]['slots']['main']['content'])

    def protect(self, title: str, edit: str = 'sysop', move: str | None = None,
                expiry: str = 'infinite', reason: str = '') -> None:
        """Protect an existing page against edits (and moves) by users below ``edit``."""
        protections = [f'edit={edit}', f'move={move or edit}']
        self.post_with_token(action='protect', title=title, protections=protections,
                             expiry=expiry, reason=reason)

    def parse(self, title: str | None = None, text: str | None = None,
              props: Iterable[str] = ('text', 'categories', 'templates', 'links',
                                      'externallinks', 'limitreportdata'),
              **params: Any) -> dict[str, Any]:
        """``action=parse`` of a page, or of ``text`` as if it were on page ``title``.

        Returns the ``parse`` object: ``text`` (HTML), ``categories`` (``category``,
        ``sortkey``), ``templates`` and ``links`` (``title``, ``exists``),
        ``externallinks`` (URLs) and ``limitreportdata`` (expansion limits).
        """
        if text is None:
            if title is None:
                raise ValueError('parse needs a title or a text')
            params.update(page=title)
        else:
            params.update(text=text, title=title or 'API', contentmodel='wikitext')
        result = self.api(post=text is not None, action='parse', prop=list(props), **params)
        parse: dict[str, Any] = result['parse']
        return parse
