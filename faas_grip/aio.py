"""`async def` handlers on platforms that call handlers synchronously (Lambda, Flask, GCF).

Each thread keeps one event loop for the life of the process, so a warm Lambda function runs
every invocation's coroutine on the loop the previous one used: async clients the handler
keeps in globals (an aiohttp session, an aioboto client) stay bound to a live loop. Platforms
that await handlers themselves (ASGI, Azure Functions) do not come through here.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio  # imported on first use: Lambda functions without async code never need it

T = TypeVar("T")

_local = threading.local()


def is_async(func: object) -> bool:
    """True for a coroutine function, a partial of one, or an object whose `__call__` is one."""
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - the method itself, not callable()
    )


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion on this thread's event loop (created on first use, then kept).

    The coroutine runs in the caller's context: a publish deadline set around the call holds
    inside it. Tasks the coroutine leaves running go on only while a later call runs the loop:
    await what you start.
    """
    import asyncio

    if asyncio._get_running_loop() is not None:
        coro.close()  # never awaited: close it so Python does not warn about it as well
        raise RuntimeError(
            "an async handler under a synchronous decorator was called from inside a running "
            "event loop: serve it with faas_grip.asgi (or call it from synchronous code)"
        )
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = _local.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coro)


def blocking(handler: Callable[..., Any]) -> Callable[..., Any]:
    """`handler` as a plain function: an async one is run to completion with `run`, a plain
    one is returned as it is."""
    if not is_async(handler):
        return handler

    @functools.wraps(handler)
    def call(*args: Any) -> Any:
        return run(handler(*args))

    return call


def awaitable(handler: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """`handler` as an async function, decided once: an async one as it is, a plain one run in
    a worker thread (with the caller's context) so a blocking handler does not stall the loop."""
    if is_async(handler):
        return handler
    import asyncio

    return functools.partial(asyncio.to_thread, handler)
