"""Every platform's decorators take the Lambda decorators' options, and do what they do."""

from __future__ import annotations

import inspect
import json
from typing import Any

import flask
import pytest

import faas_grip
from faas_grip.adapters import arun_websocket
from faas_grip.asgi import grip_longpoll as asgi_longpoll
from faas_grip.dispatch import HoldOptions, no_hold, run_websocket
from faas_grip.flask import grip_longpoll as flask_longpoll
from faas_grip.flask import grip_websocket as flask_websocket
from faas_grip.history import MemoryHistory
from tests.platforms.test_asgi import call as asgi_call

# The options HoldSpec routes itself; every other one goes to HoldOptions.
ROUTED = {"history", "replay_limit", "verify_key", "verify_iss"}


def keyword_options(func: Any) -> set[str]:
    return {p.name for p in inspect.signature(func).parameters.values() if p.kind is p.KEYWORD_ONLY}


def options_after_first(func: Any) -> set[str]:
    """Every parameter but the first (channels, or HoldOptions' mode)."""
    return set(list(inspect.signature(func).parameters)[1:])


@pytest.mark.parametrize("name", ["grip_stream", "grip_longpoll"])
def test_every_lambda_hold_option_has_a_place_in_the_adapters(name: str) -> None:
    lambda_options = options_after_first(getattr(faas_grip, name))
    assert lambda_options - ROUTED <= options_after_first(HoldOptions)


def test_async_websocket_pipeline_takes_the_options_of_the_sync_one() -> None:
    assert keyword_options(arun_websocket) == keyword_options(run_websocket)


def test_lambda_websocket_options_are_the_pipelines() -> None:
    assert keyword_options(faas_grip.grip_websocket) <= keyword_options(run_websocket)


def test_misspelt_websocket_option_is_refused_when_decorating() -> None:
    with pytest.raises(TypeError, match="verify_kye"):
        flask_websocket(verify_kye="secret")


def test_longpoll_with_history_replays_what_the_client_missed_under_asgi() -> None:
    history = MemoryHistory()
    for text in ("one", "two", "three"):
        history.append("news", text)

    @asgi_longpoll("news", history=history)
    async def poll(scope: Any) -> None:
        return None

    reply = asgi_call(poll, query=b"after=1")
    assert reply.hold is None
    assert [event["data"] for event in json.loads(reply.body)] == ["two", "three"]


def test_no_hold_answers_at_once_under_flask() -> None:
    app = flask.Flask(__name__)

    @app.get("/job")
    @flask_longpoll("jobs")
    def job(request: flask.Request) -> Any:
        return no_hold(("done\n", 200))

    response = app.test_client().get("/job")
    assert (response.status_code, response.data) == (200, b"done\n")
    assert "Grip-Hold" not in response.headers
