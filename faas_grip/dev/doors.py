"""The front doors of a Lambda function, as the local gateway reproduces them.

Each door turns a real HTTP request into the event AWS would hand the function and the function's
result into the HTTP response AWS would send, with AWS's rules, including the ones that break
misconfigured APIs:

- `RestApi` (API Gateway REST API, payload 1.0): headers as sent plus `multiValueHeaders`; the
  request body is base64 only when its Content-Type matches a binary media type (otherwise it is
  decoded as UTF-8, corrupting binary data); a base64 response is decoded only when the request's
  first Accept value matches a binary media type, otherwise the base64 text is sent as is.
- `HttpApi` (API Gateway HTTP API, payload 2.0) and `FunctionUrl` (Lambda function URL, 2.0):
  lower-cased headers with duplicates comma-joined, `cookies`, `rawPath`/`rawQueryString`, base64
  bodies for non-text content types, response `cookies` as Set-Cookie, base64 responses always
  decoded, and the 2.0 format inference (a result without `statusCode` is sent as JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qsl, unquote

# Lambda's synchronous invocation limit, each way.
PAYLOAD_LIMIT = 6 * 1024 * 1024
# API Gateway's request payload limit (REST and HTTP APIs); a function URL has Lambda's.
REQUEST_LIMIT = 10 * 1024 * 1024
ACCOUNT_ID = "123456789012"
DEFAULT_BINARY_MEDIA_TYPES = ("application/websocket-events",)

# Response headers the gateway sets itself; a function's values for them are ignored.
_HOP_BY_HOP = frozenset(("content-length", "transfer-encoding", "connection", "keep-alive"))
# Content types payload 2.0 passes as text; everything else arrives base64.
_TEXT_TYPES = frozenset(
    (
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-www-form-urlencoded",
    )
)


@dataclass(frozen=True)
class HttpRequest:
    """One request as it reached the gateway: headers keep their order, case and duplicates."""

    method: str
    target: str
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    port: int = 80

    @property
    def path(self) -> str:
        return self.target.partition("?")[0] or "/"

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    def header_values(self, name: str) -> list[str]:
        """Every value of header `name` (case-insensitive), in order."""
        lower = name.lower()
        return [v for k, v in self.headers if k.lower() == lower]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


@dataclass
class HttpResponse:
    """What the gateway sends back to the client."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)


class MalformedResponse(Exception):
    """The function's result is not a response this door accepts (AWS answers 502/500)."""


def media_type(content_type: str | None) -> str:
    """`Text/HTML; charset=utf-8` → `text/html`."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def normalize_media_types(types: Iterable[str]) -> tuple[str, ...]:
    """Binary media types as written in a SAM template (`application~1octet-stream`) or plain."""
    return tuple(t.replace("~1", "/").strip().lower() for t in types if t.strip())


def matches_media_type(value: str | None, patterns: Sequence[str]) -> bool:
    """True when media type `value` matches one of `patterns` (`*/*`, `image/*` allowed)."""
    kind = media_type(value)
    if not kind:
        return False
    major, _, minor = kind.partition("/")
    for pattern in patterns:
        p_major, _, p_minor = pattern.partition("/")
        if p_major in ("*", major) and p_minor in ("*", minor):
            return True
    return False


def _aws_time(epoch: float) -> str:
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(epoch))


def _json_error(status: int, message: str, extra: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json"), *extra], body)


# RFC 9110 token characters: anything else in a header name could split or forge a header.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _header_name(name: Any) -> str:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise MalformedResponse(f"header name {name!r} is not an HTTP token")
    return name


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (str, int, float)):
        text = str(value)
    else:
        raise MalformedResponse(f"header value {value!r} is not a string")
    # Written raw, CR/LF would end the header and let the function inject headers or a body.
    if "\r" in text or "\n" in text or "\0" in text:
        raise MalformedResponse(f"header value {text!r} contains CR, LF or NUL")
    return text


def _mapping(result: Mapping[str, Any], key: str) -> Mapping[Any, Any]:
    """`result[key]` as a mapping (absent or null: empty); anything else is malformed."""
    value = result.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"{key} must be an object, not {type(value).__name__}")
    return value


def _status_code(value: Any) -> int:
    try:
        status = int(value)
    except (TypeError, ValueError):
        raise MalformedResponse(f"statusCode {value!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status} is not an HTTP status")
    return status


def _decode_base64(body: str) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse("isBase64Encoded is true but body is not valid base64") from None


class Door:
    """A front door: builds events from requests and responses from results."""

    name: ClassVar[str]
    title: ClassVar[str]
    stage: ClassVar[str]
    # How long the door waits for the function (None: as long as the function's own timeout),
    # and the largest request body it takes.
    integration_timeout: ClassVar[float | None]
    request_limit: ClassVar[int] = REQUEST_LIMIT

    def event(self, request: HttpRequest, request_id: str) -> dict[str, Any]:
        raise NotImplementedError

    def response(self, result: Any, request: HttpRequest, request_id: str) -> HttpResponse:
        """The HTTP response for the function's JSON result; MalformedResponse when unusable."""
        raise NotImplementedError

    def function_error(self, request_id: str) -> HttpResponse:
        """The answer when the function failed: it raised, hit its own timeout, or its result
        was malformed or over Lambda's 6 MB response limit."""
        raise NotImplementedError

    def timeout(self, request_id: str) -> HttpResponse:
        """The answer when the integration timed out (API Gateway stopped waiting)."""
        raise NotImplementedError

    def too_large(self, request_id: str) -> HttpResponse:
        """The answer when the request is over the door's payload limit, or its event over
        Lambda's 6 MB."""
        return _json_error(413, "Request Too Long")

    @staticmethod
    def _forwarded(request: HttpRequest) -> list[tuple[str, str]]:
        # Headers API Gateway adds; X-Forwarded-For extends a chain the client already started.
        chain = ", ".join([*request.header_values("X-Forwarded-For"), request.source_ip])
        trace = f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
        kept = [
            (k, v)
            for k, v in request.headers
            if k.lower() not in ("x-forwarded-for", "x-forwarded-port", "x-forwarded-proto")
        ]
        return [
            *kept,
            ("X-Amzn-Trace-Id", trace),
            ("X-Forwarded-For", chain),
            ("X-Forwarded-Port", str(request.port)),
            ("X-Forwarded-Proto", "http"),
        ]


class RestApi(Door):
    """API Gateway REST API with a Lambda proxy integration (payload 1.0) on `/{proxy+}`."""

    name = "rest"
    title = "REST API (payload 1.0)"
    stage = "dev"
    integration_timeout: ClassVar[float | None] = 29.0
    _RESPONSE_KEYS = frozenset(
        ("statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded")
    )

    def __init__(self, binary_media_types: Iterable[str] = DEFAULT_BINARY_MEDIA_TYPES) -> None:
        self.binary_media_types = normalize_media_types(binary_media_types)

    def event(self, request: HttpRequest, request_id: str) -> dict[str, Any]:
        now = time.time()
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in self._forwarded(request):
            # Last value wins in `headers`; REST keeps each name in the case it was first sent.
            key = next((k for k in multi_headers if k.lower() == name.lower()), name)
            headers[key] = value
            multi_headers.setdefault(key, []).append(value)
        query: dict[str, str] = {}
        multi_query: dict[str, list[str]] = {}
        for name, value in parse_qsl(request.query, keep_blank_values=True):
            query[name] = value
            multi_query.setdefault(name, []).append(value)
        binary = matches_media_type(request.header("Content-Type"), self.binary_media_types)
        path = request.path
        proxy = unquote(path).lstrip("/")
        body: str | None = None
        if request.body:
            body = (
                base64.b64encode(request.body).decode("ascii")
                if binary
                else request.body.decode("utf-8", errors="replace")
            )
        return {
            "resource": "/{proxy+}" if proxy else "/",
            "path": path,
            "httpMethod": request.method,
            "headers": headers or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": {"proxy": proxy} if proxy else None,
            "stageVariables": None,
            "requestContext": {
                "resourceId": "local",
                "resourcePath": "/{proxy+}" if proxy else "/",
                "httpMethod": request.method,
                "extendedRequestId": uuid.uuid4().hex[:16],
                "requestTime": _aws_time(now),
                "path": path,
                "accountId": ACCOUNT_ID,
                "protocol": "HTTP/1.1",
                "stage": self.stage,
                "domainPrefix": "local",
                "requestTimeEpoch": int(now * 1000),
                "requestId": request_id,
                "identity": {
                    "cognitoIdentityPoolId": None,
                    "accountId": None,
                    "cognitoIdentityId": None,
                    "caller": None,
                    "sourceIp": request.source_ip,
                    "principalOrgId": None,
                    "accessKey": None,
                    "cognitoAuthenticationType": None,
                    "cognitoAuthenticationProvider": None,
                    "userArn": None,
                    "userAgent": request.header("User-Agent"),
                    "user": None,
                },
                "domainName": request.header("Host") or "localhost",
                "apiId": "local",
            },
            "body": body,
            "isBase64Encoded": binary and bool(request.body),
        }

    def response(self, result: Any, request: HttpRequest, request_id: str) -> HttpResponse:
        if not isinstance(result, dict) or "statusCode" not in result:
            raise MalformedResponse("a REST API needs an object with statusCode")
        unknown = set(result) - self._RESPONSE_KEYS
        if unknown:
            raise MalformedResponse(f"a REST API response may not have {sorted(unknown)}")
        status = _status_code(result["statusCode"])
        merged: dict[str, list[str]] = {}
        for name, value in _mapping(result, "headers").items():
            merged[_header_name(name)] = [_header_value(value)]
        for name, values in _mapping(result, "multiValueHeaders").items():
            if not isinstance(values, list):
                raise MalformedResponse(f"multiValueHeaders[{name!r}] is not a list")
            merged[_header_name(name)] = [_header_value(v) for v in values]
        body = result.get("body")
        if body is not None and not isinstance(body, str):
            raise MalformedResponse("body must be a string")
        data = (body or "").encode("utf-8")
        # The first Accept value decides, not the response: a client's own Accept placed before
        # Pushpin's `application/websocket-events` leaves the base64 text undecoded.
        accept = (request.header("Accept") or "").split(",", 1)[0]
        if result.get("isBase64Encoded") and matches_media_type(accept, self.binary_media_types):
            data = _decode_base64(body or "")
        headers = [
            (name, value)
            for name, values in merged.items()
            if name.lower() not in _HOP_BY_HOP
            for value in values
        ]
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        headers.append(("x-amzn-RequestId", request_id))
        return HttpResponse(status, headers, data)

    def function_error(self, request_id: str) -> HttpResponse:
        return _json_error(502, "Internal server error", [("x-amzn-RequestId", request_id)])

    def timeout(self, request_id: str) -> HttpResponse:
        return _json_error(504, "Endpoint request timed out", [("x-amzn-RequestId", request_id)])


class HttpApi(Door):
    """API Gateway HTTP API with a Lambda integration, payload format 2.0, `$default` route."""

    name = "http"
    title = "HTTP API (payload 2.0)"
    stage = "$default"
    integration_timeout: ClassVar[float | None] = 30.0

    def event(self, request: HttpRequest, request_id: str) -> dict[str, Any]:
        now = time.time()
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in self._forwarded(request):
            key = name.lower()
            if key == "cookie":
                cookies.extend(c.strip() for c in value.split(";") if c.strip())
                continue
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        query: dict[str, str] = {}
        for name, value in parse_qsl(request.query, keep_blank_values=True):
            query[name] = f"{query[name]},{value}" if name in query else value
        domain = request.header("Host") or "localhost"
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": request.path,
            "rawQueryString": request.query,
        }
        if cookies:
            event["cookies"] = cookies
        event["headers"] = headers
        if query:
            event["queryStringParameters"] = query
        event["requestContext"] = {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": request.header("User-Agent") or "",
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": self.stage,
            "time": _aws_time(now),
            "timeEpoch": int(now * 1000),
        }
        if request.body:
            text = self._is_text(request)
            event["body"] = (
                request.body.decode("utf-8")
                if text
                else base64.b64encode(request.body).decode("ascii")
            )
            event["isBase64Encoded"] = not text
        else:
            event["isBase64Encoded"] = False
        return event

    @staticmethod
    def _is_text(request: HttpRequest) -> bool:
        kind = media_type(request.header("Content-Type"))
        texty = kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+json", "+xml"))
        if not texty:
            return False
        try:
            request.body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True

    def response(self, result: Any, request: HttpRequest, request_id: str) -> HttpResponse:
        if not isinstance(result, dict) or "statusCode" not in result:
            # Format inference: anything without a statusCode is the JSON body of a 200.
            inferred = json.dumps(result).encode("utf-8")
            return HttpResponse(
                200, [("Content-Type", "application/json"), *self._id_header(request_id)], inferred
            )
        status = _status_code(result["statusCode"])
        headers = [
            (_header_name(name), _header_value(value))
            for name, value in _mapping(result, "headers").items()
            if str(name).lower() not in _HOP_BY_HOP
        ]
        cookies = result.get("cookies") or []
        if not isinstance(cookies, list):
            raise MalformedResponse("cookies must be a list of strings")
        headers.extend(("Set-Cookie", _header_value(c)) for c in cookies)
        body = result.get("body")
        if body is not None and not isinstance(body, str):
            raise MalformedResponse("body must be a string")
        data = (
            _decode_base64(body or "")
            if result.get("isBase64Encoded")
            else (body or "").encode("utf-8")
        )
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        headers.extend(self._id_header(request_id))
        return HttpResponse(status, headers, data)

    def _id_header(self, request_id: str) -> list[tuple[str, str]]:
        return [("Apigw-Requestid", request_id)]

    def function_error(self, request_id: str) -> HttpResponse:
        return _json_error(500, "Internal Server Error", self._id_header(request_id))

    def timeout(self, request_id: str) -> HttpResponse:
        return _json_error(503, "Service Unavailable", self._id_header(request_id))

    def too_large(self, request_id: str) -> HttpResponse:
        return _json_error(413, "Request Entity Too Large", self._id_header(request_id))


class FunctionUrl(HttpApi):
    """A Lambda function URL (payload 2.0, auth type NONE)."""

    name = "url"
    title = "function URL (payload 2.0)"
    integration_timeout = None  # the function's own timeout, up to 15 minutes
    request_limit = PAYLOAD_LIMIT

    def _id_header(self, request_id: str) -> list[tuple[str, str]]:
        return [("x-amzn-RequestId", request_id)]

    def function_error(self, request_id: str) -> HttpResponse:
        return HttpResponse(
            502,
            [("Content-Type", "text/plain"), *self._id_header(request_id)],
            b"Internal Server Error",
        )

    def timeout(self, request_id: str) -> HttpResponse:
        return self.function_error(request_id)


DOORS: Mapping[str, type[Door]] = {"rest": RestApi, "http": HttpApi, "url": FunctionUrl}


def make_door(api: str, binary_media_types: Iterable[str] | None = None) -> Door:
    """The door for `--api rest|http|url`; binary media types apply to REST only."""
    if api not in DOORS:
        raise ValueError(f"api must be one of {', '.join(DOORS)}, not {api!r}")
    if api == "rest":
        return RestApi(
            DEFAULT_BINARY_MEDIA_TYPES if binary_media_types is None else binary_media_types
        )
    return DOORS[api]()
