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


class WebSocketDisconnected(GripError):
    """The client is gone: `recv()` met a DISCONNECT event.

    The decorators catch it when it leaves the handler, so a handler may simply let it propagate.
    """

    status = 200


class NoMessageError(GripError):
    """`recv()` was called with no message left in this invocation's batch of events."""

    status = 500
