"""GRIP_URL comes from a Secrets Manager secret in MiniStack, read inside the Lambda.

The functions' only GRIP setting is GRIP_URL_SECRET; the secret holds Pushpin's GRIP URL with
the key Pushpin signs Grip-Sig with. Requests sent straight to a door, past Pushpin, show the
function found that key: it refuses what is unsigned or signed with another key.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import jwt
import pytest

from tools.aws_local import DOORS, SIG_ISS, LocalAws

pytestmark = pytest.mark.pushpin


def _direct(aws: LocalAws, door: str, headers: dict[str, str]) -> tuple[int, bytes]:
    url, host = aws.direct("chat", door, "/chat")
    request = urllib.request.Request(
        url,
        data=b"OPEN\r\n",
        headers={
            **host,
            **headers,
            "Connection-Id": "forged",
            "Content-Type": "application/websocket-events",
            "Accept": "application/websocket-events",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize("door", DOORS)
def test_request_without_grip_sig_is_refused_inside_the_lambda(aws: LocalAws, door: str) -> None:
    status, _ = _direct(aws, door, {})

    assert status == 403


@pytest.mark.parametrize("door", DOORS)
def test_request_signed_with_another_key_is_refused(aws: LocalAws, door: str) -> None:
    forged = jwt.encode({"iss": SIG_ISS, "exp": int(time.time()) + 60}, "x" * 64)

    status, _ = _direct(aws, door, {"Grip-Sig": forged})

    assert status == 403


@pytest.mark.parametrize("door", DOORS)
def test_request_signed_with_the_secrets_key_is_accepted(aws: LocalAws, door: str) -> None:
    # The key lives only in the Secrets Manager secret the function reads (GRIP_URL_SECRET).
    signed = jwt.encode({"iss": SIG_ISS, "exp": int(time.time()) + 60}, aws.pushpin.sig_key)

    status, body = _direct(aws, door, {"Grip-Sig": signed})

    assert status == 200
    assert body.startswith(b"OPEN\r\n")
