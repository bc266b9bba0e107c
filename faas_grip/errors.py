"""The faas-grip exception family.

Each error carries the HTTP status the Lambda edge answers with, so a decorator can turn any
GripError raised while reading a request into a plain-text response without guessing.
"""

from __future__ import annotations


class GripError(Exception):
    """Base class of every error faas-grip raises on purpose."""

    status: int = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class GripProtocolError(GripError):
    """The request is not valid GRIP / WebSocket-over-HTTP (answered with 400)."""

    status = 400


class GripSignatureError(GripError):
    """The request's Grip-Sig is missing or invalid (answered with 403)."""

    status = 403


class GripConfigError(GripError):
    """faas-grip is misconfigured: a bad GRIP_URL, an unusable key (answered with 500)."""

    status = 500


class HistoryError(GripError):
    """The history store could not keep or read events: the table is missing, access is
    denied, the store is unreachable (answered with 503; nothing was half-written)."""

    status = 503


class WebSocketDisconnected(GripError):
    """The client is gone: `recv()` met a DISCONNECT event.

    The decorators catch it when it leaves the handler, so a handler may simply let it propagate.
    """

    status = 200


class NoMessageError(GripError):
    """`recv()` was called with no message left in this invocation's batch of events."""

    status = 500


class PublishFailure:
    """Why one GRIP proxy did not accept a publish.

    `proxy` is the proxy's control URI (no credentials). `status` and `body` (an excerpt) are
    set when the proxy answered with an error; `exception` when no answer came (refused, reset,
    timed out). `accepted_items` counts the items it did accept before failing (publish_many
    sends large batches in several requests, in order, and stops at the first failure).
    """

    __slots__ = ("accepted_items", "attempts", "body", "exception", "proxy", "status")

    def __init__(
        self,
        proxy: str,
        *,
        status: int | None = None,
        body: str | None = None,
        exception: BaseException | None = None,
        attempts: int = 1,
        accepted_items: int = 0,
    ) -> None:
        self.proxy = proxy
        self.status = status
        self.body = body
        self.exception = exception
        self.attempts = attempts
        self.accepted_items = accepted_items

    def reason(self) -> str:
        """One line: what went wrong, without the proxy's name."""
        if self.status is not None:
            what = f"answered HTTP {self.status}"
            if self.body:
                what += f" {self.body!r}"
        elif self.exception is not None:
            what = f"{type(self.exception).__name__}: {self.exception}"
        else:
            what = "failed"
        notes = ["no attempt" if self.attempts == 0 else f"attempts: {self.attempts}"]
        if self.accepted_items:
            items = "1 item" if self.accepted_items == 1 else f"{self.accepted_items} items"
            notes.append(f"{items} accepted before it")
        return f"{what} ({', '.join(notes)})"

    def __repr__(self) -> str:
        return f"PublishFailure({self.proxy!r}, {self.reason()})"


class PublishError(GripError):
    """One or more GRIP proxies did not accept a publish (answered with 502).

    `failures` lists each failed proxy; every proxy not listed accepted the items.
    """

    status = 502

    def __init__(self, failures: list[PublishFailure], proxies: int) -> None:
        self.failures = list(failures)
        lines = "; ".join(f"{f.proxy} {f.reason()}" for f in self.failures)
        if proxies == 1:
            scope = "the GRIP proxy"
        elif len(self.failures) == proxies:
            scope = f"all {proxies} GRIP proxies"
        else:
            scope = f"{len(self.failures)} of {proxies} GRIP proxies (the others accepted it)"
        super().__init__(f"publish failed on {scope}: {lines}")
