"""faas-grip's built layer on a local AWS: MiniStack's Lambda and API Gateway, behind Pushpin.

`make aws-local` runs this file: it starts MiniStack (PyPI `ministack`, in its own virtualenv
`.tools/ministack`), publishes the built layer, creates each example as a Lambda function with
that layer attached, puts three front doors before each (a REST API with binary media types, an
HTTP API with payload 2.0, a function URL), stores Pushpin's GRIP_URL in a Secrets Manager secret
the functions read through GRIP_URL_SECRET, starts Pushpin with a route to every door, prints the
URLs and runs until Ctrl-C. tests/ministack drives the same `LocalAws` with real clients.

Everything runs on free loopback ports, in one temporary folder, and stops on exit.
"""

from __future__ import annotations

import io
import secrets
import signal
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from faas_grip.dev.ministack import INSTALL_HINT, REGION, MiniStack, MiniStackError
from faas_grip.dev.pushpin import Pushpin

ROOT = Path(__file__).resolve().parents[1]
MINISTACK_BIN = ROOT / ".tools" / "ministack" / "bin" / "ministack"
# What AWS's python3.11 runtime (boto3) and the public Powertools layer provide, which MiniStack
# does not: pip-installed here by `make ministack` from requirements/lambda-runtime.txt.
RUNTIME_STANDIN_DIR = ROOT / ".tools" / "lambda-runtime"
LAYER_ZIP = ROOT / "build" / "faas-grip-layer.zip"
EXAMPLES_DIR = ROOT / "examples"

EXAMPLES = ("chat", "stream", "longpoll")
# A GET on which each example checks Grip-Sig, so reads its GRIP settings (and the secret): sent
# straight to a door, it is answered at once with the hold instruction.
WARM_PATHS = {"chat": "/poll", "stream": "/", "longpoll": "/"}
# An ALB (target type lambda, multi-value headers off) is the fourth door: MiniStack 1.5.33
# addresses it by path, `/_alb/{name}/...` (tests/ministack/test_examples.py: how it differs).
DOORS = ("rest", "http", "url", "alb")
# MiniStack runs a function of any python3.x runtime on its own interpreter, which `make ministack`
# makes from the same python3 as .venv: name that version.
RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
ACCOUNT = "000000000000"
REST_STAGE = "prod"
SECRET_NAME = "faas-grip/aws-local/grip-url"
SIG_ISS = "faas-grip-aws-local"
WEBSOCKET_EVENTS = "application/websocket-events"


class LocalAwsError(MiniStackError):
    """MiniStack is missing, did not start, or refused a deployment step."""


def zip_tree(folder: Path) -> bytes:
    """The files under `folder` as a zip archive, with paths relative to it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


@dataclass(frozen=True)
class Deployment:
    """One function and the ids of its three front doors in MiniStack."""

    function_name: str
    function_arn: str
    rest_api_id: str
    http_api_id: str
    url_id: str
    alb_name: str = ""

    def backend(self, door: str) -> tuple[str, str | None]:
        """Where a door answers on MiniStack: (path prefix, Host header or None)."""
        if door == "rest":
            return f"/_aws/execute-api/{self.rest_api_id}/{REST_STAGE}", None
        if door == "http":
            return "", f"{self.http_api_id}.execute-api.localhost"
        if door == "url":
            return "", f"{self.url_id}.lambda-url.{REGION}.localhost"
        if door == "alb":
            return f"/_alb/{self.alb_name}", None
        raise ValueError(f"unknown door {door!r}: expected one of {', '.join(DOORS)}")


class LocalAws:
    """MiniStack with the layer, the example functions and their doors, and Pushpin before them.

    `with LocalAws() as aws:` brings it all up; `aws.url("chat", "rest", "/stream")` and
    `aws.ws_url("chat", "http", "/")` address a door through Pushpin.
    """

    def __init__(self, *, pushpin_port: int | None = None) -> None:
        self.ministack = MiniStack()
        self._pushpin_port = pushpin_port
        self._pushpin: Pushpin | None = None
        self.deployments: dict[str, Deployment] = {}
        self.layer_arns: list[str] = []

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> LocalAws:
        if not LAYER_ZIP.exists():
            raise LocalAwsError(f"no built layer at {LAYER_ZIP}: run `make layer` first")
        # Pushpin picks its ports now: the secret holds its publish URL before it starts, and it
        # starts last, once the doors it routes to exist.
        self._pushpin = pushpin = Pushpin(
            routes=(), port=self._pushpin_port, sig_iss=SIG_ISS, sig_key=secrets.token_hex(32)
        )
        try:
            self.ministack.start()
            self.create_secret(SECRET_NAME, pushpin.grip_url)
            self.layer_arns = [
                self.publish_layer("faas-grip", LAYER_ZIP.read_bytes()),
                self.publish_layer("aws-runtime-standin", runtime_standin_zip()),
            ]
            for example in EXAMPLES:
                self.deployments[example] = self.deploy(
                    f"faas-grip-{example}",
                    zip_tree(EXAMPLES_DIR / example),
                    layers=self.layer_arns,
                    environment={"GRIP_URL_SECRET": SECRET_NAME},
                )
            self.warm()
            pushpin.routes = list(self.routes())
            pushpin.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._pushpin is not None:
            self._pushpin.stop()
        self.ministack.stop()

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pushpin(self) -> Pushpin:
        if self._pushpin is None:
            raise LocalAwsError("LocalAws is not started: call start() or use `with`")
        return self._pushpin

    # -- AWS resources ---------------------------------------------------------------------------

    def create_secret(self, name: str, value: str) -> str:
        answer = self.ministack.client("secretsmanager").create_secret(
            Name=name, SecretString=value
        )
        return str(answer["ARN"])

    def publish_layer(self, name: str, content: bytes) -> str:
        answer = self.ministack.client("lambda").publish_layer_version(
            LayerName=name, Content={"ZipFile": content}, CompatibleRuntimes=[RUNTIME]
        )
        return str(answer["LayerVersionArn"])

    def create_function(
        self,
        name: str,
        code: bytes,
        *,
        layers: Iterable[str] = (),
        environment: dict[str, str] | None = None,
    ) -> str:
        """Create a Python function (handler `app.handler`, as every example has) and wait until
        it is Active; returns its ARN."""
        lam = self.ministack.client("lambda")
        answer = lam.create_function(
            FunctionName=name,
            Runtime=RUNTIME,
            Role=f"arn:aws:iam::{ACCOUNT}:role/faas-grip-aws-local",
            Handler="app.handler",
            Code={"ZipFile": code},
            Layers=list(layers),
            Timeout=10,  # as template.yaml
            MemorySize=256,
            Environment={"Variables": environment or {}},
        )
        deadline = time.monotonic() + 30
        while lam.get_function_configuration(FunctionName=name)["State"] != "Active":
            if time.monotonic() > deadline:
                raise LocalAwsError(f"function {name} did not become Active in 30s")
            time.sleep(0.1)
        return str(answer["FunctionArn"])

    def deploy(
        self,
        name: str,
        code: bytes,
        *,
        layers: Iterable[str] = (),
        environment: dict[str, str] | None = None,
    ) -> Deployment:
        """A function with a REST API, an HTTP API, a function URL and an ALB in front of it."""
        arn = self.create_function(name, code, layers=layers, environment=environment)
        return Deployment(
            function_name=name,
            function_arn=arn,
            rest_api_id=self._rest_api(name, arn),
            http_api_id=self._http_api(name, arn),
            url_id=self._function_url(name),
            alb_name=self._alb(name, arn),
        )

    def warm(self) -> None:
        """One signed request per function, straight to its REST door, before any client's.

        The first request a function serves imports the example, reads the secret through
        Powertools (importing boto3) and loads PyJWT: about a second here. Paid by a client's
        first long-poll, it would eat into Pushpin's settling time (a publish landing while
        Pushpin re-requests a fresh long-poll is lost to it).
        """
        import jwt

        pushpin = self.pushpin
        signature = jwt.encode({"iss": SIG_ISS, "exp": int(time.time()) + 60}, pushpin.sig_key)
        for example in self.deployments:
            url, host = self.direct(example, "rest", WARM_PATHS[example])
            request = urllib.request.Request(url, headers={**host, "Grip-Sig": signature})
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()

    def _rest_api(self, name: str, function_arn: str) -> str:
        """REST API (payload 1.0): `/` and `/{proxy+}`, ANY method, Lambda proxy integration.

        binaryMediaTypes makes API Gateway hand WebSocket-over-HTTP bodies to the function as
        base64 (they may hold binary frames) and decode its base64 replies back to bytes.
        """
        apigw = self.ministack.client("apigateway")
        api_id = apigw.create_rest_api(name=name, binaryMediaTypes=[WEBSOCKET_EVENTS])["id"]
        root = next(r for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
        proxy = apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart="{proxy+}")
        uri = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        for resource_id in (root["id"], proxy["id"]):
            apigw.put_method(
                restApiId=api_id, resourceId=resource_id, httpMethod="ANY", authorizationType="NONE"
            )
            apigw.put_integration(
                restApiId=api_id,
                resourceId=resource_id,
                httpMethod="ANY",
                type="AWS_PROXY",
                integrationHttpMethod="POST",
                uri=uri,
            )
        apigw.create_deployment(restApiId=api_id, stageName=REST_STAGE)
        self._allow_invoke(name, "apigateway.amazonaws.com", f"rest-{api_id}")
        return str(api_id)

    def _http_api(self, name: str, function_arn: str) -> str:
        """HTTP API: a `$default` route to a payload 2.0 Lambda integration, `$default` stage."""
        v2 = self.ministack.client("apigatewayv2")
        api_id = v2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
        integration = v2.create_integration(
            ApiId=api_id,
            IntegrationType="AWS_PROXY",
            IntegrationUri=function_arn,
            PayloadFormatVersion="2.0",
        )
        v2.create_route(
            ApiId=api_id, RouteKey="$default", Target=f"integrations/{integration['IntegrationId']}"
        )
        v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
        self._allow_invoke(name, "apigateway.amazonaws.com", f"http-{api_id}")
        return str(api_id)

    def _function_url(self, name: str) -> str:
        lam = self.ministack.client("lambda")
        url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
        lam.add_permission(
            FunctionName=name,
            StatementId="function-url",
            Action="lambda:InvokeFunctionUrl",
            Principal="*",
            FunctionUrlAuthType="NONE",
        )
        return str(urlsplit(url).hostname).split(".", 1)[0]

    def _alb(self, name: str, function_arn: str) -> str:
        """An Application Load Balancer whose HTTP listener forwards to a Lambda target group."""
        elb = self.ministack.client("elbv2")
        balancer = elb.create_load_balancer(Name=name, Type="application")["LoadBalancers"][0]
        group = elb.create_target_group(Name=name, TargetType="lambda")["TargetGroups"][0]
        self._allow_invoke(name, "elasticloadbalancing.amazonaws.com", f"alb-{name}")
        elb.register_targets(TargetGroupArn=group["TargetGroupArn"], Targets=[{"Id": function_arn}])
        elb.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
        )
        return str(balancer["LoadBalancerName"])

    def _allow_invoke(self, name: str, principal: str, statement_id: str) -> None:
        # What a real account needs; MiniStack (without AUTH) does not check it.
        self.ministack.client("lambda").add_permission(
            FunctionName=name,
            StatementId=statement_id,
            Action="lambda:InvokeFunction",
            Principal=principal,
        )

    # -- Pushpin and addresses -------------------------------------------------------------------

    def routes(self) -> Iterable[str]:
        """One Pushpin route per example and door: `/{example}/{door}/...` → that door's `/...`.

        The REST API is addressed by path (`/_aws/execute-api/{id}/{stage}`), the HTTP API and
        the function URL by Host header, as AWS addresses them.
        """
        for example, deployment in self.deployments.items():
            for door in DOORS:
                prefix, host = deployment.backend(door)
                target = f"127.0.0.1:{self.ministack.port},over_http"
                if host is not None:
                    target += f",host={host}"
                yield f"*,path_beg=/{example}/{door}/,replace_beg={prefix}/ {target}"

    def url(self, example: str, door: str, path: str = "/") -> str:
        """An HTTP URL on Pushpin that reaches `path` of `example` through `door`."""
        return f"{self.pushpin.http_url}/{example}/{door}{path}"

    def ws_url(self, example: str, door: str, path: str = "/") -> str:
        """A WebSocket URL on Pushpin that reaches `path` of `example` through `door`."""
        return f"{self.pushpin.ws_url}/{example}/{door}{path}"

    def direct(self, example: str, door: str, path: str = "/") -> tuple[str, dict[str, str]]:
        """URL and headers that reach a door on MiniStack without Pushpin (no Grip-Sig)."""
        prefix, host = self.deployments[example].backend(door)
        return f"{self.ministack.endpoint}{prefix}{path}", ({"Host": host} if host else {})


def runtime_standin_zip() -> bytes:
    """boto3 and Powertools as a layer: AWS's runtime and public layer have them, MiniStack not."""
    if not (RUNTIME_STANDIN_DIR / "python").is_dir():
        raise LocalAwsError(f"no {RUNTIME_STANDIN_DIR}/python: {INSTALL_HINT}")
    return zip_tree(RUNTIME_STANDIN_DIR)


# What to do with each example's URLs (see the example's own docstring).
_USAGE = {
    "chat": "open in a browser (WebSocket at <url>chat; GET <url>stream, <url>poll)",
    "stream": "curl -N '<url>?channel=news' listens; curl -d TEXT '<url>?channel=news' publishes",
    "longpoll": "curl '<url>?channel=news' waits; curl -d TEXT '<url>?channel=news' answers",
}


def _describe(aws: LocalAws) -> str:
    lines = [f"MiniStack {aws.ministack.endpoint}, Pushpin publishes at {aws.pushpin.control_uri}"]
    for example in aws.deployments:
        lines.append(f"\n{example}: {_USAGE.get(example, '')}")
        lines.extend(f"  {door:<5} {aws.url(example, door)}" for door in DOORS)
    return "\n".join(lines)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--port", type=int, help="Pushpin's client port (default: a free one)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # SIGTERM stops it as cleanly as Ctrl-C does
    print(
        "starting MiniStack, deploying the layer and the examples, starting Pushpin...", flush=True
    )
    try:
        with LocalAws(pushpin_port=args.port) as aws:
            print(_describe(aws), flush=True)
            # The same chat handler as an API Gateway WebSocket API, no proxy on its path.
            from tools.aws_local_websocket import deploy_websocket_api

            websocket_api = deploy_websocket_api(aws)
            print(f"\nchat as an API Gateway WebSocket API: {websocket_api.url}", flush=True)
            print("\nready: Ctrl-C stops everything", flush=True)
            while aws.pushpin.running:
                time.sleep(0.5)
            print("Pushpin stopped unexpectedly:\n" + aws.pushpin.tail_log(), file=sys.stderr)
            return 1
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
        return 0
    except MiniStackError as error:  # LocalAwsError included
        print(f"aws-local: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
