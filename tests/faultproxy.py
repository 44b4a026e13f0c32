"""A loopback HTTP proxy that injects faults in front of the local wiki, for the fault tests.

The real wiki will not fail on demand; this proxy makes it look as if it did::

    rules = [Rule('status', share=0.3), Rule('maxlag', every=4, only='read')]
    with FaultProxy(local_wiki.port, rules, seed=7) as proxy:
        ...  # point pywikibot at http://127.0.0.1:{proxy.port}/api.php
        proxy.injected  # Counter({'status 503': 4, 'maxlag': 2, ...})
        proxy.configure(other_rules, seed=8)  # the next plan, counters from zero

Faults (``Rule.fault``):

``status``
    answer 500/502/503/504 (``Rule.statuses``) without asking the wiki.
``reset``
    close the connection without an answer (a TCP reset). With ``after=True`` the request
    reaches the wiki first: it takes effect, but the client never learns it did.
``timeout``
    stall ``Rule.delay`` seconds (longer than the client's read timeout), then close
    without an answer; ``after=True`` again forwards the request first.
``maxlag``
    answer an API request that carries ``maxlag`` with MediaWiki's maxlag error (HTTP 200,
    ``Retry-After: 1``, ``X-Database-Lag: 7``), as a lagged replica would.
``hook``
    call ``Rule.hook(request)`` and then forward the request (e.g. a human edit just
    before the bot's edit reaches the wiki: an edit conflict on demand).

A rule hits a matching request every ``every``-th time, or with probability ``share``
(from ``random.Random(seed)``), at most ``limit`` times; ``only`` narrows it to reads or
writes, ``match`` to any predicate. The first rule that hits wins. Standard library only;
the proxy listens on 127.0.0.1 and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

HOST = '127.0.0.1'
# API actions that change the wiki; every other request counts as a read.
WRITE_ACTIONS = frozenset({'edit', 'move', 'delete', 'undelete', 'protect', 'upload',
                           'rollback', 'patrol', 'emailuser', 'block', 'unblock'})
FAULTS = frozenset({'status', 'reset', 'timeout', 'maxlag', 'hook'})
# Not forwarded either way: they describe one hop, and the proxy sets its own.
HOP_HEADERS = frozenset({'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding',
                         'te', 'trailer', 'upgrade', 'content-length', 'host'})
MAXLAG_BODY = json.dumps({'error': {
    'code': 'maxlag', 'info': 'Waiting for 127.0.0.1: 7 seconds lagged',
    'host': '127.0.0.1', 'lag': 7}}).encode()


@dataclasses.dataclass(frozen=True)
class ProxyRequest:
    """One client request as the rules see it: method, path and its parameters."""

    method: str
    path: str
    params: Mapping[str, str]

    @classmethod
    def parse(cls, method: str, path: str, content_type: str, body: bytes) -> ProxyRequest:
        """Query string and (form-encoded) body parameters merged."""
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        if content_type.startswith('application/x-www-form-urlencoded'):
            params.update(parse_qsl(body.decode('utf-8', 'replace'), keep_blank_values=True))
        return cls(method, path, params)

    @property
    def action(self) -> str:
        return self.params.get('action', '')

    @property
    def title(self) -> str | None:
        return self.params.get('title')

    @property
    def is_api(self) -> bool:
        return urlsplit(self.path).path.endswith('/api.php')

    @property
    def is_write(self) -> bool:
        """A POST of an action that changes the wiki (edit, move, protect …)."""
        return self.method == 'POST' and self.action in WRITE_ACTIONS


@dataclasses.dataclass
class Rule:
    """Which requests get which fault (see the module docstring)."""

    fault: str
    share: float = 1.0
    every: int = 0
    only: str | None = None  # 'read', 'write' or None for both
    match: Callable[[ProxyRequest], bool] | None = None
    statuses: tuple[int, ...] = (500, 502, 503, 504)
    after: bool = False
    delay: float = 5.0
    limit: int | None = None
    hook: Callable[[ProxyRequest], None] | None = None
    seen: int = dataclasses.field(default=0, init=False)
    hits: int = dataclasses.field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.fault not in FAULTS:
            raise ValueError(f'unknown fault {self.fault!r} (faults: {sorted(FAULTS)})')
        if self.only not in (None, 'read', 'write'):
            raise ValueError(f"only must be 'read', 'write' or None, not {self.only!r}")
        if self.fault == 'hook' and self.hook is None:
            raise ValueError('a hook rule needs a hook')

    def applies(self, request: ProxyRequest) -> bool:
        """Whether the request is one this rule is about (before the share or count)."""
        if self.only == 'write' and not request.is_write:
            return False
        if self.only == 'read' and request.is_write:
            return False
        if self.fault == 'maxlag' and not (request.is_api and 'maxlag' in request.params):
            return False
        return self.match is None or self.match(request)

    def hits_now(self, rng: random.Random) -> bool:
        """Count one applicable request; whether the fault hits it."""
        if self.limit is not None and self.hits >= self.limit:
            return False
        self.seen += 1
        hit = self.seen % self.every == 0 if self.every else rng.random() < self.share
        self.hits += hit
        return hit


class FaultProxy:
    """A threaded proxy on 127.0.0.1 in front of the wiki on ``upstream_port``."""

    def __init__(self, upstream_port: int, rules: Iterable[Rule] = (), seed: int = 0,
                 upstream_timeout: float = 120.0) -> None:
        self.upstream_port = int(upstream_port)
        self.rules = [dataclasses.replace(rule) for rule in rules]
        self.upstream_timeout = upstream_timeout
        self.injected: Counter[str] = Counter()  # fault label -> how many times
        self.log: list[tuple[str, str, str | None]] = []  # (fault, action, title)
        self.requests = 0
        self.forwarded = 0
        self.enabled = True  # False: forward everything untouched
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server = _Server((HOST, 0), _Handler, self)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        return f'http://{HOST}:{self.port}/api.php'

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={'poll_interval': 0.05},
                                        name=f'faultproxy:{self.port}', daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake stalled handlers and close every open client connection."""
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def configure(self, rules: Iterable[Rule] = (), seed: int = 0) -> FaultProxy:
        """New rules (fresh copies) and seed; counters and log start again at zero."""
        with self._lock:
            self.rules = [dataclasses.replace(rule) for rule in rules]
            self._rng = random.Random(seed)
            self.injected = Counter()
            self.log = []
            self.requests = self.forwarded = 0
            self.enabled = True
        return self

    @property
    def total_injected(self) -> int:
        """Faults injected so far, hooks not counted."""
        return sum(n for label, n in self.injected.items() if label != 'hook')

    # -- used by the handler ----------------------------------------------------------------

    def _pick(self, request: ProxyRequest) -> Rule | None:
        """The rule that hits this request, if any; counts it."""
        with self._lock:
            self.requests += 1
            if not self.enabled:
                return None
            for rule in self.rules:
                if rule.applies(request) and rule.hits_now(self._rng):
                    return rule
            return None

    def _record(self, label: str, request: ProxyRequest) -> None:
        with self._lock:
            self.injected[label] += 1
            self.log.append((label, request.action, request.title))

    def _status_for(self, rule: Rule) -> int:
        with self._lock:
            return self._rng.choice(rule.statuses)

    def _forward(self, method: str, path: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """The wiki's answer to the request: status, reason, headers, body."""
        connection = http.client.HTTPConnection(HOST, self.upstream_port,
                                                timeout=self.upstream_timeout)
        try:
            sent = [(k, v) for k, v in headers if k.lower() not in HOP_HEADERS]
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader('Host', f'{HOST}:{self.upstream_port}')
            for key, value in sent:
                connection.putheader(key, value)
            connection.putheader('Content-Length', str(len(body)))
            connection.putheader('Connection', 'close')
            connection.endheaders(body)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_HEADERS]
            with self._lock:
                self.forwarded += 1
            return response.status, response.reason, kept, data
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 proxy: FaultProxy) -> None:
        self.proxy = proxy
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (it timed out, or we reset it) is no error here."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, as the wiki's own server offers
    timeout = 60  # an idle keep-alive connection is dropped after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the counters say what happened."""

    def setup(self) -> None:
        super().setup()
        with self.server.proxy._lock:
            self.server.proxy._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()
        with self.server.proxy._lock:
            self.server.proxy._connections.discard(self.connection)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
        request = ProxyRequest.parse(self.command, self.path,
                                     self.headers.get('Content-Type', ''), body)
        rule = proxy._pick(request)
        fault = rule.fault if rule else None
        if rule is not None and fault == 'status':
            status = proxy._status_for(rule)
            proxy._record(f'status {status}', request)
            self._answer(status, [('Content-Type', 'text/html')],
                         f'<h1>{status} injected by faultproxy</h1>'.encode())
            return
        if fault == 'maxlag':
            proxy._record('maxlag', request)
            self._answer(200, [('Content-Type', 'application/json; charset=utf-8'),
                               ('Retry-After', '1'), ('X-Database-Lag', '7')], MAXLAG_BODY)
            return
        if rule is not None and fault in ('reset', 'timeout') and not rule.after:
            proxy._record(fault, request)
            self._fail(rule)
            return
        if rule is not None and fault == 'hook' and rule.hook is not None:
            proxy._record('hook', request)
            rule.hook(request)
        try:
            status, reason, headers, data = proxy._forward(
                self.command, self.path, list(self.headers.items()), body)
        except OSError as error:
            self._answer(502, [('Content-Type', 'text/plain')],
                         f'faultproxy: the wiki did not answer: {error}'.encode())
            return
        if rule is not None and fault in ('reset', 'timeout') and rule.after:
            proxy._record(f'{fault} after', request)
            self._fail(rule)
            return
        self._answer(status, headers, data, reason)

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes,
                reason: str | None = None) -> None:
        self.send_response_only(status, reason)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(data)
            self.wfile.flush()

    def _fail(self, rule: Rule) -> None:
        """No answer: stall first for a timeout, then reset the connection."""
        if rule.fault == 'timeout':
            self.server.proxy._stopping.wait(rule.delay)
        self.close_connection = True
        with contextlib.suppress(OSError):
            # SO_LINGER 0: close() sends a TCP RST instead of a FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack('ii', 1, 0))
        for stream in (self.rfile, self.wfile):
            with contextlib.suppress(OSError, ValueError):
                stream.close()
        with contextlib.suppress(OSError):
            self.connection.close()
