"""Stopping on request: SIGTERM or Ctrl-C sets an event that long work watches."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, for the running event loop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(number, stop.set)
    return stop


async def until_stopped(work: Awaitable[None], stop: asyncio.Event | None) -> bool:
    """Await the work; False when a stop request cut it short (the work is cancelled)."""
    task = asyncio.ensure_future(work)
    if stop is None:
        await task
        return True
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False
