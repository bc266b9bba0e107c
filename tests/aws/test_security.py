"""Grip-Sig checks and bad input: 403/400 with a plain-text reason, and the handler not called."""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import pytest

from faas_grip import grip_longpoll, grip_stream, grip_websocket
from faas_grip.testing import grip_sig, http_event, read_response, websocket_event

from .conftest import Recorder, b64

KEY = "a-long-enough-secret-for-hs256-keys"
OTHER_KEY = "another-secret-that-is-long-enough"


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    """GRIP_URL names the key Pushpin signs with."""
    monkeypatch.setenv("GRIP_URL", f"http://127.0.0.1:5561?iss=pushpin&key={KEY}")


def refused(response: dict[str, Any], status: int) -> str:
    """The plain-text reason of a refusal, after checking its shape."""
    reply = read_response(response)
    assert reply.status == status
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response["isBase64Encoded"] is False  # text survives every front door as is
    return reply.text


# -- Grip-Sig --------------------------------------------------------------------------------


@pytest.mark.usefixtures("keyed")
def test_missing_grip_sig_is_403_and_handler_not_called(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket_event(open=True), None)
    assert "Grip-Sig header is missing" in refused(response, 403)
    assert recorder.calls == []


@pytest.mark.usefixtures("keyed")
def test_grip_sig_signed_with_another_key_is_403(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(websocket_event(open=True, sign_key=OTHER_KEY), None)
    assert "not valid" in refused(response, 403)
    assert recorder.calls == []


@pytest.mark.usefixtures("keyed")
def test_expired_grip_sig_is_403(recorder: Recorder) -> None:
    token = grip_sig(KEY, expires_in=-60)
    response = grip_websocket(recorder)(
        websocket_event(open=True, headers={"Grip-Sig": token}), None
    )
    refused(response, 403)
    assert recorder.calls == []


@pytest.mark.usefixtures("keyed")
def test_malformed_grip_sig_is_403(recorder: Recorder) -> None:
    event = websocket_event(open=True, headers={"Grip-Sig": "not.a.jwt"})
    refused(grip_websocket(recorder)(event, None), 403)
    assert recorder.calls == []


@pytest.mark.usefixtures("keyed")
def test_valid_grip_sig_is_accepted(recorder: Recorder) -> None:
    reply = read_response(grip_websocket(recorder)(websocket_event(open=True, sign_key=KEY), None))
    assert reply.accepted and len(recorder.calls) == 1


def test_verify_key_from_grip_url_verify_key(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    monkeypatch.setenv(
        "GRIP_URL", f"http://127.0.0.1:5561?key=a-publishing-key-not-for-verifying&verify-key={KEY}"
    )
    handler = grip_websocket(recorder)
    assert handler(websocket_event(open=True, sign_key=KEY), None)["statusCode"] == 200
    assert (
        handler(websocket_event(open=True, sign_key="a-publishing-key-not-for-verifying"), None)[
            "statusCode"
        ]
        == 403
    )


def test_verify_key_from_grip_verify_key(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    monkeypatch.setenv("GRIP_VERIFY_KEY", KEY)
    handler = grip_websocket(recorder)
    assert handler(websocket_event(open=True, sign_key=KEY), None)["statusCode"] == 200
    assert handler(websocket_event(open=True), None)["statusCode"] == 403


def test_verify_iss_in_grip_url_is_checked(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    monkeypatch.setenv("GRIP_URL", f"http://127.0.0.1:5561?verify-key={KEY}&verify-iss=fanout")
    handler = grip_websocket(recorder)
    assert (
        handler(websocket_event(open=True, sign_key=KEY, sign_iss="fanout"), None)["statusCode"]
        == 200
    )
    assert (
        handler(websocket_event(open=True, sign_key=KEY, sign_iss="pushpin"), None)["statusCode"]
        == 403
    )


def test_decorator_key_overrides_the_settings(keyed: None, recorder: Recorder) -> None:
    handler = grip_websocket(verify_key=OTHER_KEY)(recorder)
    assert handler(websocket_event(open=True, sign_key=OTHER_KEY), None)["statusCode"] == 200
    assert handler(websocket_event(open=True, sign_key=KEY), None)["statusCode"] == 403


def test_decorator_issuer_is_checked(recorder: Recorder) -> None:
    handler = grip_websocket(verify_key=KEY, verify_iss="fanout")(recorder)
    assert (
        handler(websocket_event(open=True, sign_key=KEY, sign_iss="pushpin"), None)["statusCode"]
        == 403
    )


@pytest.mark.usefixtures("keyed")
def test_two_grip_sigs_in_multi_value_headers_are_403(recorder: Recorder) -> None:
    token = grip_sig(KEY)
    event = websocket_event(open=True, headers=[("Grip-Sig", token), ("Grip-Sig", token)])
    assert "appears 2 times" in refused(grip_websocket(recorder)(event, None), 403)
    assert recorder.calls == []


@pytest.mark.usefixtures("keyed")
def test_two_grip_sigs_comma_joined_by_payload_2_0_are_403(recorder: Recorder) -> None:
    token = grip_sig(KEY)
    event = websocket_event(
        open=True, door="http", headers=[("Grip-Sig", token), ("Grip-Sig", token)]
    )
    assert event["headers"]["grip-sig"] == f"{token},{token}"
    refused(grip_websocket(recorder)(event, None), 403)
    assert recorder.calls == []


@pytest.mark.usefixtures("keyed")
def test_two_grip_sigs_on_an_alb_with_multi_value_headers_are_403(recorder: Recorder) -> None:
    token = grip_sig(KEY)
    event = websocket_event(
        open=True, door="alb-multi", headers=[("Grip-Sig", token), ("grip-sig", token)]
    )
    refused(grip_websocket(recorder)(event, None), 403)
    assert recorder.calls == []


def test_a_validated_token_is_refused_once_it_expires(keyed: None, recorder: Recorder) -> None:
    # Validated tokens are remembered until their exp: that memory must end with the token.
    token = grip_sig(KEY, expires_in=1)
    event = websocket_event(open=True, headers={"Grip-Sig": token})
    handler = grip_websocket(recorder)
    assert handler(event, None)["statusCode"] == 200
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, exp - time.time()) + 0.05)
    assert handler(event, None)["statusCode"] == 403


def test_a_token_validated_for_one_key_is_not_accepted_for_another(recorder: Recorder) -> None:
    event = websocket_event(open=True, sign_key=KEY)
    assert grip_websocket(verify_key=KEY)(recorder)(event, None)["statusCode"] == 200
    assert grip_websocket(verify_key=OTHER_KEY)(recorder)(event, None)["statusCode"] == 403


def test_a_token_validated_without_issuer_is_still_checked_for_one(recorder: Recorder) -> None:
    event = websocket_event(open=True, sign_key=KEY, sign_iss="pushpin")
    assert grip_websocket(verify_key=KEY)(recorder)(event, None)["statusCode"] == 200
    handler = grip_websocket(verify_key=KEY, verify_iss="fanout")(recorder)
    assert handler(event, None)["statusCode"] == 403


@pytest.mark.usefixtures("keyed")
def test_stream_without_grip_sig_is_403_and_handler_not_called() -> None:
    called = []
    handler = grip_stream("news")(lambda event, context: called.append(1))
    refused(handler(http_event("rest", "GET", "/"), None), 403)
    assert called == []


@pytest.mark.usefixtures("keyed")
def test_longpoll_without_grip_sig_is_403_and_handler_not_called() -> None:
    called = []
    handler = grip_longpoll("news")(lambda event, context: called.append(1))
    refused(handler(http_event("http", "GET", "/"), None), 403)
    assert called == []


@pytest.mark.usefixtures("keyed")
def test_stream_with_valid_grip_sig_is_held() -> None:
    handler = grip_stream("news")(lambda event, context: "hi\n")
    assert (
        read_response(handler(http_event("url", "GET", "/", sign_key=KEY), None)).hold == "stream"
    )


def test_without_any_key_requests_are_accepted(recorder: Recorder) -> None:
    assert read_response(grip_websocket(recorder)(websocket_event(open=True), None)).accepted


def test_without_any_key_a_warning_is_logged_once(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    handler = grip_websocket(recorder)
    with caplog.at_level(logging.WARNING, logger="faas_grip"):
        handler(websocket_event(open=True), None)
        handler(websocket_event(text="again"), None)
    warnings = [r for r in caplog.records if "no Grip-Sig verify key" in r.getMessage()]
    assert len(warnings) == 1


def test_refusals_are_logged_at_info(
    keyed: None, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="faas_grip"):
        grip_websocket(recorder)(websocket_event(open=True), None)
    assert any(r.levelno == logging.INFO and "403" in r.getMessage() for r in caplog.records)


def test_the_token_is_never_logged(
    keyed: None, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    token = grip_sig(OTHER_KEY)
    with caplog.at_level(logging.DEBUG, logger="faas_grip"):
        grip_websocket(recorder)(websocket_event(open=True, headers={"Grip-Sig": token}), None)
    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)


def test_bad_grip_url_is_500_without_details(
    monkeypatch: pytest.MonkeyPatch, recorder: Recorder
) -> None:
    monkeypatch.setenv("GRIP_URL", "ftp://secret-host/?key=hunter2")
    response = grip_websocket(recorder)(websocket_event(open=True), None)
    assert "misconfigured" in refused(response, 500)
    assert "hunter2" not in response["body"] and "secret-host" not in response["body"]
    assert recorder.calls == []


# -- bad input -------------------------------------------------------------------------------


def raw_websocket(body: bytes, door: str = "rest", **kw: Any) -> dict[str, Any]:
    headers = {"Content-Type": "application/websocket-events", "Connection-Id": "c1", **kw}
    return http_event(door, "POST", "/", headers=headers, body=body)  # type: ignore[arg-type]


def test_get_request_is_400(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(http_event("rest", "GET", "/"), None)
    assert "method is GET, expected POST" in refused(response, 400)
    assert recorder.calls == []


def test_wrong_content_type_is_400(recorder: Recorder) -> None:
    event = http_event("http", "POST", "/", headers={"Content-Type": "application/json"}, body="{}")
    assert "Content-Type is 'application/json'" in refused(
        grip_websocket(recorder)(event, None), 400
    )
    assert recorder.calls == []


def test_content_type_with_parameters_is_accepted(recorder: Recorder) -> None:
    event = raw_websocket(
        b"OPEN\r\n", **{"Content-Type": "Application/WebSocket-Events; charset=x"}
    )
    event["isBase64Encoded"], event["body"] = True, b64(b"OPEN\r\n")
    assert read_response(grip_websocket(recorder)(event, None)).accepted


def test_malformed_events_body_is_400(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(raw_websocket(b"TEXT 9\r\nhel"), None)
    assert "not valid websocket-events" in refused(response, 400)
    assert recorder.calls == []


def test_invalid_base64_is_400(recorder: Recorder) -> None:
    event = raw_websocket(b"OPEN\r\n")
    event["body"] = "T1BFTg0K!!"
    assert "not valid base64" in refused(grip_websocket(recorder)(event, None), 400)
    assert recorder.calls == []


def test_text_that_is_not_utf8_is_400(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(raw_websocket(b"TEXT 2\r\n\xff\xfe\r\n"), None)
    assert "not valid UTF-8" in refused(response, 400)
    assert recorder.calls == []


def test_close_reason_that_is_not_utf8_is_400(recorder: Recorder) -> None:
    response = grip_websocket(recorder)(raw_websocket(b"CLOSE 4\r\n\x03\xe8\xff\xfe\r\n"), None)
    assert "CLOSE reason is not valid UTF-8" in refused(response, 400)
    assert recorder.calls == []


def test_missing_connection_id_is_400(recorder: Recorder) -> None:
    event = http_event(
        "alb",
        "POST",
        "/",
        headers={"Content-Type": "application/websocket-events"},
        body=b"OPEN\r\n",
    )
    assert "Connection-Id" in refused(grip_websocket(recorder)(event, None), 400)
    assert recorder.calls == []


def test_body_that_is_not_a_string_is_400(recorder: Recorder) -> None:
    event = raw_websocket(b"OPEN\r\n")
    event["body"] = 42
    refused(grip_websocket(recorder)(event, None), 400)
    assert recorder.calls == []


@pytest.mark.parametrize("door", ["rest", "http", "url", "alb", "alb-multi"])
def test_bad_input_is_answered_in_the_door_style(door: str, recorder: Recorder) -> None:
    response = grip_websocket(recorder)(http_event(door, "GET", "/"), None)  # type: ignore[arg-type]
    reply = read_response(response)
    assert (reply.status, reply.headers["Content-Type"]) == (400, "text/plain; charset=utf-8")
