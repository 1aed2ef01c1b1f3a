"""Run configs as checked JSON: round trips, and unknown keys, wrong types and missing keys refused."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

import pytest

from interx.errors import DataError
from interx.train.config import config_from_dict, config_to_dict, load_config, save_config
from interx.train.loop import TrainConfig


@dataclass(frozen=True)
class Inner:
    width: int = 8
    rate: float = 0.5


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner = field(default_factory=Inner)
    mode: Literal["a", "b"] = "a"
    sizes: tuple[int, ...] = (1, 2)
    limit: int | None = None
    flag: bool = False
    scales: dict[str, float] = field(default_factory=dict)


def test_round_trip_through_json_file(tmp_path):
    config = Outer(name="x", inner=Inner(width=3, rate=2.0), mode="b", sizes=(4, 5, 6), limit=7, flag=True,
                   scales={"text": 3.5})
    save_config(tmp_path / "config.json", config)
    assert load_config(Outer, tmp_path / "config.json") == config
    assert json.loads((tmp_path / "config.json").read_text())["sizes"] == [4, 5, 6]


def test_absent_keys_take_defaults_and_ints_are_accepted_as_floats():
    config = config_from_dict(Outer, {"name": "x", "inner": {"rate": 1}})
    assert config == Outer(name="x", inner=Inner(width=8, rate=1.0))
    assert isinstance(config.inner.rate, float)


@pytest.mark.parametrize("data, message", [
    ({"name": "x", "colour": 1}, "unknown key"),
    ({"name": "x", "inner": {"depth": 2}}, "unknown key"),
    ({"name": 3}, "expected a string"),
    ({"name": "x", "inner": {"width": 2.5}}, "expected an integer"),
    ({"name": "x", "inner": {"width": True}}, "expected an integer"),
    ({"name": "x", "flag": 1}, "expected true or false"),
    ({"name": "x", "mode": "c"}, "expected one of"),
    ({"name": "x", "sizes": [1, "2"]}, "expected an integer"),
    ({"name": "x", "sizes": 3}, "expected a list"),
    ({"name": "x", "limit": "7"}, "expected int or NoneType"),
    ({"name": "x", "scales": {"text": "high"}}, "expected a number"),
    ({}, "lacks the required key name"),
    ([1, 2], "expected an object"),
])
def test_bad_configs_are_refused_with_the_key_named(data, message):
    with pytest.raises(DataError, match=message):
        config_from_dict(Outer, data)


def test_a_broken_file_is_refused_naming_it(tmp_path):
    path = tmp_path / "config.json"
    path.write_text("{not json")
    with pytest.raises(DataError, match="config.json"):
        load_config(Outer, path)


def test_train_config_defaults_survive_a_round_trip():
    assert config_from_dict(TrainConfig, config_to_dict(TrainConfig())) == TrainConfig()
