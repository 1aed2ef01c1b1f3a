"""The forecasting protocol run end to end: baselines and trained runs on a cache split, one report.

Protocol: `interx.datasets.forecast` (30 fps, 1 s observed, 2 s predicted,
non-overlapping windows of the split, window frame at P1's last observed pose).
Every model sees the same windows. The report has the project's `rows` shape:

```
{"protocol": "forecast",
 "settings": {"split", "windows", "sequences", "observe", "predict", "fps", "joints", "stride", "horizons"},
 "runs": {"<row>": "<run folder>"},
 "rows": {"zero_velocity": ROW, "constant_velocity": ROW, "stsgcn": ROW, "transformer": ROW, ...}}

ROW = {"mpjpe": {"0.5": m, "1.0": m, "1.5": m, "2.0": m}, "ade": m, "fde": m,
       "root_aligned": {"0.5": ..., "2.0": ..., "all": ...}, "rigid_aligned": {...}, "root_distance": {...},
       "per_person": {"P1": PERSON, "P2": PERSON, "actor": PERSON, "reactor": PERSON}}
PERSON = {"mpjpe": {...}, "ade", "fde", "root_aligned": {...}, "rigid_aligned": {...}, "windows": n}
```

All errors in meters. Horizon keys are seconds written with one decimal; "all" is the
mean over every predicted frame (for MPJPE that is "ade").
"actor"/"reactor" use the cache's actor annotation and cover only windows whose
sequence has one (`windows` says how many); a person's numbers are the same
metrics on that person alone (no inter-person distance).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interx.datasets.forecast import ForecastProtocol, ForecastWindows
from interx.errors import UsageError
from interx.eval.forecast import forecast_metrics
from interx.eval.report import markdown_table

BASELINE_ROWS = ("zero_velocity", "constant_velocity")
CURVES = ("mpjpe", "root_aligned", "rigid_aligned", "root_distance")


def horizon_key(seconds: float) -> str:
    """'0.5', '1.0', '2.0': the report's key of a horizon."""
    return f"{seconds:.1f}"


def metrics_row(pred: np.ndarray, target: np.ndarray, protocol: ForecastProtocol,
                curves: Sequence[str] = CURVES) -> dict:
    """`forecast_metrics` regrouped as a report row: {curve: {horizon: m, ("all": m)}, "ade", "fde"}.

    ("all", the mean over every predicted frame, is not called "mean": in reports a dict
    with "mean" is a summary over replications.)"""
    flat = forecast_metrics(pred, target, protocol.fps, protocol.horizons)
    row: dict = {"ade": flat["ade"], "fde": flat["fde"]}
    for curve in curves:
        row[curve] = {horizon_key(h): flat[f"{curve}@{h:g}s"] for h in protocol.horizons}
        if f"{curve}_mean" in flat:
            row[curve]["all"] = flat[f"{curve}_mean"]
    return row


def _person(x: np.ndarray, who: np.ndarray) -> np.ndarray:
    """(B, T, 2, J, 3), (B,) person index -> (B, T, 2, J, 3) holding that person twice.

    The metrics average over the person axis, so a person repeated gives that person's numbers.
    """
    one = x[np.arange(len(who)), :, who]                                # (B, T, J, 3)
    return np.stack([one, one], axis=2)


def person_rows(pred: np.ndarray, target: np.ndarray, actor: np.ndarray, protocol: ForecastProtocol) -> dict:
    """Per-person breakdown: P1, P2 over all windows; actor, reactor over windows with a known actor."""
    curves = ("mpjpe", "root_aligned", "rigid_aligned")
    count = len(actor)
    rows = {}
    for name, who, keep in (("P1", np.zeros(count, np.int64), np.ones(count, bool)),
                            ("P2", np.ones(count, np.int64), np.ones(count, bool)),
                            ("actor", actor, actor >= 0), ("reactor", 1 - actor, actor >= 0)):
        if keep.any():
            rows[name] = {**metrics_row(_person(pred[keep], who[keep]), _person(target[keep], who[keep]), protocol,
                                        curves), "windows": int(keep.sum())}
    return rows


def evaluate_predictions(predictions: dict[str, np.ndarray], windows, protocol: ForecastProtocol) -> dict:
    """Report rows for predictions made on the same windows.

    Args:
        predictions: row name -> (B, predict, 2, J, 3) predicted futures (window frame).
        windows: `interx.datasets.forecast.WindowArrays` they were made on.
        protocol: the protocol.
    """
    return {name: {**metrics_row(pred, windows.future, protocol),
                   "per_person": person_rows(pred, windows.future, windows.actor, protocol)}
            for name, pred in predictions.items()}


def evaluate_forecast(cache, runs: Sequence[Path | str] = (), split: str = "test",
                      protocol: ForecastProtocol | None = None, batch_size: int = 256) -> dict:
    """The forecast table: both baselines and every run on the split's windows (see the module doc).

    Args:
        cache: an opened `interx.features.cache.Cache`.
        runs: forecaster run folders (`interx train forecaster`); each gives one row,
            named 'stsgcn', 'transformer' or 'transformer_independent' (a repeated
            name gets the run folder's name appended: 'transformer@RUN').
        split: the split to evaluate on.
        protocol: the protocol; default: the runs' (they must agree on
            observe/predict/fps/joints), or the standard one without runs.
        batch_size: windows per forward pass.

    Returns:
        The report dict.
    """
    from interx.models.forecasting.run import baseline, forecast, load_forecaster, run_name

    loaded = [(Path(r), *load_forecaster(r)) for r in runs]
    shapes = {(c.protocol.observe, c.protocol.predict, c.protocol.fps, c.protocol.joints) for _, _, c in loaded}
    if len(shapes) > 1:
        raise UsageError(f"the runs were trained for different protocols {sorted(shapes)}; evaluate them apart")
    if protocol is None:
        protocol = loaded[0][2].protocol if loaded else ForecastProtocol()
    elif shapes and shapes != {(protocol.observe, protocol.predict, protocol.fps, protocol.joints)}:
        raise UsageError("the runs were trained for another protocol (observed/predicted frames or joints)")
    data = ForecastWindows(cache.split(split), protocol)
    if len(data) == 0:
        raise UsageError(f"split {split} has no sequence of {protocol.window} frames: nothing to evaluate")
    windows = data.arrays()
    predictions = {name: forecast(baseline(name, protocol), windows.history, batch_size) for name in BASELINE_ROWS}
    sources = {}
    for path, model, config in loaded:
        name = run_name(config)
        if name in predictions:
            name = f"{name}@{path.name}"
        if name in predictions:
            raise UsageError(f"run {path} is given twice")
        predictions[name] = forecast(model, windows.history, batch_size)
        sources[name] = str(path)
    return {
        "protocol": "forecast",
        "settings": {"split": split, "windows": len(windows), "sequences": int(len(np.unique(windows.sequence))),
                     "observe": protocol.observe, "predict": protocol.predict, "fps": protocol.fps,
                     "joints": protocol.joints, "stride": data.stride, "horizons": list(protocol.horizons),
                     "units": "meters"},
        "runs": sources,
        "rows": evaluate_predictions(predictions, windows, protocol),
    }


def forecast_table(report: dict) -> str:
    """A markdown table of a forecast report (meters): MPJPE per horizon, ADE, FDE, the mean aligned and
    root-distance errors, and the reactor's MPJPE at 1.0 s (the first horizon when 1.0 s is not one)."""
    horizons = [horizon_key(h) for h in report["settings"]["horizons"]]
    at = "1.0" if "1.0" in horizons else horizons[0]
    columns = ([f"mpjpe {h}" for h in horizons] + ["ade", "fde", "root_aligned all", "rigid_aligned all",
                                                  "root_distance all", f"per_person reactor mpjpe {at}"])
    return markdown_table(report["rows"], columns, digits=3, first="model (m)")
