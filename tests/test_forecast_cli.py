"""CLI smoke on a tiny cache: train every forecaster briefly, evaluate them with the baselines, forecast a sequence."""

import json

import numpy as np
import pytest

from forecast_fixtures import build_tiny_cache
from interx.cli_app import main
from interx.data.raw import read_interaction
from interx.data.validate import validate_release


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forecast_cli")
    cache = build_tiny_cache(folder)
    runs = {}
    for name, extra in (("stsgcn", ["--model", "stsgcn"]),
                        ("transformer", ["--model", "transformer", "--bone-weight", "0.5", "--distance-weight", "0.5"]),
                        ("transformer_independent", ["--model", "transformer", "--independent"])):
        runs[name] = folder / name
        assert main(["train", "forecaster", "--data", str(cache), "--out", str(runs[name]), "--config", "tiny",
                     "--max-steps", "4", "--seed", "1", *extra]) == 0
    return folder, cache, runs


def test_loss_options_reach_the_run_config(trained):
    _, _, runs = trained
    stored = json.loads((runs["transformer"] / "config.json").read_text())
    assert stored["loss"] == {"velocity": 1.0, "bone_length": 0.5, "distance": 0.5}
    assert stored["model"] == "transformer" and stored["train"]["max_steps"] == 4 and stored["train"]["seed"] == 1


def test_evaluate_forecast_writes_one_table(trained, capsys):
    folder, cache, runs = trained
    out = folder / "report.json"
    args = ["evaluate", "forecast", "--data", str(cache), "--out", str(out)]
    for run in runs.values():
        args += ["--checkpoint", str(run)]
    assert main(args) == 0
    report = json.loads(out.read_text())
    assert list(report["rows"]) == ["zero_velocity", "constant_velocity", "stsgcn", "transformer",
                                    "transformer_independent"]
    for row in report["rows"].values():
        assert list(row["mpjpe"]) == ["0.5", "1.0", "1.5", "2.0"]
        assert {"ade", "fde", "root_aligned", "rigid_aligned", "root_distance"} <= set(row)
        assert {"P1", "P2", "actor", "reactor"} <= set(row["per_person"])
    assert report["settings"]["windows"] == 4 and report["settings"]["stride"] == 90
    assert out.with_suffix(".md").is_file()
    assert "| transformer_independent |" in capsys.readouterr().out


def test_forecast_writes_a_valid_sequence_beside_the_truth(trained):
    folder, _, runs = trained
    source = folder / "release" / "motions" / "G001T000A000R000"
    out = folder / "forecast"
    assert main(["forecast", "--checkpoint", str(runs["transformer"]), "--input", str(source),
                 "--observe-from", "12", "--out", str(out)]) == 0
    for part in ("forecast", "truth"):
        assert validate_release(out / part).ok
    predicted = read_interaction(out / "forecast" / "motions" / source.name)
    truth = read_interaction(out / "truth" / "motions" / source.name)
    original = read_interaction(source)
    assert predicted.fps == truth.fps == 120.0
    assert predicted.num_frames == truth.num_frames == 117 + 240
    for k in range(2):  # the observed second is the input's own frames
        np.testing.assert_array_equal(predicted.persons[k].trans[:117], original.persons[k].trans[12:129])
        np.testing.assert_array_equal(truth.persons[k].trans, original.persons[k].trans[12:12 + 357])
    summary = json.loads((out / "forecast.json").read_text())
    assert summary["observed_frames"] == 117 and summary["predicted_frames"] == 240
    assert set(summary["metrics"]) >= {"mpjpe@0.5s", "mpjpe@2s", "ade"}  # 388 frames follow: 3 s are covered
    assert summary["fit_error"] < 0.5


@pytest.mark.parametrize("args", [["--model", "mlp"], ["--model", "stsgcn", "--independent"],
                                  ["--joints", "hands"], ["--config", "huge"]])
def test_train_forecaster_usage_errors(tmp_path, args):
    assert main(["train", "forecaster", "--data", str(tmp_path), "--out", str(tmp_path / "run"), *args]) == 2


def test_forecast_without_the_whole_truth_has_no_metrics(trained):
    folder, _, runs = trained
    source = folder / "release" / "motions" / "G002T000A001R000"
    out = folder / "short"
    assert main(["forecast", "--checkpoint", str(runs["stsgcn"]), "--input", str(source),
                 "--observe-from", "200", "--out", str(out)]) == 0
    summary = json.loads((out / "forecast.json").read_text())
    assert summary["metrics"] is None and summary["truth_frames"] == 200
    assert read_interaction(out / "forecast" / "motions" / source.name).num_frames == 357


def test_forecast_refuses_a_start_too_late(trained, tmp_path):
    folder, _, runs = trained
    source = folder / "release" / "motions" / "G001T000A000R000"
    assert main(["forecast", "--checkpoint", str(runs["stsgcn"]), "--input", str(source),
                 "--observe-from", "350", "--out", str(tmp_path / "late")]) == 2
