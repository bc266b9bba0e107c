"""One GRIP proxy's publish endpoint: a requests Session kept for the life of the process (warm
Lambdas reuse its keep-alive connections), per-attempt timeouts and bounded retries.

Each attempt, the proxy's answer included, ends by the publish deadline however slowly the
proxy answers (deadline.py), and at most MAX_ANSWER_BYTES of the answer are read.

What is retried: connection errors (refused, reset, DNS), timeouts, and 5xx answers. A read
timeout or a reset after the request was sent may mean the proxy did publish, so a retry can
deliver an item twice: publishing is at-least-once. Pushpin does not drop the duplicate even
with `id`/`prev_id` (it holds an out-of-sequence item for message_wait, then delivers it):
clients that need exactly-once skip ids they have seen (docs/reliability.md).
4xx and 3xx answers are never retried (the request itself is wrong), nor are TLS errors.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from faas_grip.errors import PublishFailure
from faas_grip.protocol.url import GripConfig
from faas_grip.publishing.auth import auth_for

if TYPE_CHECKING:
    import requests

    # the Session, its adapter for the URL, the request prepared once, and the send options
    _Opened = tuple[
        requests.Session, requests.adapters.BaseAdapter, requests.PreparedRequest, dict[str, Any]
    ]

logger = logging.getLogger("faas_grip")

BODY_EXCERPT = 200  # characters of an error answer kept in PublishFailure.body
MAX_ANSWER_BYTES = 65536  # of a proxy's answer read at most (Pushpin says "Published")


class Limits(NamedTuple):
    """Timeouts (seconds) and retries for each request to a proxy."""

    connect_timeout: float
    read_timeout: float
    attempts: int
    backoff: float  # the first retry waits backoff·[0.5, 1), doubling for each retry after it


def publish_url(control_uri: str) -> str:
    """`{control_uri}/publish/`, keeping the control URI's query after the path."""
    base, sep, query = control_uri.partition("?")
    return f"{base.rstrip('/')}/publish/{sep}{query}"


class ProxyClient:
    """Sends publish bodies to one proxy, in order, each retried within the limits."""

    def __init__(self, config: GripConfig, limits: Limits) -> None:
        self.config = config
        self.url = publish_url(config.control_uri)
        self.limits = limits
        self._auth = auth_for(config)
        self._lock = threading.Lock()
        self._opened: _Opened | None = None

    def send(self, bodies: list[tuple[bytes, int]], deadline: float) -> PublishFailure | None:
        """Post each (body, item count) in turn; stop at the first body that fails for good."""
        accepted = 0
        for body, count in bodies:
            try:
                failure = self._post(body, deadline)
            except Exception as exc:  # a bug must still name its proxy, and not hide the others
                failure = PublishFailure(self.config.control_uri, exception=exc)
            if failure is not None:
                failure.accepted_items = accepted
                return failure
            accepted += count
        return None

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, None
        if opened is not None:
            opened[0].close()

    def _post(self, body: bytes, deadline: float) -> PublishFailure | None:
        import requests

        limits = self.limits
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return PublishFailure(
                    self.config.control_uri,
                    exception=TimeoutError("the publish deadline passed before this attempt"),
                    attempts=attempt - 1,
                )
            try:
                status, content = self._request(body, remaining)
            except requests.exceptions.SSLError as exc:
                return PublishFailure(self.config.control_uri, exception=exc, attempts=attempt)
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                failure = PublishFailure(self.config.control_uri, exception=exc, attempts=attempt)
            except requests.exceptions.RequestException as exc:
                return PublishFailure(self.config.control_uri, exception=exc, attempts=attempt)
            else:
                if 200 <= status < 300:
                    return None
                excerpt = content[:BODY_EXCERPT].decode("utf-8", "replace").strip()
                failure = PublishFailure(
                    self.config.control_uri, status=status, body=excerpt, attempts=attempt
                )
                if status < 500:
                    return failure
            if attempt >= limits.attempts:
                return failure
            delay = limits.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
            if time.monotonic() + delay >= deadline:
                return failure
            logger.info(
                "publish to %s failed (%s); retrying in %.2fs",
                self.config.control_uri,
                failure.reason(),
                delay,
            )
            time.sleep(delay)

    def _request(self, body: bytes, remaining: float) -> tuple[int, bytes]:
        from faas_grip.publishing.deadline import attempt_deadline

        _, adapter, template, options = self._opened or self._open()
        request = template.copy()
        request.prepare_body(body, None)
        authorization = self._auth.header()
        if authorization is not None:
            request.headers["Authorization"] = authorization
        limits = self.limits
        timeout = (min(limits.connect_timeout, remaining), min(limits.read_timeout, remaining))
        # The whole attempt, answer included, ends by the deadline (not just each read).
        token = attempt_deadline.set(time.monotonic() + remaining)
        try:
            response = adapter.send(request, timeout=timeout, **options)
            try:
                return response.status_code, _read_bounded(response)
            finally:
                # Read to its end, the connection goes back to the pool; cut short, it closes.
                response.close()
        finally:
            attempt_deadline.reset(token)

    def _open(self) -> _Opened:
        import requests

        from faas_grip import __version__
        from faas_grip.publishing.deadline import DeadlineAdapter

        with self._lock:
            opened = self._opened
            if opened is None:
                session = requests.Session()
                session.headers["User-Agent"] = f"faas-grip/{__version__}"
                template = session.prepare_request(
                    requests.Request("POST", self.url, headers={"Content-Type": "application/json"})
                )
                # Session.request() looks up proxy variables, .netrc and the CA bundle, merges
                # cookies and follows redirects on every call, which costs more than a local
                # publish itself: resolve the environment once here, prepare the request once,
                # and send each body straight through the session's adapter (its connection
                # pool). Redirects are not followed: a redirected POST would turn into a GET.
                # stream=True: the answer is read here, bounded (_read_bounded).
                options = dict(session.merge_environment_settings(self.url, {}, True, None, None))
                adapter = DeadlineAdapter()
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                opened = (session, adapter, template, options)
                self._opened = opened
        return opened


def _read_bounded(response: requests.Response) -> bytes:
    """The answer's first MAX_ANSWER_BYTES at most: an answer of any size costs no more memory."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(16384):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_ANSWER_BYTES:
            break
    return b"".join(chunks)[:MAX_ANSWER_BYTES]
