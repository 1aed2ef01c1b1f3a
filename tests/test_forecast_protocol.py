"""The forecast report: row shape, horizons, per-person (actor/reactor) breakdown on known errors."""

import numpy as np

from interx.datasets.forecast import ForecastProtocol, WindowArrays
from interx.eval.forecast_protocol import evaluate_predictions, forecast_table, horizon_key

P = ForecastProtocol()


def _windows(actor) -> WindowArrays:
    rng = np.random.default_rng(0)
    b = len(actor)
    future = rng.normal(size=(b, 60, 2, 22, 3)).astype(np.float32)
    return WindowArrays(history=np.zeros((b, 30, 2, 22, 3), np.float32), future=future,
                        transform=np.zeros((b, 4)), sequence=np.arange(b), start=np.zeros(b, np.int64),
                        actor=np.asarray(actor, dtype=np.int64))


def test_rows_have_the_report_shape_and_known_values():
    windows = _windows([0, 1, -1, 1])
    wrong = windows.future.copy()
    wrong[:, :, 1] += np.array([0.0, 0.0, 0.2], np.float32)     # P2 off by 20 cm everywhere, P1 exact
    rows = evaluate_predictions({"perfect": windows.future, "p2_off": wrong}, windows, P)
    assert set(rows["perfect"]) >= {"mpjpe", "ade", "fde", "root_aligned", "rigid_aligned", "root_distance",
                                    "per_person"}
    assert list(rows["perfect"]["mpjpe"]) == ["0.5", "1.0", "1.5", "2.0"]
    assert rows["perfect"]["ade"] == 0.0 and rows["perfect"]["mpjpe"]["2.0"] == 0.0
    off = rows["p2_off"]
    np.testing.assert_allclose(off["mpjpe"]["1.0"], 0.1, atol=1e-6)          # mean over the two people
    np.testing.assert_allclose(off["root_aligned"]["all"], 0.0, atol=1e-6)  # a shift of the whole person
    people = off["per_person"]
    np.testing.assert_allclose(people["P1"]["mpjpe"]["1.0"], 0.0, atol=1e-7)
    np.testing.assert_allclose(people["P2"]["ade"], 0.2, atol=1e-6)
    # actor known in 3 windows: actor is P1, P2, P2 -> actor errors 0, 0.2, 0.2; reactor 0.2, 0, 0
    assert people["actor"]["windows"] == 3 and people["reactor"]["windows"] == 3
    np.testing.assert_allclose(people["actor"]["mpjpe"]["0.5"], 0.4 / 3, atol=1e-6)
    np.testing.assert_allclose(people["reactor"]["mpjpe"]["0.5"], 0.2 / 3, atol=1e-6)
    assert "root_distance" not in people["actor"]


def test_unknown_actors_leave_out_actor_rows_and_the_table_prints():
    windows = _windows([-1, -1])
    rows = evaluate_predictions({"zero": np.zeros_like(windows.future)}, windows, P)
    assert set(rows["zero"]["per_person"]) == {"P1", "P2"}
    table = forecast_table({"rows": rows, "settings": {"horizons": [0.5, 1.0, 1.5, 2.0]}})
    assert table.splitlines()[0].startswith("| model (m) | mpjpe 0.5 | mpjpe 1.0")
    assert table.splitlines()[2].startswith("| zero |") and table.endswith("| - |")  # no reactor known
    assert table.count("| - |") == 1  # every other cell has a number
    assert horizon_key(1) == "1.0" and horizon_key(0.5) == "0.5"
