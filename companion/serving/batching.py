"""Run predictions on one worker thread, optionally micro-batched.

Every prediction runs on a single dedicated thread (a ``ThreadPoolExecutor(max_workers=1)``),
never on the event loop: ONNX Runtime already spreads one call over its intra-op threads, so
two calls at once would only fight over the same cores. Requests queue for that thread.

:class:`MicroBatcher` adds dynamic batching in front of it: it collects pending requests until
``max_batch_texts`` texts are waiting or ``max_wait_ms`` has passed since the first of them
arrived, runs ONE ``predict`` on all their texts and hands each request its own slice of the
results, in order. While a batch runs, new requests accumulate for the next one, so under load
batches grow by themselves and the wait adds nothing. A request with more texts than
``max_batch_texts`` runs alone; when a batch's ``predict`` fails, each of its requests is run
again alone, so only a request that fails by itself gets the error.

Nothing here imports starlette, uvicorn or prometheus_client.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol

from .._errors import CompanionError

__all__ = [
    "BatchObserver",
    "BatchingConfig",
    "InferenceResult",
    "MicroBatcher",
    "ShuttingDownError",
]

PredictFn = Callable[[list[str]], Sequence[Any]]


@dataclass(frozen=True)
class BatchingConfig:
    """Micro-batching: at most ``max_batch_texts`` texts per ``predict`` call, and a request
    waits at most ``max_wait_ms`` for others to join it (0: only requests that queued up
    while the previous batch ran)."""

    max_batch_texts: int = 16
    max_wait_ms: float = 5.0

    def __post_init__(self) -> None:
        size = self.max_batch_texts
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"max_batch_texts must be a whole number >= 1, got {size!r}")
        wait = self.max_wait_ms
        if (
            isinstance(wait, bool)
            or not isinstance(wait, int | float)
            or not math.isfinite(wait)
            or not 0 <= wait <= 10_000
        ):
            raise ValueError(f"max_wait_ms must be a number from 0 to 10000, got {wait!r}")


@dataclass(frozen=True)
class InferenceResult:
    """One request's share of a ``predict`` call."""

    predictions: list[Any]
    queue_s: float  # from submission until its predict call started
    inference_s: float  # the whole predict call (shared by the batch)
    batch_texts: int  # texts in that predict call


class BatchObserver(Protocol):
    """Told about every ``predict`` call: its size and duration, or that it failed."""

    def batch_done(self, texts: int, seconds: float) -> None: ...

    def batch_failed(self, texts: int) -> None: ...


class ShuttingDownError(CompanionError, RuntimeError):
    """The batcher is closed: the server is shutting down."""


async def run_on_worker(
    executor: Executor,
    predict: PredictFn,
    texts: list[str],
    *,
    submitted: float | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[list[Any], float, float]:
    """Run ``predict(texts)`` on ``executor``: ``(predictions, started_at, duration_s)``.

    Raises whatever ``predict`` raised, or ``RuntimeError`` when it returned a different
    number of predictions than texts.
    """

    def work() -> tuple[list[Any], float, float]:
        started = clock()
        predictions = list(predict(texts))
        return predictions, started, clock() - started

    loop = asyncio.get_running_loop()
    predictions, started, duration = await loop.run_in_executor(executor, work)
    if len(predictions) != len(texts):
        raise RuntimeError(
            f"predict returned {len(predictions)} predictions for {len(texts)} texts"
        )
    return predictions, started, duration


@dataclass
class _Pending:
    texts: list[str]
    submitted: float
    future: asyncio.Future[InferenceResult]


class MicroBatcher:
    """Dynamic micro-batching in front of one worker thread (see the module docstring).

    Use it on one event loop: ``start()``, then ``await submit(texts)`` from any number of
    request handlers, and ``await close()`` to drain what is pending and stop.
    """

    def __init__(
        self,
        predict: PredictFn,
        executor: Executor,
        config: BatchingConfig | None = None,
        *,
        observer: BatchObserver | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.predict = predict
        self.executor = executor
        self.config = config or BatchingConfig()
        self.observer = observer
        self.clock = clock
        self._pending: deque[_Pending] = deque()
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    @property
    def pending_requests(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        """Start the batching loop on the running event loop."""
        if self._task is not None:
            raise RuntimeError("the batcher is already started")
        self._wakeup = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="micro-batcher")

    async def submit(self, texts: Sequence[str]) -> InferenceResult:
        """Queue ``texts`` for the next batch and wait for their predictions."""
        if self._task is None or self._wakeup is None:
            raise RuntimeError("start() the batcher before submitting")
        if self._closing:
            raise ShuttingDownError("the server is shutting down")
        future: asyncio.Future[InferenceResult] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(list(texts), self.clock(), future))
        self._wakeup.set()
        return await future

    async def close(self) -> None:
        """Refuse new work, run every batch still pending, then stop the loop."""
        self._closing = True
        if self._task is None or self._wakeup is None:
            return
        self._wakeup.set()
        await self._task

    async def _run(self) -> None:
        assert self._wakeup is not None
        wakeup = self._wakeup
        limit = self.config.max_batch_texts
        wait_s = self.config.max_wait_ms / 1000
        while True:
            self._drop_cancelled()
            if not self._pending:
                if self._closing:
                    return
                wakeup.clear()
                await wakeup.wait()
                continue
            # Wait for more requests until the batch is full or the first one's time is up.
            deadline = self._pending[0].submitted + wait_s
            while not self._closing and self._pending_texts() < limit:
                remaining = deadline - self.clock()
                if remaining <= 0:
                    break
                wakeup.clear()
                try:
                    await asyncio.wait_for(wakeup.wait(), remaining)
                except TimeoutError:
                    break
            batch = self._take_batch(limit)
            if batch:
                await self._run_batch(batch)

    def _drop_cancelled(self) -> None:
        self._pending = deque(p for p in self._pending if not p.future.done())

    def _pending_texts(self) -> int:
        return sum(len(p.texts) for p in self._pending if not p.future.done())

    def _take_batch(self, limit: int) -> list[_Pending]:
        """The oldest requests whose texts fit in ``limit``; the first one always goes, even
        if it alone is bigger."""
        self._drop_cancelled()
        batch: list[_Pending] = []
        count = 0
        while self._pending:
            size = len(self._pending[0].texts)
            if batch and count + size > limit:
                break
            batch.append(self._pending.popleft())
            count += size
            if count >= limit:
                break
        return batch

    async def _run_batch(self, batch: list[_Pending]) -> None:
        texts = [text for item in batch for text in item.texts]
        try:
            predictions, started, duration = await run_on_worker(
                self.executor, self.predict, texts, clock=self.clock
            )
        except Exception as exc:  # the loop keeps running
            if self.observer is not None:
                self.observer.batch_failed(len(texts))
            if len(batch) > 1:  # one bad text must not fail the others: run each alone
                for item in batch:
                    await self._run_batch([item])
                return
            if not batch[0].future.done():
                batch[0].future.set_exception(exc)
            return
        if self.observer is not None:
            self.observer.batch_done(len(texts), duration)
        offset = 0
        for item in batch:
            share = predictions[offset : offset + len(item.texts)]
            offset += len(item.texts)
            if not item.future.done():
                item.future.set_result(
                    InferenceResult(share, max(0.0, started - item.submitted), duration, len(texts))
                )
