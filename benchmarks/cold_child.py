"""One cold start, in a fresh interpreter: import the library, handle one event, publish once.

    PYTHON benchmarks/cold_child.py SIDE EVENT.json

Prints `{"ms": ..., "status": ...}`: the time from the first line of this script to the handler's
response serialised as the Lambda runtime would (json.dumps), with the publish done. GRIP_URL in
the environment names the proxy. Runs in any side's virtualenv (see workload.py).
"""

import time

_START = time.perf_counter()

import json  # noqa: E402 - after the clock starts, on purpose
import sys  # noqa: E402

from workload import chat_handler  # noqa: E402


def main() -> None:
    side, path = sys.argv[1], sys.argv[2]
    handler = chat_handler(side)
    with open(path, encoding="utf-8") as file:
        event = json.load(file)
    response = handler(event, None)
    json.dumps(response)
    elapsed_ms = (time.perf_counter() - _START) * 1000
    print(json.dumps({"ms": elapsed_ms, "status": response["statusCode"]}))


if __name__ == "__main__":
    main()
