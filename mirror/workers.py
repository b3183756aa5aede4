"""Article pages -> bodies, in worker processes: decoding and extracting are CPU work.

The downloads run in the main process, so extraction must never stall them:
pages go to a pool of worker processes (one per core, at a lower priority),
as the bytes they came as; each worker decodes and extracts its page and
sends back only the body. The workers start as soon as a run knows it will
fetch pages, so that they load while the first pages download; a run whose
pages all fail before one arrives does not wait for them to finish loading.

Memory is bounded by the work in flight, not by the run: a page holds one of
a fixed number of slots from before it is requested until its body is back,
so pages are never fetched faster than they can be extracted.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import signal
from collections.abc import AsyncIterator

from mirror.errors import PageGone
from mirror.fetching.charset import CharsetHint
from mirror.models import RawPage

QUEUED_PER_WORKER = 2  # pages waiting for each worker, so that none sits idle


class Extractor:
    """The pool of extraction workers of one run."""

    def __init__(self, fetching: int) -> None:
        """``fetching``: how many page requests may be in flight at once."""
        self.workers = os.cpu_count() or 1
        self._slots = asyncio.Semaphore(fetching + QUEUED_PER_WORKER * self.workers)
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers now, so they load while the first pages download."""
        if self._pool is not None:
            return
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_prepare_worker)
        for _ in range(self.workers):  # a pool starts its processes as work arrives
            self._pool.submit(_ready)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold a place for one page, from its request until its body is back."""
        async with self._slots:
            yield

    async def body(self, raw: RawPage, hint: CharsetHint | None) -> str:
        """The article body of a page; PageGone when it holds none (or cannot be read)."""
        self.start()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, page_body, raw, hint)

    async def close(self) -> None:
        """Stop the workers. Whoever closes the pool awaits no body any more, and a
        worker holds nothing worth finishing: it is stopped at once, not left to
        start up (a run whose pages all failed) or to free its memory on the way
        out (a tenth of a second at the end of every run that extracted pages)."""
        if self._pool is None:
            return
        _stop_now(self._pool)
        self._pool.shutdown(wait=True, cancel_futures=True)


def _stop_now(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    # SIGTERM: a worker installs no handler for it, so it ends at once, as with SIGKILL;
    # but tools that watch a process (a profiler, valgrind) still see it end.
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(OSError, AttributeError):
            process.terminate()


def _prepare_worker() -> None:
    # The downloads run in the main process: they get the CPU first, so that pages
    # keep arriving while the extraction of earlier ones catches up.
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)
    # Ctrl-C reaches the whole process group: the main process decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import mirror.extraction.extract  # noqa: F401  - loaded before the first page arrives


def _ready() -> None:
    """Nothing: the worker's start-up is the work (see ``_prepare_worker``)."""


def page_body(raw: RawPage, hint: CharsetHint | None) -> str:
    """In a worker: the page's bytes -> its text -> its article body."""
    from mirror.extraction.extract import extract
    from mirror.fetching.charset import decode_page

    page = decode_page(raw, hint)
    try:
        return extract(page.html, page.url)
    except PageGone:
        raise
    except Exception as exc:  # the same page would fail the same way every run
        raise PageGone(f"{page.url}: the page could not be read "
                       f"({type(exc).__name__}: {exc})") from None
