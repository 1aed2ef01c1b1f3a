"""Ordered work over fresh worker processes that never hangs on an abort.

`ordered_map` keeps at most `workers * in_flight` tasks submitted, yields the
results in task order, and on any exit (the consumer raising, `close()` on the
generator, a worker dying) shuts the workers down without `terminate()`:
queued tasks are cancelled and the few in flight are let finish. A worker that
dies (killed, crashed initializer) surfaces as `BrokenProcessPool` instead of
a result that never comes, which is how a `multiprocessing.Pool` would wait.

Workers are started with 'spawn' (no forked copies of the parent's threads
and locks), so `fn`, `initializer` and every argument must be picklable
module-level objects.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], tasks: Iterable[T], workers: int, initializer: Callable | None = None,
                initargs: tuple = (), in_flight: int = 4) -> Iterator[R]:
    """`fn(task)` for every task, computed by `workers` processes, yielded in task order."""
    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=initializer, initargs=initargs)
    pending: deque[Future] = deque()
    try:
        for task in tasks:
            pending.append(executor.submit(fn, task))
            if len(pending) >= workers * in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
