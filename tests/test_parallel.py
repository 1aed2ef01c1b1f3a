"""The ordered process map: order kept, aborts clean up, a dead worker is an error, not a hang."""

import math
import multiprocessing
import os
from concurrent.futures.process import BrokenProcessPool

import pytest

from interx.parallel import ordered_map


def test_results_come_back_in_task_order():
    tasks = [float(v) for v in range(40, 0, -1)]
    assert list(ordered_map(math.sqrt, tasks, workers=2, in_flight=2)) == [math.sqrt(v) for v in tasks]


def test_closing_early_shuts_every_worker_down():
    results = ordered_map(math.factorial, range(200), workers=2, in_flight=3)
    assert next(results) == 1 and next(results) == 1
    results.close()
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_raises_instead_of_waiting_forever():
    with pytest.raises(BrokenProcessPool):
        list(ordered_map(os._exit, [3, 3, 3], workers=2))
    assert multiprocessing.active_children() == []
