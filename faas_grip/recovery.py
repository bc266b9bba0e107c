"""Recovery for held HTTP requests: what a reconnecting client missed, from the channel's history.

SSE (`@grip_stream(..., sse=True, history=True)`)
    The position is the `Grip-Last` header of a proxy's recovery request, else the client's
    `Last-Event-ID` header, else its `lastEventId` query parameter (EventSource polyfills).
    With a position, the stored events after it go first (SSE with ids), then the request is
    held with `prev-id` = the last id sent and a next link back to the same URL carrying that
    id, so the proxy fetches any event it sees missing. Without one the stream starts from
    now: held with `prev-id` = the channel's last id, so an event published before the hold
    takes effect is recovered rather than lost. More than `limit` events go in pages: a page
    is held at its last id with a link timeout of 0, so the proxy asks for the next one at
    once, with Grip-Last (never without a hold: the proxy shares a follow-up request among the
    streams on one path by Grip-Last alone, so one without it could carry another channel).
Long-poll (`@grip_longpoll(..., history=True)`)
    `after=ID` (or `Grip-Last` on the proxy's retry) → the stored events after ID at once, a
    JSON list; none → held with `prev-id`, so the proxy retries the request when it sees a
    publish that does not follow it.

History needs exactly one channel per request: ids count per channel, so one Last-Event-ID
cannot name a position in two of them.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from faas_grip.dispatch import HeaderList, HoldOptions, Reply, check_headers, hold_reply
from faas_grip.errors import GripConfigError, GripProtocolError
from faas_grip.history.base import History, StoredEvent, parse_id
from faas_grip.history.config import default_history
from faas_grip.history.render import JSON_CONTENT_TYPE, longpoll_body, sse_text
from faas_grip.protocol.instruct import (
    Channel,
    ChannelsArg,
    parse_grip_last,
    to_channels,
)
from faas_grip.request import Request
from faas_grip.settings import get_settings

HistoryArg = bool | History | None

LAST_EVENT_ID = "lastEventId"  # the query parameter EventSource polyfills send
AFTER = "after"
DEFAULT_LIMIT = 1000
# How long a held stream may stay idle before the proxy asks its next link again. Pushpin's
# default is 120 s: each ask is an invocation (shared by the streams at one position), which at
# scale is real traffic (and was seen delaying delivery). Gaps are recovered as soon as a later publish reveals them;
# this only bounds how late the very last event of a quiet channel can be if the proxy lost it.
DEFAULT_LINK_TIMEOUT = 3600


def check_history_channels(name: str, channels: list[Channel]) -> None:
    """ValueError unless history can serve `channels`: exactly one, without a prev-id."""
    if len(channels) != 1:
        names = ", ".join(repr(c.name) for c in channels) or "none"
        raise ValueError(
            f"{name} with history needs exactly one channel (event ids count per channel, so one "
            f"Last-Event-ID cannot name a position in several), got {names}"
        )
    if channels[0].prev_id is not None:
        raise ValueError(
            f"{name} with history sets the prev-id of channel {channels[0].name!r} itself: "
            "give the channel without prev_id"
        )


class Recovery:
    """How one decorated stream or long-poll replays history: the store and the page size.

    `history` is True (the store GRIP_HISTORY_TABLE names, found on first use) or a History.
    """

    __slots__ = ("_history", "limit", "link_timeout", "mode", "name")

    def __init__(
        self,
        name: str,
        mode: Literal["stream", "response"],
        history: History | Literal[True],
        *,
        limit: int = DEFAULT_LIMIT,
        link_timeout: int | None = None,
    ) -> None:
        if history is not True and not isinstance(history, History):
            raise TypeError(f"history must be True or a History, not {type(history).__name__}")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(f"replay_limit must be a positive integer, got {limit!r}")
        self.name = name
        self.mode = mode
        self._history = history
        self.limit = limit
        self.link_timeout = DEFAULT_LINK_TIMEOUT if link_timeout is None else link_timeout

    @property
    def store(self) -> History:
        """The History; GripConfigError naming GRIP_HISTORY_TABLE when none is configured."""
        return default_history() if self._history is True else self._history

    def channel(self, chosen: ChannelsArg) -> Channel:
        """The request's one channel; a callable that chose otherwise is a deployment fault."""
        channels = to_channels(chosen)
        try:
            check_history_channels(self.name, channels)
        except ValueError as exc:
            raise GripConfigError(str(exc)) from exc
        return channels[0]

    def is_recovery(self, request: Request, channel: Channel) -> bool:
        """True for the proxy's own next-link request of a stream (it carries Grip-Last, which
        clients cannot send: the proxy strips Grip-* headers from them)."""
        return self.mode == "stream" and self._grip_last(request, channel) is not None

    def reply(
        self,
        options: HoldOptions,
        channel: Channel,
        request: Request,
        status: int,
        headers: HeaderList,
        body: str | bytes,
    ) -> Reply:
        """The replay after the request's position, then the hold; a refusal goes as it is."""
        if status >= 400:
            return hold_reply(options, channel, status, headers, body)
        position = self.position(request, channel)
        if self.mode == "stream":
            return self._stream(options, channel, request, position, status, headers, body)
        return self._longpoll(options, channel, position, status, headers, body)

    def position(self, request: Request, channel: Channel) -> str | None:
        """The last id the client (or the proxy) has, if it said; GripProtocolError (400)
        when that is not a decimal event id."""
        value, source = self._grip_last(request, channel), "Grip-Last"
        if value is None and self.mode == "stream":
            value, source = request.headers.get("Last-Event-ID") or None, "Last-Event-ID header"
            if value is None:
                value, source = request.query.get(LAST_EVENT_ID) or None, f"{LAST_EVENT_ID}="
        elif value is None:
            value, source = request.query.get(AFTER) or None, f"{AFTER}="
        if value is None:
            return None
        value = value.strip()
        try:
            parse_id(value, source)
        except ValueError as exc:
            raise GripProtocolError(str(exc)) from exc
        return value

    def _grip_last(self, request: Request, channel: Channel) -> str | None:
        header = request.headers.get("Grip-Last")
        if not header:
            return None
        return parse_grip_last(header).get(get_settings().prefix + channel.name)

    def _stream(
        self,
        options: HoldOptions,
        channel: Channel,
        request: Request,
        position: str | None,
        status: int,
        headers: HeaderList,
        body: str | bytes,
    ) -> Reply:
        store = self.store
        events: list[StoredEvent] = []
        timeout = self.link_timeout
        if position is None:
            prev = store.last_id(channel.name)
            # An SSE `id:` with no data dispatches nothing but sets the browser's last event id:
            # a client that drops before its first event then resumes from here, not from now.
            body = _append(body, f"id: {prev}\n\n")
        else:
            events = store.after(channel.name, position, limit=self.limit)
            if len(events) >= self.limit:
                timeout = 0  # a full page: the proxy asks for the next one at once
            prev = events[-1].id if events else _behind(position, store.last_id(channel.name))
        held = Channel(channel.name, prev_id=prev, filters=channel.filters)
        link = (self._link(options, request, prev), timeout)
        return hold_reply(options, held, status, headers, _join(body, events), next_link=link)

    def _link(self, options: HoldOptions, request: Request, last_id: str) -> str:
        """The URL the proxy asks to recover: the stream's own with lastEventId = `last_id`, so
        it works even when Grip-Last is missing.

        A query-only reference ("?a=1&lastEventId=7"), which the proxy resolves against the
        request's URL: the function may see another path than the client used (an API Gateway
        stage). Behind a proxy route that rewrites the path, the proxy resolves against the
        rewritten one and rewrites it again: `next_link` then names the client's path.
        """
        if options.next_link is not None:
            parts = urlsplit(options.next_link[0])
            base = parts._replace(query="", fragment="").geturl()
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
        else:
            base, query = "", dict(request.query)
        query[LAST_EVENT_ID] = last_id
        return f"{base}?{urlencode(query)}"

    def _longpoll(
        self,
        options: HoldOptions,
        channel: Channel,
        position: str | None,
        status: int,
        headers: HeaderList,
        body: str | bytes,
    ) -> Reply:
        store = self.store
        if position is None:
            prev = store.last_id(channel.name)
        else:
            events = store.after(channel.name, position, limit=self.limit)
            if events:
                check_headers(headers)
                kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
                return Reply(
                    status, [*kept, ("Content-Type", JSON_CONTENT_TYPE)], longpoll_body(events)
                )
            prev = _behind(position, store.last_id(channel.name))
        if not body and not any(k.lower() == "content-type" for k, _ in headers):
            # The timeout answer a JSON client can read: no events.
            headers, body = [*headers, ("Content-Type", JSON_CONTENT_TYPE)], "[]"
        held = Channel(channel.name, prev_id=prev, filters=channel.filters)
        return hold_reply(options, held, status, headers, body)


def _behind(position: str, last: str) -> str:
    """The prev-id to hold with when nothing follows `position`: `position` itself, unless
    the client claims ids the channel has not reached (then the channel's last id, so the next
    publish is delivered rather than taken for a gap over and over)."""
    return last if int(last) < int(position) else position


def _join(body: str | bytes, events: list[StoredEvent]) -> str | bytes:
    return _append(body, sse_text(events)) if events else body


def _append(body: str | bytes, text: str) -> str | bytes:
    return body + text.encode("utf-8") if isinstance(body, bytes) else body + text
