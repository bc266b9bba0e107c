"""Channel history: events kept so clients that reconnect (or arrive late) catch up.

`History` is the interface transports use; `MemoryHistory` and `DynamoDBHistory` keep the
events; `publish_event` appends and publishes in one call. boto3 loads on first DynamoDB use.
"""

from faas_grip.history.base import History, StoredEvent
from faas_grip.history.config import default_history
from faas_grip.history.dynamodb import DynamoDBHistory
from faas_grip.history.memory import MemoryHistory
from faas_grip.history.publish import publish_event
from faas_grip.history.render import event_item, longpoll_body, sse_text, ws_text

__all__ = [
    "DynamoDBHistory",
    "History",
    "MemoryHistory",
    "StoredEvent",
    "default_history",
    "event_item",
    "longpoll_body",
    "publish_event",
    "sse_text",
    "ws_text",
]
