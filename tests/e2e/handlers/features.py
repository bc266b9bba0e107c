"""The e2e tests' function: one handler, routed by path, written with faas-grip's decorators.

/ws          WebSocket: echoes text ("echo:" + text) and binary; commands below
/ws?refuse=1 refuses the handshake with 403 and a body
/ws?close=1  closes with 4003 on the opening request, without calling accept()
/stream      HTTP stream on channel "stream"
/sse         Server-Sent Events on channel "sse"
/poll        long-poll on channel "poll", answered "poll timeout" after 5 s
/publish     ?channel=C&text=T[&id=I&prev-id=P]: publishes T to C in every format
/recover     a reliable stream on channel "recover" (prev-id, Grip-Link, Grip-Last)
/recover/add ?id=N[&skip=1]: stores item N and publishes it, unless skip=1 (making a gap)

WebSocket commands: "close" (server closes 4002), "meta NAME" then "whoami" (connection meta),
"accept again" (calls ws.accept() on a later request),
"keep-alive" (the proxy sends "ka" to the idle client every second), "keep-alive interval"
(the proxy sends "tick" every second, idle or not), "subscribe C".
"""

from faas_grip import (
    Channel,
    HttpResponseFormat,
    HttpStreamFormat,
    WebSocketMessageFormat,
    grip_longpoll,
    grip_stream,
    grip_websocket,
    parse_grip_last,
    sse_event,
)
from faas_grip.publishing import publish


def _plain(status, text):
    return {"statusCode": status, "headers": {"Content-Type": "text/plain"}, "body": text}


def _query(event):
    return event.get("queryStringParameters") or {}


def _header(event, name):
    headers = event.get("headers") or {}
    return next((v for k, v in headers.items() if k.lower() == name), None)


@grip_websocket
def socket(ws, context):
    if ws.is_opening():
        if ws.query.get("refuse"):
            ws.reject(403, "not on the list\n")
            return
        if ws.query.get("close"):  # close without accept(): accepted, then closed
            ws.close(4003, "closed on open")
            return
        ws.accept(protocol="chat.v1" if "chat.v1" in ws.protocols else None)
        ws.subscribe("ws")
    for message in ws:
        if isinstance(message, bytes):
            ws.send_binary(message)
        elif message == "close":
            ws.close(4002, "server says bye")
        elif message.startswith("meta "):
            ws.meta["nick"] = message[5:]
            ws.send("meta set")
        elif message == "accept again":  # accept() after the opening request: a no-op
            ws.accept()
            ws.send("accepted again")
        elif message == "whoami":
            ws.send(ws.meta.get("nick", "nobody"))
        elif message == "keep-alive interval":
            ws.keep_alive("tick", timeout=1, mode="interval")
            ws.send("keep-alive on")
        elif message == "keep-alive":
            ws.keep_alive("ka", timeout=1)
            ws.send("keep-alive on")
        elif message.startswith("subscribe "):
            ws.subscribe(message[10:])
            ws.send("subscribed")
        else:
            ws.send("echo:" + message)


@grip_stream("stream")
def stream(event, context):
    return "stream open\n"


@grip_stream("sse", sse=True)
def sse(event, context):
    return sse_event("open", event="status")


@grip_longpoll("poll", timeout=5)
def poll(event, context):
    return "poll timeout\n"


def publish_route(event, context):
    query = _query(event)
    text = query["text"]
    publish(
        query["channel"],
        [
            HttpStreamFormat(sse_event(text) if query.get("sse") else text + "\n"),
            HttpResponseFormat(body=text + "\n"),
            WebSocketMessageFormat(text),
        ],
        id=query.get("id"),
        prev_id=query.get("prev-id"),
    )
    return _plain(200, "published\n")


# /recover's store: what a real function would keep in a database.
RECOVER_ITEMS: list[int] = []


def _recover_position(event):
    last = parse_grip_last(_header(event, "grip-last")).get("recover")
    return int(last) if last else 0


def _recover_channel(event):
    after = _recover_position(event)
    newest = max([after, *RECOVER_ITEMS])
    return Channel("recover", prev_id=str(newest))


@grip_stream(_recover_channel, next_link="/recover")
def recover(event, context):
    after = _recover_position(event)
    if not _header(event, "grip-last"):
        return "recover open\n"
    return "".join(f"{n}\n" for n in RECOVER_ITEMS if n > after)


def recover_add(event, context):
    query = _query(event)
    number = int(query["id"])
    RECOVER_ITEMS.append(number)
    if not query.get("skip"):
        publish("recover", HttpStreamFormat(f"{number}\n"), id=str(number), prev_id=str(number - 1))
    return _plain(200, "stored\n")


ROUTES = {
    "/ws": socket,
    "/stream": stream,
    "/sse": sse,
    "/poll": poll,
    "/publish": publish_route,
    "/recover": recover,
    "/recover/add": recover_add,
}


def handler(event, context):
    path = event.get("rawPath") or event.get("path") or "/"
    route = ROUTES.get(path)
    if route is None:
        return _plain(404, f"no route for {path}\n")
    return route(event, context)
