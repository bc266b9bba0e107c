"""A raw handler for the gateway tests: no faas-grip, so each door's event and response rules
are seen exactly as the function gets and gives them.

/event         the event, as JSON
/respond       the request body (JSON) is returned as the function's result, as is
/context       the context object's fields and the environment the function runs with
/raise         raises ValueError
/exit          sys.exit(3) inside the function
/sleep?s=N     sleeps N seconds, then answers
/count         a module-level counter: how many invocations this instance served
/version       VERSION below (the reload tests rewrite it)
/big           a 7 MB body: over Lambda's 6 MB response limit
"""

import base64
import json
import os
import sys
import time
from pathlib import Path

VERSION = 1
COUNT = 0


def _json(value, status=200):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(value),
    }


def _body(event):
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def handler(event, context):
    global COUNT
    COUNT += 1
    path = event.get("rawPath") or event.get("path")
    if path == "/respond":
        return json.loads(_body(event))
    if path == "/context":
        return _json(
            {
                "aws_request_id": context.aws_request_id,
                "function_name": context.function_name,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "invoked_function_arn": context.invoked_function_arn,
                "environ": dict(os.environ),
                "cwd": str(Path.cwd()),
                "runtime_client": "awslambdaric" in sys.modules,
                "pid": os.getpid(),
            }
        )
    if path == "/raise":
        raise ValueError("the function failed on purpose")
    if path == "/exit":
        sys.exit(3)
    if path == "/sleep":
        params = event.get("queryStringParameters") or {}
        time.sleep(float(params.get("s", "1")))
        return _json({"slept": True})
    if path == "/count":
        return _json({"count": COUNT, "pid": os.getpid()})
    if path == "/big":
        return _json("x" * 7_000_000)
    if path == "/version":
        return _json({"version": VERSION})
    return _json(event)
