"""Broadcast to N WebSocket clients on MiniStack: through Pushpin (GRIP) vs through an API Gateway
WebSocket API (faas-grip's fan-out), the same chat handler behind both.

    .venv/bin/python -m benchmarks.websocket_api [--counts 100 1000] [--rounds 3] [--doc]

tools/aws_local.py brings up MiniStack with the built layer and examples/chat behind Pushpin
(REST door), and tools/aws_local_websocket.py the same chat as a WebSocket API. N real clients
(`websockets`, asyncio, one process) connect to one side; the chat subscribes each to "room".
A broadcaster function (on MiniStack, the built layer) publishes one message to "room" per round:
with GRIP_URL, one publish to Pushpin, which fans out; with GRIP_CONNECTIONS_TABLE, faas-grip
queries the connections table and posts to every connection through MiniStack's @connections.

Per round: time to last delivery (from just before the invoke to the last client's receipt) and
the Lambda time the broadcaster measured around its `publish` call. Medians over the rounds.
Before the rounds, probe messages are published until every client has one, so no round races a
subscription. `--doc` replaces the "API Gateway WebSocket APIs" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.e2e import raise_open_files

ROUND_TIMEOUT = 120.0
CONNECT_AT_ONCE = 10  # MiniStack runs a function's invocations a few at a time
CONNECT_ATTEMPTS = 3  # a handshake Pushpin answers 502 (the backend too slow) is tried again
BROADCASTER = """import time
from faas_grip import WebSocketMessageFormat, lambda_deadline, publish

def handler(event, context):
    start = time.perf_counter()
    with lambda_deadline(context):  # as the decorators do
        publish(event["channel"], WebSocketMessageFormat(event["text"]))
    return {"seconds": time.perf_counter() - start}
"""
MEMORY_GB = 0.25  # the functions' MemorySize, as template.yaml
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
BEGIN, END = "<!-- websocket-api:begin -->", "<!-- websocket-api:end -->"


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


class Clients:
    """N connected clients, each keeping (arrival time, message) of what it receives."""

    def __init__(self) -> None:
        self.sockets: list[Any] = []
        self.received: list[dict[str, float]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.retried = 0

    async def connect(self, url: str, count: int) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus

        async def one() -> None:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    ws = await connect(url, open_timeout=120, max_queue=None, ping_interval=None)
                    break
                except InvalidStatus:
                    if attempt == CONNECT_ATTEMPTS - 1:
                        raise
                    self.retried += 1
            seen: dict[str, float] = {}
            self.sockets.append(ws)
            self.received.append(seen)
            self._tasks.append(asyncio.create_task(self._read(ws, seen)))

        for start in range(0, count, CONNECT_AT_ONCE):
            await asyncio.gather(*(one() for _ in range(min(CONNECT_AT_ONCE, count - start))))

    @staticmethod
    async def _read(ws: Any, seen: dict[str, float]) -> None:
        async for message in ws:
            seen.setdefault(str(message), time.perf_counter())

    def missing(self, text: str) -> int:
        return sum(text not in seen for seen in self.received)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)


async def _side(lam: Any, function: str, url: str, count: int, rounds: int) -> dict[str, Any]:
    clients = Clients()
    await clients.connect(url, count)
    try:

        async def invoke(text: str) -> float:
            answer = await asyncio.to_thread(
                lam.invoke,
                FunctionName=function,
                Payload=json.dumps({"channel": "room", "text": text}).encode(),
            )
            payload = json.loads(answer["Payload"].read())
            if "seconds" not in payload:
                raise RuntimeError(f"the broadcaster failed: {payload}")
            return float(payload["seconds"])

        # Probe until every client is subscribed (no fixed sleep).
        deadline = time.monotonic() + ROUND_TIMEOUT
        probe = 0
        while True:
            probe += 1
            await invoke(f"probe-{probe}")
            await asyncio.sleep(0.5)
            if all(any(k.startswith("probe-") for k in seen) for seen in clients.received):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("clients never all received a probe")
        lasts, lambdas, lost = [], [], 0
        for number in range(rounds):
            text = f"round-{number}"
            start = time.perf_counter()
            lambdas.append(await invoke(text))
            until = time.monotonic() + ROUND_TIMEOUT
            while clients.missing(text) and time.monotonic() < until:
                await asyncio.sleep(0.01)
            lost += clients.missing(text)
            arrivals = [seen[text] for seen in clients.received if text in seen]
            lasts.append(max(arrivals) - start)
        return {
            "last_delivery_ms": statistics.median(lasts) * 1000,
            "lambda_ms": statistics.median(lambdas) * 1000,
            "lambda_gb_s": statistics.median(lambdas) * MEMORY_GB,
            "rounds": rounds,
            "lost": lost,
            "handshakes_retried": clients.retried,
        }
    finally:
        await clients.close()


def measure(counts: tuple[int, ...] = (100, 1000), rounds: int = 3) -> dict[str, Any]:
    """Per N and side ("grip", "apigw"): median time to last delivery and Lambda time."""
    from tools.aws_local import LocalAws
    from tools.aws_local_websocket import create_function, deploy_websocket_api

    raise_open_files(max(counts) * 4 + 256)
    results: dict[str, Any] = {}
    with LocalAws() as aws:
        api = deploy_websocket_api(aws)
        lam = aws.ministack.client("lambda")
        code = _zip(BROADCASTER)
        create_function(
            aws, "bench-grip", code, "app.handler", {"GRIP_URL": aws.pushpin.grip_url}, timeout=300
        )
        create_function(
            aws,
            "bench-apigw",
            code,
            "app.handler",
            {"GRIP_CONNECTIONS_TABLE": api.table, "GRIP_WS_ENDPOINT": api.endpoint},
            timeout=300,
        )
        sides = {
            "grip": ("bench-grip", aws.ws_url("chat", "rest", "/chat")),
            "apigw": ("bench-apigw", api.url),
        }
        for count in counts:
            for side, (function, url) in sides.items():
                print(f"  {side}: {count} clients", flush=True)
                results.setdefault(str(count), {})[side] = asyncio.run(
                    _side(lam, function, url, count, rounds)
                )
    return results


def render(results: dict[str, Any]) -> str:
    """The measured table."""
    rows = []
    for count, sides in results.items():
        grip, apigw = sides["grip"], sides["apigw"]
        rows.append(
            f"| {int(count):,} | {grip['last_delivery_ms']:.0f} ms "
            f"| {apigw['last_delivery_ms']:.0f} ms "
            f"| {apigw['last_delivery_ms'] / grip['last_delivery_ms']:.1f}x "
            f"| {grip['lambda_ms']:.0f} ms | {apigw['lambda_ms']:.0f} ms "
            f"| {apigw['lambda_ms'] / grip['lambda_ms']:.0f}x |"
        )
    return "\n".join(
        [
            "| clients | last delivery, GRIP | last delivery, API GW | API GW / GRIP "
            "| Lambda time, GRIP | Lambda time, API GW | API GW / GRIP |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


# AWS's published prices, us-east-1 (aws.amazon.com/api-gateway/pricing, /lambda/pricing,
# /dynamodb/pricing, read 2026): first tiers, no free tier.
PRICES = {
    "websocket_message": 1.00 / 1e6,  # per message (each 32 KB counts as one)
    "connection_minute": 0.25 / 1e6,
    "rest_request": 3.50 / 1e6,  # REST API, the GRIP path's front door
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000133334,  # arm64, as template.yaml
    "read_unit": 0.125 / 1e6,  # DynamoDB on-demand, strongly consistent read of 4 KB
    "write_unit": 0.625 / 1e6,
}
# The chat being priced: 1,000 users, each connected 8 hours a day and saying 20 lines a day.
USERS, HOURS, DAYS, LINES = 1000, 8, 30, 20
ROW_BYTES = 130  # a subscription row as ConnectionStore writes it


def cost_model(results: dict[str, Any]) -> tuple[list[list[str]], float, float]:
    """Monthly cost rows for the chat, with the Lambda time measured at the largest N."""
    largest = results[max(results, key=int)]
    scale = USERS / int(max(results, key=int))  # Lambda time grows with N on the API GW side
    lines = USERS * LINES * DAYS
    deliveries = lines * USERS
    api_sessions = USERS * DAYS * -(-HOURS // 2)  # API Gateway cuts each connection at 2 h
    grip_sessions = USERS * DAYS
    p = PRICES
    grip_s = largest["grip"]["lambda_ms"] / 1000
    api_s = largest["apigw"]["lambda_ms"] / 1000 * scale
    read_units = lines * (1 + -(-(USERS * ROW_BYTES) // 4096))  # meta GetItem + the Query
    write_units = api_sessions * 4  # subscribe (2 rows) and their removal on $disconnect
    minutes = USERS * HOURS * 60 * DAYS
    grip = {
        "front door requests (REST API)": (lines + 2 * grip_sessions) * p["rest_request"],
        "Lambda requests": (lines + 2 * grip_sessions) * p["lambda_request"],
        "Lambda GB-s (the publish)": lines * grip_s * MEMORY_GB * p["lambda_gb_s"],
    }
    api = {
        "WebSocket messages (in + out)": (lines + deliveries) * p["websocket_message"],
        "connection minutes": minutes * p["connection_minute"],
        "Lambda requests": (lines + 2 * api_sessions) * p["lambda_request"],
        "Lambda GB-s (the fan-out)": lines * api_s * MEMORY_GB * p["lambda_gb_s"],
        "DynamoDB reads and writes": read_units * p["read_unit"] + write_units * p["write_unit"],
    }
    rows = [[name, f"${cost:,.2f}", ""] for name, cost in grip.items()]
    rows += [[name, "", f"${cost:,.2f}"] for name, cost in api.items()]
    return rows, sum(grip.values()), sum(api.values())


def section(results: dict[str, Any], command: str, module_command: str) -> str:
    """docs/benchmarks.md's section, between markers `--doc` finds again."""
    rows, grip_total, api_total = cost_model(results)
    cost = "\n".join(
        [
            "| per month | GRIP path (+ the proxy) | API Gateway WebSocket API |",
            "|---|---:|---:|",
            *(f"| {a} | {b} | {c} |" for a, b, c in rows),
            f"| **total** | **${grip_total:,.2f}** + Pushpin host or Fanout | "
            f"**${api_total:,.2f}** |",
        ]
    )
    counts = " and ".join(f"{int(c):,}" for c in results)
    return "\n".join(
        [
            BEGIN,
            "## API Gateway WebSocket APIs",
            "",
            f"A broadcast to {counts} WebSocket clients on MiniStack, the same chat handler behind "
            "both (benchmarks/websocket_api.py; docs/websocket-api.md): through Pushpin (one "
            "publish, Pushpin fans out) and through an API Gateway WebSocket API (faas-grip reads "
            "the channel's subscribers from DynamoDB and posts to each connection, 32 at a time). "
            "A broadcaster function on MiniStack publishes once per round; medians over "
            f"{next(iter(results.values()))['grip']['rounds']} rounds. *Last delivery*: from just "
            "before the invoke to the last client's receipt; *Lambda time*: the broadcaster's "
            "`publish` call. MiniStack's Management API is local, so on AWS each post costs more "
            "(tens of ms over the network), and MiniStack does not cap the function's CPU as "
            "Lambda does (256 MB get about a seventh of a vCPU, and each post costs about a "
            "millisecond of CPU in boto3): the API Gateway columns are a floor.",
            "",
            render(results),
            "",
            f"A chat of {USERS:,} users, each connected {HOURS} hours a day and saying {LINES} "
            f"lines a day ({USERS * LINES * DAYS:,} lines and {USERS * LINES * DAYS * USERS:,} "
            "deliveries a month), priced with AWS's published us-east-1 prices (WebSocket API "
            "$1.00 per million messages and $0.25 per million connection minutes; REST API $3.50 "
            "per million requests; Lambda arm64 $0.20 per million requests and $0.0000133334 per "
            "GB-s at 256 MB; DynamoDB on-demand $0.125 per million read and $0.625 per million "
            "write units; first tiers, no free tier). Lambda time per line is the measured time "
            f"at {int(max(results, key=int)):,} clients. The GRIP column leaves out the proxy "
            "itself (a Pushpin host you run, or Fastly Fanout's own pricing).",
            "",
            cost,
            "",
            "Every delivery is a billed API Gateway message: the WebSocket API's cost grows with "
            "lines times audience, the GRIP path's with lines only.",
            "",
            f"Reproduce: `{command}`, or `{module_command} --only websocket-api`, or "
            "`.venv/bin/python -m benchmarks.websocket_api --doc` (this section only).",
            END,
        ]
    )


def splice(section: str, doc: Path = DOC) -> None:
    """Put `section` in place of the one `doc` holds, or at its end."""
    text = doc.read_text()
    block = section  # it carries its markers
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--doc", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = measure(tuple(args.counts), args.rounds)
    out = Path(__file__).resolve().parents[1] / "build" / "bench" / "websocket_api.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))
    text = section(results, "make bench", ".venv/bin/python -m benchmarks")
    print(text)
    if args.doc:
        splice(text)
    return 1 if any(s["lost"] for sides in results.values() for s in sides.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
