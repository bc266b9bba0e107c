"""`faas-grip dev HANDLER`: run a Lambda handler behind Pushpin and a local API Gateway."""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import Any

from faas_grip.dev.doors import DEFAULT_BINARY_MEDIA_TYPES, make_door
from faas_grip.dev.pushpin import PushpinError
from faas_grip.dev.server import DevServer, GatewayError

RUNTIME_TITLES = {"inprocess": "in-process runtime", "ric": "awslambdaric runtime"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="faas-grip", description="Local tooling for faas-grip functions."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dev = commands.add_parser(
        "dev",
        help="run a handler behind Pushpin and a local API Gateway",
        description="Run a Lambda handler behind Pushpin and a local API Gateway, with real "
        "WebSocket, HTTP streaming and long-poll clients. Code changes reload the handler; "
        "Ctrl-C stops everything.",
    )
    dev.add_argument("handler", metavar="HANDLER", help="Lambda handler string, e.g. app.handler")
    dev.add_argument(
        "--code-dir",
        default=".",
        metavar="DIR",
        help="folder the handler is imported from (default: the current folder)",
    )
    dev.add_argument(
        "--api",
        choices=("rest", "http", "url"),
        default="rest",
        help="front door: REST API (payload 1.0), HTTP API or function URL (payload 2.0); "
        "default rest",
    )
    dev.add_argument(
        "--port",
        type=int,
        default=7999,
        metavar="N",
        help="port clients connect to (Pushpin's); default 7999",
    )
    dev.add_argument(
        "--runtime",
        choices=("inprocess", "ric"),
        default="inprocess",
        help="inprocess (fast, the default) or ric: AWS's runtime client behind a local "
        "Lambda Runtime API",
    )
    dev.add_argument(
        "--binary-media-types",
        default=",".join(DEFAULT_BINARY_MEDIA_TYPES),
        metavar="TYPES",
        help="REST API only: comma-separated BinaryMediaTypes (default "
        f"{','.join(DEFAULT_BINARY_MEDIA_TYPES)})",
    )
    return parser


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            return exc.errno != errno.EADDRINUSE
    return True


def dev(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        print(f"faas-grip dev: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    if not _port_free(args.port):
        print(
            f"faas-grip dev: port {args.port} is in use; choose another with --port N",
            file=sys.stderr,
        )
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, on_signal)
    types = [t for t in args.binary_media_types.split(",") if t.strip()]
    try:
        server = DevServer(
            args.handler,
            code_dir=args.code_dir,
            api=args.api,
            runtime=args.runtime,
            port=args.port,
            binary_media_types=types,
        )
        with server as running:
            assert running.gateway is not None
            title = make_door(args.api).title
            print(
                f"faas-grip dev: {args.handler} from {running.gateway.code_dir}\n"
                f"  {title}, {RUNTIME_TITLES[args.runtime]}\n"
                f"  clients    {running.http_url}/  {running.ws_url}/  (Pushpin; open "
                "the http one in a browser if the function serves a page)\n"
                f"  gateway    {running.gateway_url}  (direct: no Pushpin, no Grip-Sig)\n"
                f"  publish    {running.pushpin.control_uri}  (the function's GRIP_URL)\n"
                f"  logs       {running.pushpin.log_dir}  (Pushpin's, removed on exit)\n"
                "Code changes reload the handler. Ctrl-C stops everything.",
                flush=True,
            )
            while not stop.wait(0.5):
                if not running.gateway.running or not running.pushpin.running:
                    print("faas-grip dev: a child process exited; stopping", file=sys.stderr)
                    return 1
    except (PushpinError, GatewayError, ValueError) as exc:
        print(f"faas-grip dev: {exc}", file=sys.stderr)
        return 1
    print("faas-grip dev: stopped", flush=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "dev":
        return dev(args)
    return 2  # pragma: no cover - argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
