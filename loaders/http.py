"""The one place the loaders talk HTTP: JSON GETs with timeouts, retries and backoff.

* Retries on connection errors, timeouts, HTTP 429 and 5xx, with exponential backoff
  (``backoff * 2**attempt``, capped at ``max_backoff``, plus up to 10% jitter); a ``Retry-After``
  header in seconds is honoured (capped at ``max_backoff``).
* Any other 4xx fails at once (retrying a 404 or a 400 cannot help).
* Every failure raises :class:`~graphdb.loaders.errors.FetchError` whose message names the
  full URL (query string included) and what went wrong, e.g.
  ``HTTP 500 Internal Server Error after 4 attempts: http://127.0.0.1:5000/works?...``.
  Secrets never go in the URL: tokens are sent as headers.

>>> client = HttpClient(timeout=10, retries=3)              # doctest: +SKIP
>>> client.get_json("https://api.openalex.org/works/W2741809807")  # doctest: +SKIP
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from .errors import FetchError

USER_AGENT = "graphdb-loader/0.1 (+https://github.com/; research metadata loader)"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class HttpClient:
    """A small JSON-over-HTTP client with retries. Reuse one per run (keeps the connection)."""

    def __init__(self, *, timeout: float = 30.0, retries: int = 4, backoff: float = 1.0,
                 max_backoff: float = 60.0, headers: Mapping[str, str] | None = None,
                 session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.timeout = timeout
        self.retries = retries  # retries after the first attempt
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.session = session or requests.Session()
        if self.session.headers.get("User-Agent", "").startswith("python-requests") or \
                "User-Agent" not in self.session.headers:
            self.session.headers["User-Agent"] = USER_AGENT
        if headers:
            self.session.headers.update(headers)
        self.sleep = sleep
        self.requests_made = 0

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(max(float(retry_after), 0.0), self.max_backoff)
            except ValueError:
                pass
        d = min(self.backoff * (2 ** attempt), self.max_backoff)
        return d + random.uniform(0, d / 10)

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET ``url`` and decode JSON, retrying transient failures; raises FetchError."""
        full = url_with_params(url, params)
        attempts = self.retries + 1
        last = ""
        status: int | None = None
        for attempt in range(attempts):
            retry_after = None
            try:
                self.requests_made += 1
                resp = self.session.get(full, timeout=self.timeout)
            except requests.Timeout:
                last, status = f"timed out after {self.timeout} s", None
            except requests.RequestException as e:
                last, status = f"connection failed ({type(e).__name__})", None
            else:
                status = resp.status_code
                if status < 400:
                    try:
                        return resp.json()
                    except ValueError:
                        ctype = resp.headers.get("Content-Type", "?")
                        raise FetchError(full, f"response is not JSON (HTTP {status}, {ctype})", status) from None
                last = f"HTTP {status} {resp.reason or ''}".rstrip()
                if status not in RETRY_STATUS:
                    raise FetchError(full, last, status)
                retry_after = resp.headers.get("Retry-After")
            if attempt + 1 < attempts:
                self.sleep(self._delay(attempt, retry_after))
        raise FetchError(full, f"{last} after {attempts} attempts", status)


def url_with_params(url: str, params: Mapping[str, Any] | None = None) -> str:
    """The full URL a GET with these params asks for (for messages and Reject paths)."""
    return requests.Request("GET", url, params=params).prepare().url or url


def get_json(url: str, params: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    """One-off GET with a fresh :class:`HttpClient` (``kwargs`` go to its constructor)."""
    return HttpClient(**kwargs).get_json(url, params)
