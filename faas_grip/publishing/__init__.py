"""Publishing to GRIP proxies from Lambda: `publish`, `publish_many`, `Publisher`.

requests and PyJWT load on the first publish, not on import.
"""

from faas_grip.errors import PublishError, PublishFailure
from faas_grip.publishing.publisher import (
    Publisher,
    apublish,
    apublish_many,
    lambda_deadline,
    publish,
    publish_many,
)

__all__ = [
    "PublishError",
    "PublishFailure",
    "Publisher",
    "apublish",
    "apublish_many",
    "lambda_deadline",
    "publish",
    "publish_many",
]
