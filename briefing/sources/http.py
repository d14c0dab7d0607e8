"""A careful HTTP GET for feeds (and images the user asked for): every way a server can hurt us
ends within the limits, as a `FetchError` in plain words.

requests does the HTTP; on top of it: connect and read timeouts, a total deadline (a watchdog
shuts the socket, so a server that dribbles a byte a second is cut off), a size cap on the
decoded body (gzip bombs too), at most N redirects followed by hand so each hop's scheme is
checked (http and https only: never file:, ftp:, data:...), gzip/deflate, a clear User-Agent.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from briefing import APP_NAME, __version__

USER_AGENT = f"{APP_NAME.replace(' ', '')}/{__version__} (desktop news reader; python-requests)"
ALLOWED_SCHEMES = ("http", "https")
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchLimits:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # no byte for this long: give up
    deadline: float = 45.0  # the whole fetch, redirects and body included
    max_bytes: int = 10 * 1024 * 1024  # decoded body
    max_redirects: int = 5


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    redirects: tuple[str, ...] = ()
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class FetchError(Exception):
    """A fetch that failed, said so that a user understands it (`message`), with a `kind` for code."""

    kind: str  # scheme | redirects | timeout | deadline | too_large | http | tls | connect | dns | broken | url
    message: str
    status: int | None = None
    url: str = ""
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


HTTP_WORDS = {
    400: "the server did not understand the request",
    401: "the feed needs a login",
    403: "the server refuses access to the feed",
    404: "the feed is not at this address",
    410: "the feed was removed for good",
    429: "the server asks us to slow down",
    500: "the server had an internal error",
    502: "a gateway in front of the server failed",
    503: "the server is unavailable for now",
    504: "a gateway in front of the server timed out",
}


def check_scheme(url: str, *, after_redirect: bool = False) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        what = f"{scheme}: address" if scheme else "address without http:// or https://"
        if after_redirect:
            raise FetchError("scheme", f"the server redirected to a {what} ({url[:80]}); only http and https "
                                       "are followed", url=url)
        raise FetchError("scheme", f"not a web address ({what}); only http and https feeds are fetched", url=url)
    if not urlsplit(url).hostname:
        raise FetchError("url", f"not a valid web address: {url[:80]}", url=url)


class _Deadline:
    """Shuts the sockets of one fetch when its time is up, waking any blocked read."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for s in self._sockets:
                self._shut(s)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def cancel(self) -> None:
        self._timer.cancel()


_local = threading.local()


def _session():
    """A requests session whose new sockets are handed to the current fetch's deadline."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    def tracked(cls):
        class Tracked(cls):
            def _new_conn(self):
                sock = super()._new_conn()
                guard = getattr(_local, "deadline", None)
                if guard is not None:
                    guard.track(sock)
                return sock

        return Tracked

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = tracked(HTTPConnection)

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = tracked(HTTPSConnection)

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

    s = requests.Session()
    s.max_redirects = 100  # we follow redirects by hand; requests only peeks at the next one
    for prefix in ("http://", "https://"):
        s.mount(prefix, Adapter(pool_connections=4, pool_maxsize=4, max_retries=0))
    return s


class HttpClient:
    """GETs one URL at a time per thread within `limits`. Thread-safe; close() when done."""

    def __init__(self, limits: FetchLimits = FetchLimits(), user_agent: str = USER_AGENT) -> None:
        self.limits = limits
        self.user_agent = user_agent
        self._sessions: list = []
        self._lock = threading.Lock()

    def _new_session(self):
        """A session per fetch (its sockets are closed with it, so the deadline never meets a
        pooled one); not one per thread, which outlived the pool's retired threads."""
        s = _session()
        with self._lock:
            self._sessions.append(s)
        return s

    def _drop_session(self, s) -> None:
        s.close()
        with self._lock:
            if s in self._sessions:
                self._sessions.remove(s)

    def close(self) -> None:
        """Close the sessions of fetches still running (their reads fail at once)."""
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    def get(self, url: str, headers: dict[str, str] | None = None, *, max_bytes: int | None = None) -> Response:
        """GET `url`, following at most `limits.max_redirects` http(s) redirects; raises FetchError."""
        check_scheme(url)
        started = time.monotonic()
        guard = _Deadline(self.limits.deadline)
        _local.deadline = guard
        session = self._new_session()
        try:
            return self._get(session, url, headers or {}, max_bytes or self.limits.max_bytes, guard, started)
        finally:
            guard.cancel()
            _local.deadline = None
            self._drop_session(session)  # sockets are per fetch: the deadline must never see a pooled one

    def _get(self, session, url, headers, max_bytes, guard, started) -> Response:
        import requests

        sent = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate", **headers}
        redirects: list[str] = []
        limits = self.limits
        while True:
            try:
                resp = session.get(url, headers=sent, stream=True, allow_redirects=False,
                                   timeout=(limits.connect_timeout, limits.read_timeout))
            except requests.RequestException as exc:
                raise _translate(exc, url, guard, limits) from exc
            if resp.status_code in REDIRECT_CODES and resp.headers.get("location"):
                target = urljoin(url, resp.headers["location"].strip())
                resp.close()
                if len(redirects) >= limits.max_redirects:
                    raise FetchError("redirects", f"too many redirects (more than {limits.max_redirects}); "
                                                  "the address may loop", url=url)
                check_scheme(target, after_redirect=True)
                redirects.append(target)
                url = target
                continue
            break
        try:
            hdrs = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code >= 400:
                words = HTTP_WORDS.get(resp.status_code, "the server refused the request")
                raise FetchError("http", f"HTTP {resp.status_code} {resp.reason or ''}: {words}".replace("  ", " "),
                                 status=resp.status_code, url=url, extra={"retry_after": hdrs.get("retry-after")})
            body = b"" if resp.status_code == 304 else _read_body(resp, hdrs, max_bytes, guard, limits, url)
            return Response(url, resp.status_code, hdrs, body, tuple(redirects), time.monotonic() - started)
        finally:
            resp.close()


def _read_body(resp, headers: dict[str, str], max_bytes: int, guard: _Deadline, limits: FetchLimits,
               url: str) -> bytes:
    import requests
    import urllib3.exceptions

    mb = max_bytes / (1024 * 1024)
    too_large = FetchError("too_large", f"the response is larger than {mb:g} MB; refused", url=url)
    declared = headers.get("content-length", "")
    if declared.isdigit() and "content-encoding" not in headers and int(declared) > max_bytes:
        raise too_large
    chunks, size = [], 0
    try:
        while True:
            chunk = resp.raw.read1(CHUNK, decode_content=True)  # what has arrived (a dribble too); b"" at EOF
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise too_large
            chunks.append(chunk)
            if guard.expired:
                raise _deadline_error(limits, url)
    except FetchError:
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise _translate(exc, url, guard, limits) from exc
    if guard.expired:
        raise _deadline_error(limits, url)
    return b"".join(chunks)


def _deadline_error(limits: FetchLimits, url: str) -> FetchError:
    return FetchError("deadline", f"the server was too slow: the feed did not arrive within {limits.deadline:g} s",
                      url=url)


def _translate(exc: BaseException, url: str, guard: _Deadline, limits: FetchLimits) -> FetchError:
    import requests

    text = str(exc)
    if guard.expired:
        return _deadline_error(limits, url)
    if isinstance(exc, requests.exceptions.SSLError) or "SSL" in text or "CERTIFICATE" in text.upper():
        import re

        ssl_reason = re.search(r"\[SSL: [A-Z_]+\] ([^(]+?)\s*\(", text)
        reason = ("the certificate is not trusted" if "CERTIFICATE_VERIFY_FAILED" in text
                  else ssl_reason.group(1) if ssl_reason else _short(text))
        return FetchError("tls", f"the secure (TLS) connection failed: {reason}", url=url)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return FetchError("timeout", f"could not connect within {limits.connect_timeout:g} s", url=url)
    if isinstance(exc, (requests.exceptions.ReadTimeout,)) or "timed out" in text:
        return FetchError("timeout", f"the server stopped sending data for {limits.read_timeout:g} s", url=url)
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return FetchError("broken", "the response says it is compressed but is not", url=url)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                        requests.exceptions.MissingSchema)):
        return FetchError("url", f"not a valid web address: {url[:80]}", url=url)
    if "Name or service not known" in text or "getaddrinfo" in text or "NameResolution" in text:
        return FetchError("dns", f"the host name {urlsplit(url).hostname} could not be found", url=url)
    if "refused" in text.lower():
        return FetchError("connect", "could not connect: the server refused the connection", url=url)
    if isinstance(exc, requests.exceptions.ConnectionError) and "Read" not in type(exc).__name__:
        return FetchError("connect", f"could not connect: {_short(text)}", url=url)
    return FetchError("broken", f"the connection broke while reading: {_short(text)}", url=url)


def _short(text: str) -> str:
    text = text.split("(Caused by", 1)[-1].strip(" ()'\"")
    return text[-160:] if len(text) > 160 else text
