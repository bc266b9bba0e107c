"""`faas-grip dev HANDLER`: run a Lambda handler behind Pushpin and a local API Gateway."""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from faas_grip.dev.doors import DEFAULT_BINARY_MEDIA_TYPES, make_door
from faas_grip.dev.history import KINDS
from faas_grip.dev.ministack import MiniStackError
from faas_grip.dev.platforms import PLATFORMS, AppServer, AppServerError
from faas_grip.dev.pushpin import PushpinError
from faas_grip.dev.server import DevServer, GatewayError
from faas_grip.dev.template import LAMBDA_DEFAULT_TIMEOUT, function_timeout

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
        "--platform",
        choices=("lambda", *PLATFORMS),
        default="lambda",
        help="lambda (the default), asgi (HANDLER names the ASGI app, e.g. app.app; uvicorn "
        "serves it) or gcf (HANDLER names the function, e.g. main.chat; functions-framework "
        "serves it)",
    )
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
    dev.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="the function timeout (default: the function's Timeout in template.yaml, else "
        f"Lambda's default, {LAMBDA_DEFAULT_TIMEOUT:g})",
    )
    dev.add_argument(
        "--integration-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="how long API Gateway waits for the function (default: REST 29, HTTP API 30; "
        "a function URL waits for the function timeout)",
    )
    dev.add_argument(
        "--history",
        choices=KINDS,
        default=None,
        help="give the function a channel history store (GRIP_HISTORY_TABLE): memory (in its "
        "process) or dynamodb (a table on MiniStack, from `make ministack`); default none",
    )
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 900:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 900 (Lambda's maximum)")
    return value


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
    if args.platform != "lambda":
        return serve_app(args, stop)
    types = [t for t in args.binary_media_types.split(",") if t.strip()]
    timeout, timeout_source = args.timeout, "--timeout"
    if timeout is None:
        timeout, timeout_source = function_timeout(args.handler, Path(args.code_dir))
    try:
        server = DevServer(
            args.handler,
            code_dir=args.code_dir,
            api=args.api,
            runtime=args.runtime,
            port=args.port,
            binary_media_types=types,
            history=args.history,
            timeout=timeout,
            integration_timeout=args.integration_timeout,
        )
        with server as running:
            assert running.gateway is not None
            title = make_door(args.api).title
            print(
                f"faas-grip dev: {args.handler} from {running.gateway.code_dir}\n"
                f"  {title}, {RUNTIME_TITLES[args.runtime]}, "
                f"timeout {timeout:g} s ({timeout_source})\n"
                f"  clients    {running.http_url}/  {running.ws_url}/  (Pushpin; open "
                "the http one in a browser if the function serves a page)\n"
                f"  gateway    {running.gateway_url}  (direct: no Pushpin, no Grip-Sig)\n"
                f"  publish    {running.pushpin.control_uri}  (the function's GRIP_URL)\n"
                f"  logs       {running.pushpin.log_dir}  (Pushpin's, removed on exit)\n"
                + (
                    f"  history    {running.history.description}\n"
                    if running.history is not None
                    else ""
                )
                + "Code changes reload the handler. Ctrl-C stops everything.",
                flush=True,
            )
            while not stop.wait(0.5):
                if not running.gateway.running or not running.pushpin.running:
                    print("faas-grip dev: a child process exited; stopping", file=sys.stderr)
                    return 1
    except (PushpinError, GatewayError, MiniStackError, ValueError) as exc:
        print(f"faas-grip dev: {exc}", file=sys.stderr)
        return 1
    print("faas-grip dev: stopped", flush=True)
    return 0


def serve_app(args: argparse.Namespace, stop: threading.Event) -> int:
    """`--platform asgi|gcf`: the app under its platform's own server, behind Pushpin."""
    try:
        with AppServer(
            args.handler, platform=args.platform, code_dir=args.code_dir, port=args.port
        ) as running:
            print(
                f"faas-grip dev: {args.handler} from {running.code_dir}\n"
                f"  {PLATFORMS[args.platform]}\n"
                f"  clients    {running.http_url}/  {running.ws_url}/  (Pushpin)\n"
                f"  app        {running.app_url}  (direct: no Pushpin, no Grip-Sig)\n"
                f"  publish    {running.pushpin.control_uri}  (the app's GRIP_URL)\n"
                "Code changes reload the app. Ctrl-C stops everything.",
                flush=True,
            )
            while not stop.wait(0.5):
                if running.restart_if_changed():
                    print("faas-grip dev: code changed; app restarted", flush=True)
                elif not running.running or not running.pushpin.running:
                    print("faas-grip dev: a child process exited; stopping", file=sys.stderr)
                    return 1
    except (PushpinError, AppServerError, ValueError) as exc:
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
