"""The hardening tests' function: client input flows into every header-bound API, and sizes
are measured.

/ws?nick=V      WebSocket: binds meta "nick" to V, accepts the first subprotocol offered;
                refuses the handshake with 400 when V cannot be a header value
/ws?reason=V    refuses the handshake with 403 and header `X-Reason: V` (400 when V is unfit)
/ws?bytes=N     accepts and sends one message of N bytes; when faas-grip refuses to queue it,
                closes with 4009 and the error as the reason
/ws?size=1      answers each message with "<events in the request> <bytes of the message>"
/stream?channel=C  an HTTP stream on channel C (400 when C is not a channel name)
"""

from faas_grip import front_door, grip_stream, grip_websocket


@grip_websocket
def socket(ws, context):
    if "size" in ws.query:
        count = len(ws.events)
        if ws.is_opening():
            ws.accept()
        for message in ws:
            ws.send(f"{count} {len(message)}")
        return
    if not ws.is_opening():
        return
    if "reason" in ws.query:
        try:
            ws.reject(403, "refused\n", headers={"X-Reason": ws.query["reason"]})
        except ValueError:
            ws.reject(400, "unfit reason\n")
        return
    if "bytes" in ws.query:
        ws.accept()
        try:
            ws.send("x" * int(ws.query["bytes"]))
        except ValueError as exc:
            ws.close(4009, str(exc)[:120])
        return
    try:
        ws.meta["nick"] = ws.query.get("nick", "anonymous")
    except ValueError:
        ws.reject(400, "unfit nick\n")
        return
    offered = ws.protocols
    ws.accept(protocol=offered[0] if offered else None)


def _channel(event):
    return front_door(event).request.query.get("channel", "news")


@grip_stream(_channel)
def stream(event, context):
    return "stream open\n"


def handler(event, context):
    request = front_door(event).request
    if request.path == "/stream":
        return stream(event, context)
    return socket(event, context)
