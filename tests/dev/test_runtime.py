"""How the function runs behind the gateway: context, environment, errors, timeouts, reload,
and AWS's runtime client (`runtime="ric"`)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from faas_grip.dev.server import Gateway
from tests.dev.conftest import HANDLERS, send


def get_json(gateway: Gateway, target: str) -> Any:
    reply = send(gateway.url, "GET", target)
    assert reply.status == 200, reply.body
    return json.loads(reply.body)


def copy_handler(tmp_path: Path) -> Path:
    shutil.copy(HANDLERS / "echo.py", tmp_path / "echo.py")
    return tmp_path


def set_version(code_dir: Path, version: int) -> None:
    path = code_dir / "echo.py"
    path.write_text(path.read_text().replace("\nVERSION = ", f"\nVERSION = {version}  # "))


def wait_for_version(gateway: Gateway, version: int) -> int:
    deadline = time.monotonic() + 15
    seen = get_json(gateway, "/version")["version"]
    while seen != version and time.monotonic() < deadline:
        time.sleep(0.2)
        seen = get_json(gateway, "/version")["version"]
    return int(seen)


@pytest.fixture(params=["inprocess", "ric"])
def runtime(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_context_has_request_id_and_remaining_time(
    gateway_factory: Callable[..., Gateway], runtime: str
) -> None:
    context = get_json(gateway_factory(runtime=runtime), "/context")
    assert context["aws_request_id"]
    assert 0 < context["remaining_ms"] <= 30_000
    assert context["invoked_function_arn"].startswith("arn:aws:lambda:")


def test_function_runs_with_lambda_variables_and_the_given_env(
    gateway_factory: Callable[..., Gateway], runtime: str
) -> None:
    gateway = gateway_factory(runtime=runtime, env={"GRIP_URL": "http://127.0.0.1:1/x"})
    context = get_json(gateway, "/context")
    environ = context["environ"]
    assert environ["_HANDLER"] == "echo.handler"
    assert environ["LAMBDA_TASK_ROOT"] == str(HANDLERS)
    assert environ["GRIP_URL"] == "http://127.0.0.1:1/x"
    assert context["cwd"] == str(HANDLERS)


def test_ric_runtime_runs_inside_awslambdaric(gateway_factory: Callable[..., Gateway]) -> None:
    assert get_json(gateway_factory(runtime="ric"), "/context")["runtime_client"] is True


def test_inherited_grip_settings_do_not_reach_the_function(
    gateway_factory: Callable[..., Gateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRIP_PROXIES", '["https://production.example/realm"]')
    environ = get_json(gateway_factory(), "/context")["environ"]
    assert "GRIP_PROXIES" not in environ


def test_function_stays_warm_across_invocations(
    gateway_factory: Callable[..., Gateway], runtime: str
) -> None:
    gateway = gateway_factory(runtime=runtime)
    first, second = get_json(gateway, "/count"), get_json(gateway, "/count")
    assert second["count"] == first["count"] + 1
    assert second["pid"] == first["pid"]


def test_function_that_exits_is_a_502_and_the_next_invocation_works(
    gateway_factory: Callable[..., Gateway], runtime: str
) -> None:
    gateway = gateway_factory(runtime=runtime)
    assert send(gateway.url, "GET", "/exit").status == 502
    assert send(gateway.url, "GET", "/version").status == 200


def test_code_change_reloads_the_handler(
    gateway_factory: Callable[..., Gateway], runtime: str, tmp_path: Path
) -> None:
    code_dir = copy_handler(tmp_path)
    gateway = gateway_factory(code_dir=code_dir, runtime=runtime)
    assert get_json(gateway, "/version")["version"] == 1
    set_version(code_dir, 2)
    assert wait_for_version(gateway, 2) == 2


def test_broken_code_answers_502_until_it_is_fixed(
    gateway_factory: Callable[..., Gateway], runtime: str, tmp_path: Path
) -> None:
    code_dir = copy_handler(tmp_path)
    source = (code_dir / "echo.py").read_text()
    gateway = gateway_factory(code_dir=code_dir, runtime=runtime)
    (code_dir / "echo.py").write_text(source + "\nthis is not python\n")
    deadline = time.monotonic() + 15
    while send(gateway.url, "GET", "/version").status == 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert send(gateway.url, "GET", "/version").status == 502
    (code_dir / "echo.py").write_text(source.replace("\nVERSION = 1", "\nVERSION = 3"))
    assert wait_for_version(gateway, 3) == 3


def test_gateway_answers_pushpins_readiness_probe_itself(
    gateway_factory: Callable[..., Gateway],
) -> None:
    gateway = gateway_factory("echo.no_such_function", check_handler=False)
    assert send(gateway.url, "GET", "/__faas_grip_ready__").status == 200
