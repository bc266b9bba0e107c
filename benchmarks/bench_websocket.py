"""Warm per-invocation cost of `@grip_websocket`, beside faas-grip 1.0.1's way with gripcontrol 4.4.

    .venv/bin/python benchmarks/bench_websocket.py [--n 20000] [--rounds 7]

The event is AWS's REST API sample (`sam local generate-event apigateway aws-proxy`, stored in
tests/data/events/) turned into the WebSocket-over-HTTP request Pushpin sends: one TEXT message,
base64 body, the proxy's headers and a Meta-Nick. Both sides run the same handler (echo the
message) and produce the same proxy response; the 1.0.1 side is `lambda_get_websocket` +
`to_response` rebuilt from gripcontrol 4.4 primitives (decode_websocket_events,
WebSocketContext, encode_websocket_events, base64). No Grip-Sig key is configured on either side
(1.0.1 never checked it); `with_key` measures faas-grip again with an HS256 key to verify.
Rounds alternate between the sides; the median of each is reported.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from struct import pack
from typing import Any

SAMPLE = Path(__file__).resolve().parent.parent / "tests/data/events/rest-aws-proxy.json"
KEY = "a-benchmark-secret-of-32-bytes!!"


def rest_event(grip_sig: str | None = None) -> dict[str, Any]:
    """The REST sample as a one-TEXT-message WebSocket-over-HTTP request."""
    event: dict[str, Any] = json.loads(SAMPLE.read_text())
    extra = {
        "Accept": "application/websocket-events",
        "Content-Type": "application/websocket-events",
        "Connection-Id": "8a93438c-f267-4821-8609-455fef14befd",
        "Sec-WebSocket-Extensions": "grip",
        "Meta-Nick": "bob",
    }
    if grip_sig is not None:
        extra["Grip-Sig"] = grip_sig
    event["headers"].update(extra)
    event["multiValueHeaders"].update({k: [v] for k, v in extra.items()})
    event["body"] = base64.b64encode(b"TEXT 5\r\nhello\r\n").decode("ascii")
    event["isBase64Encoded"] = True
    return event


def faas_grip_handler(verify_key: str | None = None) -> Callable[[Any, Any], Any]:
    from faas_grip import grip_websocket

    @grip_websocket(verify_key=verify_key)
    def handler(ws: Any, context: Any) -> None:
        for message in ws:
            ws.send(f"{ws.meta.get('nick')}: {message}")

    return handler


def legacy_handler() -> Callable[[Any, Any], Any]:
    """faas-grip 1.0.1's lambda_get_websocket / to_response, on gripcontrol 4.4 primitives."""
    from gripcontrol import (
        WebSocketContext,
        WebSocketEvent,
        decode_websocket_events,
        encode_websocket_events,
    )

    # The code of faas_grip.py 1.0.1 (lambda_get_websocket, lambda_websocket_to_response), with
    # six.iteritems(d) written d.items(); the loops are kept as they were.
    def get_websocket(event: dict[str, Any]) -> Any:
        lower_headers = {}
        for k, v in event.get("headers", {}).items():
            lower_headers[k.lower()] = v
        content_type = lower_headers.get("content-type")
        if content_type:
            at = content_type.find(";")
            if at != -1:
                content_type = content_type[:at].strip()
        if event["httpMethod"] != "POST" or content_type != "application/websocket-events":
            raise ValueError("request does not seem to be a websocket-over-http request")
        cid = lower_headers.get("connection-id")
        meta = {}
        for k, v in lower_headers.items():
            if k.startswith("meta-"):
                meta[k[5:]] = v
        if event.get("isBase64Encoded"):  # noqa: SIM108 - kept as 1.0.1 wrote it
            body = base64.b64decode(event["body"])
        else:
            body = event["body"]
        if isinstance(body, str):
            body = body.encode("utf-8")
        return WebSocketContext(cid, meta, decode_websocket_events(body), grip_prefix="")

    def to_response(ws: Any) -> dict[str, Any]:
        meta_remove = set()
        for k in ws.orig_meta:
            found = False
            for nk in ws.meta:
                if nk.lower() == k:
                    found = True
                    break
            if not found:
                meta_remove.add(k)
        meta_set = {}
        for k, v in ws.meta.items():
            lname = k.lower()
            need_set = True
            for ok, ov in ws.orig_meta.items():
                if lname == ok and v == ov:
                    need_set = False
                    break
            if need_set:
                meta_set[lname] = v
        events = []
        if ws.accepted:
            events.append(WebSocketEvent("OPEN"))
        events.extend(ws.out_events)
        if ws.closed:
            events.append(WebSocketEvent("CLOSE", pack(">H", ws.out_close_code)))
        headers = {"Content-Type": "application/websocket-events"}
        if ws.accepted:
            headers["Sec-WebSocket-Extensions"] = "grip"
        for k in meta_remove:
            headers["Set-Meta-" + k] = ""
        for k, v in meta_set.items():
            headers["Set-Meta-" + k] = v
        body = encode_websocket_events(events)
        # As the 1.0.1 release on PyPI does (its repository once returned the bytes undecoded).
        return {
            "isBase64Encoded": True,
            "statusCode": 200,
            "headers": headers,
            "body": base64.b64encode(body).decode("ascii"),
        }

    def handler(event: Any, context: Any) -> dict[str, Any]:
        ws = get_websocket(event)
        while ws.can_recv():
            message = ws.recv()
            if message is None:
                ws.close()
                break
            ws.send(f"{ws.meta.get('nick')}: {message}")
        return to_response(ws)

    return handler


def _per_call_us(handler: Callable[[Any, Any], Any], event: Any, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        handler(event, None)
    return (time.perf_counter() - start) / n * 1e6


def compare(n: int = 20000, rounds: int = 7) -> dict[str, float]:
    """Median µs per warm invocation for faas-grip, 1.0.1-style, and faas-grip with a key."""
    from faas_grip.testing import grip_sig

    logging.getLogger("faas_grip").setLevel(logging.ERROR)  # the one-time no-key warning
    ours, legacy, keyed = faas_grip_handler(), legacy_handler(), faas_grip_handler(KEY)
    event, signed = rest_event(), rest_event(grip_sig(KEY))
    if ours(event, None)["body"] != legacy(event, None)["body"]:
        raise AssertionError("the two sides do not produce the same reply")
    for handler, ev in ((ours, event), (legacy, event), (keyed, signed)):
        _per_call_us(handler, ev, n // 10)  # warm up
    times: dict[str, list[float]] = {"faas_grip": [], "legacy": [], "with_key": []}
    for _ in range(rounds):
        times["faas_grip"].append(_per_call_us(ours, event, n))
        times["legacy"].append(_per_call_us(legacy, event, n))
        times["with_key"].append(_per_call_us(keyed, signed, n // 4))
    result = {name: statistics.median(values) for name, values in times.items()}
    result["ratio"] = result["legacy"] / result["faas_grip"]
    return result


def core_only(n: int = 20000, rounds: int = 7) -> dict[str, float]:
    """Median µs of the protocol work alone (decode, context, the handler, encode), no event
    handling: where the time of each side goes."""
    from gripcontrol import WebSocketContext as LegacyContext
    from gripcontrol import decode_websocket_events, encode_websocket_events

    from faas_grip import WebSocketContext, decode_events, encode_events

    body = b"TEXT 5\r\nhello\r\n"

    def ours(event: Any, context: Any) -> bytes:
        ws = WebSocketContext("c", {"nick": "bob"}, decode_events(body))
        for message in ws:
            ws.send(f"{ws.meta.get('nick')}: {message}")
        ws.to_headers()
        return encode_events(ws.outgoing_events())

    def legacy(event: Any, context: Any) -> bytes:
        ws = LegacyContext("c", {"nick": "bob"}, decode_websocket_events(body))
        while ws.can_recv():
            message = ws.recv()
            ws.send(f"{ws.meta.get('nick')}: {message}")
        return bytes(encode_websocket_events(ws.out_events))

    times: dict[str, list[float]] = {"faas_grip": [], "legacy": []}
    for _ in range(rounds):
        times["faas_grip"].append(_per_call_us(ours, None, n))
        times["legacy"].append(_per_call_us(legacy, None, n))
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="invocations per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    result = compare(args.n, args.rounds)
    core = core_only(args.n, args.rounds)
    print(
        f"@grip_websocket, one TEXT message on a REST event: faas-grip {result['faas_grip']:.1f} µs, "
        f"the faas-grip 1.0.1 way (gripcontrol 4.4) {result['legacy']:.1f} µs per warm invocation "
        f"-> speed-up {result['ratio']:.2f}x (target >= 2x)"
    )
    print(f"  with Grip-Sig verification (HS256): {result['with_key']:.1f} µs per invocation")
    print(
        f"  of which the protocol work alone (decode, context, handler, encode): "
        f"faas-grip {core['faas_grip']:.1f} µs, gripcontrol 4.4 {core['legacy']:.1f} µs"
    )
    return {**result, **{f"core_{k}": v for k, v in core.items()}}


if __name__ == "__main__":
    main()
