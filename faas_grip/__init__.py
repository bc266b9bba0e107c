"""faas-grip: realtime WebSockets, HTTP streaming and long-polling for AWS Lambda via GRIP.

`import faas_grip` stays light for Lambda cold starts: requests, PyJWT, boto3 and Powertools
load on first use.
"""

from faas_grip.aws.decorators import grip_longpoll, grip_stream, grip_websocket
from faas_grip.aws.doors import front_door
from faas_grip.dispatch import handle_websocket, hold_longpoll, hold_stream, no_hold
from faas_grip.errors import (
    GripConfigError,
    GripError,
    GripProtocolError,
    GripSignatureError,
    HistoryError,
    NoMessageError,
    PublishError,
    PublishFailure,
    WebSocketDisconnected,
)
from faas_grip.history import (
    DynamoDBHistory,
    History,
    MemoryHistory,
    StoredEvent,
    publish_event,
)
from faas_grip.protocol.events import WebSocketEvent, decode_events, encode_events
from faas_grip.protocol.formats import (
    Format,
    HttpResponseFormat,
    HttpStreamFormat,
    Item,
    WebSocketMessageFormat,
    sse_comment,
    sse_event,
)
from faas_grip.protocol.instruct import Channel, GripInstruct, parse_grip_last
from faas_grip.protocol.signature import VerifyKey, load_verify_key, validate_grip_sig
from faas_grip.protocol.url import GripConfig, parse_grip_url
from faas_grip.protocol.websocket import WebSocketContext
from faas_grip.publishing import (
    Publisher,
    apublish,
    apublish_many,
    lambda_deadline,
    publish,
    publish_many,
)
from faas_grip.request import Request
from faas_grip.settings import get_settings, reset_settings

__version__ = "2.0.0.dev0"

__all__ = [
    "Channel",
    "DynamoDBHistory",
    "Format",
    "GripConfig",
    "GripConfigError",
    "GripError",
    "GripInstruct",
    "GripProtocolError",
    "GripSignatureError",
    "History",
    "HistoryError",
    "HttpResponseFormat",
    "HttpStreamFormat",
    "Item",
    "MemoryHistory",
    "NoMessageError",
    "PublishError",
    "PublishFailure",
    "Publisher",
    "Request",
    "StoredEvent",
    "VerifyKey",
    "WebSocketContext",
    "WebSocketDisconnected",
    "WebSocketEvent",
    "WebSocketMessageFormat",
    "apublish",
    "apublish_many",
    "decode_events",
    "encode_events",
    "front_door",
    "get_settings",
    "grip_longpoll",
    "grip_stream",
    "grip_websocket",
    "handle_websocket",
    "hold_longpoll",
    "hold_stream",
    "lambda_deadline",
    "load_verify_key",
    "no_hold",
    "parse_grip_last",
    "parse_grip_url",
    "publish",
    "publish_event",
    "publish_many",
    "reset_settings",
    "sse_comment",
    "sse_event",
    "validate_grip_sig",
]
