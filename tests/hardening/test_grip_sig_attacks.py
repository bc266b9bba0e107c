"""Grip-Sig attacks: each forged, stale or misdirected token is refused with 403 before the
handler runs, through every decorator and every front door.

Two deployments are attacked: Pushpin-like (HS256 with a shared secret, GRIP_URL) and
Fastly-like (ES256, GRIP_VERIFY_KEY holding a P-256 public key). Each also has a positive
control, so a refusal can never come from a broken setup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from faas_grip import grip_longpoll, grip_stream, grip_websocket
from faas_grip.testing import DOORS, http_event, read_response, websocket_event

SECRET = "pushpin-sig-key-that-is-long-enough-for-hs256"
OTHER_SECRET = "another-proxys-key-also-long-enough-for-hs256"
ISS = "pushpin"
FASTLY_ISS = "fastly:SERVICEID"


def _ec_pair() -> tuple[ec.EllipticCurvePrivateKey, str]:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, pem.decode("ascii")


EC_PRIVATE, EC_PUBLIC_PEM = _ec_pair()
OTHER_EC_PRIVATE, _ = _ec_pair()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def claims(iss: str = ISS, **extra: Any) -> dict[str, Any]:
    return {"iss": iss, "exp": int(time.time()) + 3600, **extra}


def hs256(key: str, payload: dict[str, Any]) -> str:
    return jwt.encode(payload, key, algorithm="HS256")


def es256(private: ec.EllipticCurvePrivateKey, payload: dict[str, Any]) -> str:
    return jwt.encode(payload, private, algorithm="ES256")


def handmade(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A JWT built by hand, as an attacker would: HMAC-SHA256 with `key`, or unsigned."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    if key is None:
        return signing_input + "."
    signature = hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


# -- deployments and the handlers under attack ----------------------------------------------


@pytest.fixture
def pushpin_like(monkeypatch: pytest.MonkeyPatch) -> None:
    """HS256 with a shared secret and a required issuer, as GRIP_URL gives them."""
    monkeypatch.setenv("GRIP_URL", f"http://127.0.0.1:5561?iss={ISS}&key={SECRET}&verify-iss={ISS}")


@pytest.fixture
def fastly_like(monkeypatch: pytest.MonkeyPatch) -> None:
    """ES256 with a P-256 public key, as Fastly Fanout signs."""
    monkeypatch.setenv(
        "GRIP_URL", f"https://api.fastly.com/service/SERVICEID?key=token&verify-iss={FASTLY_ISS}"
    )
    monkeypatch.setenv("GRIP_VERIFY_KEY", EC_PUBLIC_PEM)


@dataclass
class Guarded:
    """A decorated handler of one kind that records whether it ran."""

    kind: str
    ran: list[object] = field(default_factory=list)

    def handler(self) -> Callable[[Any, Any], dict[str, Any]]:
        def record(subject: Any, context: Any) -> None:
            self.ran.append(subject)
            if self.kind == "websocket":
                subject.accept()

        if self.kind == "websocket":
            return grip_websocket(record)
        if self.kind == "stream":
            return grip_stream("news")(record)
        return grip_longpoll("news")(record)

    def call(self, door: str, headers: list[tuple[str, str]]) -> dict[str, Any]:
        if self.kind == "websocket":
            event = websocket_event(open=True, door=door, headers=headers)  # type: ignore[arg-type]
        else:
            event = http_event(door, "GET", "/events", headers=headers)  # type: ignore[arg-type]
        return self.handler()(event, None)


@pytest.fixture(params=["websocket", "stream", "longpoll"])
def guarded(request: pytest.FixtureRequest) -> Guarded:
    return Guarded(request.param)


@pytest.fixture(params=DOORS)
def door(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def assert_refused(guarded: Guarded, door: str, *tokens: str | None) -> str:
    """Send the tokens as Grip-Sig headers (None: no header at all); assert 403, not run."""
    headers = [("Grip-Sig", token) for token in tokens if token is not None]
    response = guarded.call(door, headers)
    reply = read_response(response)
    assert reply.status == 403, (reply.status, reply.body)
    assert reply.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Grip-Sig" in reply.text
    assert guarded.ran == [], "the handler ran for a refused request"
    return reply.text


def assert_accepted(guarded: Guarded, door: str, token: str) -> None:
    status = guarded.call(door, [("Grip-Sig", token)])["statusCode"]
    assert status == 200 and len(guarded.ran) == 1


# -- positive controls ---------------------------------------------------------------------


@pytest.mark.usefixtures("pushpin_like")
def test_control_hs256_token_from_the_proxy_runs_the_handler(guarded: Guarded, door: str) -> None:
    assert_accepted(guarded, door, hs256(SECRET, claims()))


@pytest.mark.usefixtures("fastly_like")
def test_control_es256_token_from_fastly_runs_the_handler(guarded: Guarded, door: str) -> None:
    assert_accepted(guarded, door, es256(EC_PRIVATE, claims(FASTLY_ISS)))


# -- the attacks ---------------------------------------------------------------------------


@pytest.mark.usefixtures("pushpin_like")
def test_missing_grip_sig_is_refused(guarded: Guarded, door: str) -> None:
    assert "missing" in assert_refused(guarded, door, None)


@pytest.mark.usefixtures("pushpin_like")
def test_empty_grip_sig_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, "")


@pytest.mark.usefixtures("pushpin_like")
@pytest.mark.parametrize("garbage", ["garbage", "a.b.c", "..", "e30.e30.", "\u00e9t\u00e9"])
def test_garbage_grip_sig_is_refused(guarded: Guarded, door: str, garbage: str) -> None:
    assert_refused(guarded, door, garbage)


@pytest.mark.usefixtures("pushpin_like")
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_alg_none_token_is_refused(guarded: Guarded, door: str, alg: str) -> None:
    assert_refused(guarded, door, handmade({"alg": alg, "typ": "JWT"}, claims(), None))


@pytest.mark.usefixtures("fastly_like")
def test_hs256_signed_with_the_public_key_text_is_refused(guarded: Guarded, door: str) -> None:
    # The classic confusion: a verifier that takes the algorithm from the token would check
    # this HMAC with the public key's PEM text as the secret, and pass it.
    token = handmade({"alg": "HS256", "typ": "JWT"}, claims(FASTLY_ISS), EC_PUBLIC_PEM.encode())
    assert_refused(guarded, door, token)


@pytest.mark.usefixtures("pushpin_like")
def test_expired_token_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(SECRET, claims(exp=int(time.time()) - 60)))


@pytest.mark.usefixtures("pushpin_like")
def test_token_not_yet_valid_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(SECRET, claims(nbf=int(time.time()) + 3600)))


@pytest.mark.usefixtures("pushpin_like")
def test_token_from_the_wrong_issuer_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(SECRET, claims("someone-else")))


@pytest.mark.usefixtures("pushpin_like")
def test_token_without_an_issuer_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(SECRET, {"exp": int(time.time()) + 3600}))


@pytest.mark.usefixtures("pushpin_like")
def test_token_signed_with_the_wrong_key_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(OTHER_SECRET, claims()))


@pytest.mark.usefixtures("fastly_like")
def test_es256_token_signed_with_another_ec_key_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, es256(OTHER_EC_PRIVATE, claims(FASTLY_ISS)))


@pytest.mark.usefixtures("pushpin_like")
@pytest.mark.parametrize("cut", [1, 8, 43])
def test_token_with_a_truncated_signature_is_refused(guarded: Guarded, door: str, cut: int) -> None:
    assert_refused(guarded, door, hs256(SECRET, claims())[:-cut])


@pytest.mark.usefixtures("pushpin_like")
def test_token_with_a_tampered_payload_is_refused(guarded: Guarded, door: str) -> None:
    header, _, signature = hs256(SECRET, claims()).split(".")
    forged = b64url(json.dumps(claims(exp=int(time.time()) + 10**8)).encode())
    assert_refused(guarded, door, f"{header}.{forged}.{signature}")


@pytest.mark.usefixtures("pushpin_like")
def test_token_without_exp_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(SECRET, {"iss": ISS}))


@pytest.mark.usefixtures("pushpin_like")
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_hs512_with_the_right_secret_is_refused(guarded: Guarded, door: str) -> None:
    # Pushpin signs HS256: the key's type allows that algorithm only.
    assert_refused(guarded, door, jwt.encode(claims(), SECRET, algorithm="HS512"))


@pytest.mark.usefixtures("pushpin_like")
def test_es256_token_against_a_shared_secret_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, es256(EC_PRIVATE, claims()))


@pytest.mark.usefixtures("pushpin_like")
def test_oversized_token_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(SECRET, claims(pad="x" * 10_000)))


# Two Grip-Sig headers: an ALB without multi-value headers keeps only the last one, so the
# duplicate never reaches the function there; every other front door shows both.
MULTI_DOORS = [d for d in DOORS if d != "alb"]


@pytest.mark.usefixtures("pushpin_like")
@pytest.mark.parametrize("door", MULTI_DOORS)
def test_second_grip_sig_header_is_refused_even_if_both_are_valid(
    guarded: Guarded, door: str
) -> None:
    token = hs256(SECRET, claims())
    assert "exactly one" in assert_refused(guarded, door, token, token)


@pytest.mark.usefixtures("pushpin_like")
@pytest.mark.parametrize("door", MULTI_DOORS)
@pytest.mark.parametrize("order", ["forged-first", "forged-last"])
def test_forged_grip_sig_next_to_a_valid_one_is_refused(
    guarded: Guarded, door: str, order: str
) -> None:
    valid, forged = hs256(SECRET, claims()), hs256(OTHER_SECRET, claims())
    tokens = (forged, valid) if order == "forged-first" else (valid, forged)
    assert_refused(guarded, door, *tokens)


# Proxies A and C are configured; B is another GRIP proxy (someone else's Pushpin), not
# configured: its tokens must not open this function.
PROXY_A = {"control_uri": "http://proxy-a:5561", "key": SECRET, "verify_iss": ISS}
PROXY_C = {
    "control_uri": "http://proxy-c:5561",
    "key": "proxy-c-key-long-enough-for-hs256!",
    "verify_iss": ISS,
}


@pytest.fixture
def two_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIP_PROXIES", json.dumps([PROXY_A, PROXY_C]))


@pytest.mark.usefixtures("two_proxies")
def test_control_token_for_a_configured_proxy_runs_the_handler(guarded: Guarded, door: str) -> None:
    assert_accepted(guarded, door, hs256(str(PROXY_C["key"]), claims()))


@pytest.mark.usefixtures("two_proxies")
def test_token_for_another_proxys_key_is_refused(guarded: Guarded, door: str) -> None:
    assert_refused(guarded, door, hs256(OTHER_SECRET, claims()))
