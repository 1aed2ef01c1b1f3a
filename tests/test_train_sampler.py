"""Batches as a pure function of (seed, step, rank); class-balanced sampling; the learning-rate schedule."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from interx.datasets.samplers import StepBatchSampler, class_weights
from interx.train.loop import TrainConfig, lr_at


def _take(sampler, steps):
    return list(itertools.islice(iter(sampler), steps))


def test_a_resumed_sampler_continues_exactly_where_the_run_was():
    straight = _take(StepBatchSampler(10, 3, seed=5), 9)
    resumed = _take(StepBatchSampler(10, 3, seed=5, start_step=4), 5)
    assert resumed == straight[4:]


def test_each_block_visits_every_item_once_and_ranks_split_it():
    ranks = [StepBatchSampler(12, 3, seed=1, rank=r, world_size=2) for r in range(2)]
    first_block = [d.index for r in ranks for step in range(2) for d in r.batch(step)]
    assert sorted(first_block) == list(range(12))
    seeds = [d.seed for r in ranks for step in range(4) for d in r.batch(step)]
    assert len(set(seeds)) == len(seeds)                       # every draw has its own seed


def test_other_seeds_give_other_orders():
    assert _take(StepBatchSampler(50, 5, seed=0), 2) != _take(StepBatchSampler(50, 5, seed=1), 2)


def test_class_weights_give_every_class_the_same_share():
    labels = [0] * 90 + [1] * 10
    weights = class_weights(labels)
    assert weights[:90].sum() == pytest.approx(0.5) and weights[90:].sum() == pytest.approx(0.5)
    sampler = StepBatchSampler(100, 100, seed=0, weights=weights)
    drawn = np.array([labels[d.index] for step in range(20) for d in sampler.batch(step)])
    assert abs(drawn.mean() - 0.5) < 0.03                      # 2000 draws: binomial sd ~0.011


def test_learning_rate_warms_up_then_decays_to_its_floor():
    config = TrainConfig(lr=1.0, warmup_steps=10, max_steps=110, min_lr_ratio=0.1)
    assert lr_at(0, config) == pytest.approx(0.1)
    assert lr_at(9, config) == pytest.approx(1.0)
    assert lr_at(10, config) == pytest.approx(1.0)
    assert lr_at(60, config) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 0.5)))
    assert lr_at(110, config) == pytest.approx(0.1)
    assert lr_at(500, config) == pytest.approx(0.1)
