"""CLI smoke: train the recogniser briefly on a tiny cache and evaluate it (JSON, table, confusion picture)."""

import json

import pytest

from forecast_fixtures import build_tiny_cache
from interx.cli_app import main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recognition_cli")
    cache = build_tiny_cache(folder)
    run = folder / "run"
    assert main(["train", "recognizer", "--data", str(cache), "--out", str(run), "--config", "tiny",
                 "--max-steps", "4", "--balanced"]) == 0
    return folder, cache, run


def test_evaluate_recognition_report_and_picture(trained, capsys):
    folder, cache, run = trained
    out = folder / "recognition.json"
    assert main(["evaluate", "recognition", "--data", str(cache), "--checkpoint", str(run), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    row = report["rows"]["recognizer"]
    assert set(row) == {"top1", "top5", "macro"} and all(0.0 <= v <= 1.0 for v in row.values())
    assert len(report["class_names"]) == 40 and len(report["per_class"]["recognizer"]) == 40
    confusion = report["confusion"]["recognizer"]
    assert len(confusion) == 40 and sum(map(sum, confusion)) == report["settings"]["sequences"] == 4
    picture = folder / "recognition.confusion.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| recognizer |" in capsys.readouterr().out


def test_resume_continues_and_says_so(trained, capsys):
    _, cache, run = trained
    assert main(["train", "recognizer", "--data", str(cache), "--out", str(run), "--config", "tiny",
                 "--max-steps", "6", "--balanced", "--resume"]) == 0
    assert "resumed from step 4" in capsys.readouterr().out
    assert main(["train", "recognizer", "--data", str(cache), "--out", str(run), "--config", "tiny",
                 "--max-steps", "8"]) == 2   # a run folder with checkpoints needs --resume
