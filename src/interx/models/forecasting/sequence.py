"""Forecast the continuation of one Inter-X sequence and write it as Inter-X folders beside the truth.

`forecast_sequence` reads `ROOT/motions/SEQ` (any frame rate, 120 fps for the
release), observes 1 s of both people from a chosen frame, predicts the next
2 s and writes, under the output folder:

| path | content |
| --- | --- |
| `forecast/` | an Inter-X release holding SEQ: the observed frames exactly as in the input, then the forecast |
| `truth/` | the same span of the real sequence (as far as it goes) |
| `forecast.json` | what was done: run, frames, rates, and errors against the truth when it covers the 2 s |

Both are written at the input's frame rate and start at the observed frame, so
`interx render OUT/forecast/motions/SEQ --compare OUT/truth/motions/SEQ` shows
them in step. How the forecast becomes SMPL-X parameters: the model predicts
joints at 30 fps; `pose_fit.fit_pose` solves rotations and translation on each
person's skeleton (the built-in body sized by the file's betas, or the given
body model), taking twist, hands (unless predicted), jaw and eyes from the last
observed frame; the 30 fps forecast is then upsampled to the input rate
(`interx.features.resample`: slerp for rotations, linear for translation),
starting from the last observed frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from interx.body.kinematics import pose_joints
from interx.body.model import BodyModel, BuiltinBody
from interx.data.classes import ACTION_NAMES
from interx.data.raw import MOTIONS_DIR, open_release, read_interaction, write_release
from interx.data.safe_io import prepare_output_dir, write_json
from interx.data.types import PersonMotion
from interx.datasets.forecast import canonical_windows, from_window_frame
from interx.errors import UsageError
from interx.eval.forecast import forecast_metrics
from interx.features.resample import resample_interaction, resample_person, resampled_length
from interx.models.forecasting.base import Forecaster
from interx.models.forecasting.pose_fit import fit_pose
from interx.models.forecasting.run import forecast

FORECAST_DIR, TRUTH_DIR, SUMMARY_FILE = "forecast", "truth", "forecast.json"


@dataclass(frozen=True)
class SequenceForecast:
    """What `forecast_sequence` wrote.

    Attributes:
        name: the sequence name.
        forecast_dir, truth_dir: the two Inter-X folders.
        fps: their frame rate (the input's).
        observed_frames, predicted_frames: frames of each part at `fps`.
        truth_frames: frames of the truth folder (fewer than observed + predicted
            when the sequence ends first).
        metrics: `interx.eval.forecast.forecast_metrics` of the predicted joints
            against the truth (30 fps) when the truth covers the whole forecast, else None.
        fit_error: mean distance (m) between the predicted joints and the joints of
            the solved SMPL-X parameters (the solve's fidelity).
    """

    name: str
    forecast_dir: Path
    truth_dir: Path
    fps: float
    observed_frames: int
    predicted_frames: int
    truth_frames: int
    metrics: dict | None
    fit_error: float


def _concat(first: PersonMotion, second: PersonMotion) -> PersonMotion:
    """Two motions of one person at the same rate, one after the other."""
    pose = np.concatenate([first.full_pose(), second.full_pose()])
    trans = np.concatenate([first.trans, second.trans])
    return PersonMotion.from_full_pose(pose, trans, first.betas, first.gender, first.fps)


def _joints(persons, rests) -> np.ndarray:
    """(T, 2, 55, 3) world joints of two PersonMotions on their rest skeletons."""
    return np.stack([pose_joints(p.full_pose(), p.trans, r) for p, r in zip(persons, rests)], axis=1)


def forecast_sequence(model: Forecaster, motion_dir: Path | str, observe_from: int, out_dir: Path | str,
                      body: BodyModel | None = None, run: str = "") -> SequenceForecast:
    """Forecast 2 s of SEQ after 1 s observed from `observe_from`, and write it (see the module doc).

    Args:
        model: a forecaster (its `protocol` gives observed/predicted frames and joints).
        motion_dir: `ROOT/motions/SEQ`.
        observe_from: first observed frame, counted at the input's frame rate.
        out_dir: output folder (created; a non-empty one is refused).
        body: body model for joints and the solve (default: the built-in skeleton).
        run: a label recorded in forecast.json (e.g. the run folder).
    """
    protocol = model.protocol
    body = BuiltinBody() if body is None else body
    interaction = read_interaction(motion_dir)
    fps, total = interaction.fps, interaction.num_frames
    if not 0 <= observe_from < total:
        raise UsageError(f"--observe-from {observe_from} is outside the sequence's frames 0..{total - 1}")
    clip = replace(interaction, persons=tuple(p.frames(slice(observe_from, None)) for p in interaction.persons))
    at_model = resample_interaction(clip, protocol.fps)
    if at_model.num_frames < protocol.observe:
        raise UsageError(f"{interaction.name}: {protocol.observe / protocol.fps:g} s must be observed, but only "
                         f"{at_model.num_frames} frames at {protocol.fps:g} fps follow frame {observe_from}")
    rests = [np.asarray(body.rest_joints(p.betas, p.gender), np.float32) for p in interaction.persons]
    observed = [p.frames(slice(0, protocol.observe)) for p in at_model.persons]
    indices = list(protocol.joint_indices)
    world = _joints(observed, rests)[:, :, indices]                                   # (T_obs, 2, J, 3)
    history, transform = canonical_windows(world[None], protocol.observe)
    future = from_window_frame(forecast(model, history), transform)[0]                # (T_pred, 2, J, 3)

    # observed frames at the input rate up to the last observed model frame, then the solved forecast
    obs_src = resampled_length(protocol.observe, protocol.fps, fps)
    persons, fit_gaps = [], []
    for k, person in enumerate(observed):
        last_pose = person.full_pose()[-1]
        pose, trans = fit_pose(future[:, k], indices, rests[k], last_pose)
        fit_gaps.append(np.linalg.norm(pose_joints(pose, trans, rests[k])[:, indices] - future[:, k], axis=-1))
        solved = PersonMotion.from_full_pose(np.concatenate([last_pose[None], pose]),
                                             np.concatenate([person.trans[-1:], trans]),
                                             person.betas, person.gender, protocol.fps)
        upsampled = resample_person(solved, fps)
        persons.append(_concat(clip.persons[k].frames(slice(0, obs_src)),
                               upsampled.frames(slice(1, None))))
    predicted_src = persons[0].num_frames - obs_src
    predicted = replace(interaction, persons=tuple(persons), meta={})
    truth = replace(interaction, persons=tuple(p.frames(slice(0, obs_src + predicted_src)) for p in clip.persons),
                    meta={})

    metrics = None
    if at_model.num_frames >= protocol.window:
        real = _joints([p.frames(slice(protocol.observe, protocol.window)) for p in at_model.persons], rests)
        metrics = forecast_metrics(future[None], real[None][:, :, :, indices], protocol.fps, protocol.horizons)

    out_dir = prepare_output_dir(out_dir)
    motion_dir = Path(motion_dir)
    source = open_release(motion_dir.parent.parent) if motion_dir.parent.name == MOTIONS_DIR else None
    extras = {"splits": {"train": [], "val": [], "test": [interaction.name]},   # a one-sequence test release
              "big_five": None if source is None else source.big_five,
              "action_names": ACTION_NAMES if source is None else source.action_names}
    write_release(out_dir / FORECAST_DIR, [predicted], **extras)
    write_release(out_dir / TRUTH_DIR, [truth], **extras)
    result = SequenceForecast(
        name=interaction.name, forecast_dir=out_dir / FORECAST_DIR, truth_dir=out_dir / TRUTH_DIR, fps=fps,
        observed_frames=obs_src, predicted_frames=predicted_src, truth_frames=truth.num_frames, metrics=metrics,
        fit_error=float(np.mean(fit_gaps)))
    write_json(out_dir / SUMMARY_FILE, {
        "sequence": result.name, "run": run, "source": str(motion_dir), "observe_from": observe_from,
        "fps": fps, "observed_frames": obs_src, "predicted_frames": predicted_src,
        "truth_frames": result.truth_frames, "model_fps": protocol.fps, "joints": protocol.joints,
        "metrics": metrics, "fit_error": result.fit_error,
    })
    return result

