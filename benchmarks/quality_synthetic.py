"""Generation quality on the synthetic release: a longer training than the demo, judged by the project's evaluator.

Steps (each an ordinary `interx` command or library call, in this process):

1. `interx synth` a release of `--sequences` pairs (seed 0), `interx preprocess` it
   with `--neutral` (the official processing's body: the generator's default body);
2. `interx train evaluator` (the project's contrastive text-motion evaluator);
3. `interx train generator --config PRESET --task text` for `--steps` steps;
4. `interx evaluate text2interaction --protocol quick` on the test split: rows
   ground truth, shuffled texts and the model (R-precision, FID, MM-Dist, diversity,
   MultiModality);
5. the "real train vs real test" FID (the noise floor a model's FID sits beside):
   FID between the evaluator's embeddings of the train and the test motions;
6. checks on `--check` generated samples for test captions (decoded bodies in
   the canonical frame, floor at y = 0): no NaN; feet on the floor (the lowest
   joint of each sample within 5 cm of the floor), as sampled (bodies raised out
   of the floor, the default) and the model's own; bone lengths of the decoded
   bodies (forward kinematics of the default skeleton: exact by construction)
   and of the position channels the network outputs directly, against the
   skeleton's, within 1 %.

Targets (issue: generation quality): model top-3 R-precision >= 70 % of ground
truth's; FID reported beside the noise floor; no NaN; feet on the floor; bones
within 1 %.

Budget: the defaults (800 sequences, evaluator 1,000 steps, generator `tiny`
4,000 steps) are meant to finish within 60 minutes on 2 quiet CPU cores (about
37 min: the generator 1,400 s, the evaluator 381 s, the protocol and checks 6
min; run it without MKL_CBWR, under which training ran 1.5 times slower). `small` costs about 30 times more per
step: a GPU's job. Every stage prints its wall time. `--smoke` runs a few steps of each to check the script.

Run:
    python benchmarks/quality_synthetic.py [--out DIR] [--sequences N] [--config tiny|small] [--steps N]
(an --out folder is reused: the data and cache when present, both trainings resumed)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from interx.cli_app import main as interx

FLOOR_TOLERANCE = 0.05   # meters
BONE_TOLERANCE = 0.01    # relative


def run(*args: str) -> None:
    started = time.perf_counter()
    print("$ interx " + " ".join(args), flush=True)
    status = interx(list(args))
    if status != 0:
        raise SystemExit(f"interx {args[0]} failed with status {status}")
    print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)


def noise_floor(cache: Path, evaluator_run: Path, count: int, seed: int = 0) -> float:
    """FID between the evaluator's embeddings of `count` train and `count` test motions."""
    from interx.eval.embedding import fid
    from interx.features.cache import open_cache
    from interx.models.evaluator import load_evaluator

    evaluator = load_evaluator(evaluator_run)
    opened = open_cache(cache)
    rng = np.random.default_rng(seed)
    embeddings = []
    for name in ("train", "test"):
        split = opened.split(name)
        chosen = rng.choice(len(split), size=min(count, len(split)), replace=False)
        embeddings.append(evaluator.embed_motions([split.item(int(i)) for i in chosen]))
    return fid(embeddings[0], embeddings[1])


def _spread(lowest: np.ndarray) -> dict:
    return {"share_within": float(np.mean(np.abs(lowest) <= FLOOR_TOLERANCE)),
            "mean": float(lowest.mean()), "min": float(lowest.min()), "max": float(lowest.max())}


def sample_checks(cache: Path, generator_run: Path, count: int, seed: int = 0) -> dict:
    """NaN, floor and bone-length checks on generated samples for the first test captions.

    The samples are drawn without the floor lift (the model's own bodies), then
    lifted as sampling does by default: both are reported, and how much was lifted.
    """
    from interx.body.joints import PARENTS
    from interx.features import model_repr as mr
    from interx.features.cache import open_cache
    from interx.models.generator_sampling import Prompt, SamplingOptions, generate
    from interx.models.generator_train import load_generator

    loaded = load_generator(generator_run)
    split = open_cache(cache).split("test")
    prompts = [Prompt(text=split.texts[i][0], frames=int(min(split.lengths[i], loaded.config.window)))
               for i in range(min(count, len(split)))]
    samples = generate(loaded, prompts, SamplingOptions(seed=seed, floor=False))
    rep = loaded.model.rep
    rest = mr.default_rest_joints()
    body = list(mr.POSITION_JOINTS[1:])
    skeleton_bones = np.linalg.norm(rest[body] - rest[PARENTS[body]], axis=-1)
    finite = all(np.isfinite(s.features).all() for s in samples)
    raw, lifted, lifted_frames, fk_error, channel_error = [], [], [], [], []
    for s in samples:
        joints = mr.decoded_joints(s.features, rep)                           # (T, 2, 55, 3)
        frames_low = joints[..., 1].min(axis=(-1, -2))                          # (T,) either person's lowest joint
        raw.append(float(frames_low.min()))
        lifted_frames.append(frames_low < 0)
        lifted.append(float(mr.decoded_joints(mr.lifted_out_of_floor(s.features, rep), rep)[..., 1].min()))
        bones = np.linalg.norm(joints[..., body, :] - joints[..., PARENTS[body], :], axis=-1)
        fk_error.append(float(np.abs(bones / skeleton_bones - 1).max()))
        positions = s.features[..., rep.positions].reshape(*s.features.shape[:2], 22, 3)
        bones = np.linalg.norm(positions[..., body, :] - positions[..., PARENTS[body], :], axis=-1)
        channel_error.append(float(np.median(np.abs(bones / skeleton_bones - 1))))
    return {
        "samples": len(samples), "no_nan": bool(finite),
        "lowest_joint_m": _spread(np.asarray(lifted)),
        "lowest_joint_m_without_lift": _spread(np.asarray(raw)),
        "frames_lifted_share": float(np.concatenate(lifted_frames).mean()),
        "bone_error_decoded_max": float(max(fk_error)),
        "bone_error_channels_median": float(np.median(channel_error)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="work folder (default: a temporary one)")
    parser.add_argument("--sequences", type=int, default=800)
    parser.add_argument("--evaluator-steps", type=int, default=1000)
    parser.add_argument("--config", default="tiny")
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--quick-size", type=int, default=96)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32, help="R-precision batch (32: the official)")
    parser.add_argument("--check", type=int, default=32, help="samples for the NaN / floor / bone checks")
    parser.add_argument("--smoke", action="store_true", help="a few steps of everything (checks the script)")
    args = parser.parse_args()
    if args.smoke:
        args.sequences, args.evaluator_steps, args.steps, args.quick_size, args.replications, args.check = \
            60, 10, 10, 32, 2, 4
        args.batch_size = 4
    work = args.out or Path(tempfile.mkdtemp(prefix="interx-quality-"))
    data, cache, runs = work / "data", work / "cache", work / "runs"
    started = time.perf_counter()
    if not cache.exists():
        run("synth", str(data), "--sequences", str(args.sequences), "--seed", "0")
        run("preprocess", str(data), "--out", str(cache), "--neutral", "--workers", "2")
    run("train", "evaluator", "--data", str(cache), "--out", str(runs / "evaluator"),
        "--max-steps", str(args.evaluator_steps), "--resume")
    run("train", "generator", "--data", str(cache), "--out", str(runs / "generator"), "--config", args.config,
        "--task", "text", "--max-steps", str(args.steps), "--checkpoint-every", "1000", "--resume")
    report_path = work / "text2interaction.json"
    run("evaluate", "text2interaction", "--data", str(cache), "--evaluator", str(runs / "evaluator"),
        "--checkpoint", str(runs / "generator"), "--protocol", "quick", "--quick-size", str(args.quick_size),
        "--replications", str(args.replications), "--batch-size", str(args.batch_size), "--out", str(report_path))
    rows = json.loads(report_path.read_text())["rows"]
    floor = noise_floor(cache, runs / "evaluator", args.quick_size)
    checks = sample_checks(cache, runs / "generator", args.check)
    truth, model = rows["ground_truth"], rows["generator"]
    ratio = model["top3"]["mean"] / truth["top3"]["mean"]
    print(f"\nwork folder {work}; total {(time.perf_counter() - started) / 60:.1f} min")
    print(f"{'row':<16}{'top1':>8}{'top2':>8}{'top3':>8}{'FID':>9}{'MM-Dist':>9}{'Div':>8}")
    for name, row in rows.items():
        print(f"{name:<16}" + "".join(f"{row[k]['mean']:>8.3f}" for k in ("top1", "top2", "top3"))
              + f"{row['fid']['mean']:>9.3f}{row['mm_dist']['mean']:>9.3f}{row['diversity']['mean']:>8.3f}")
    print(f"real train vs real test FID (noise floor): {floor:.3f}")
    print(f"model top-3 / ground-truth top-3: {ratio:.2f} (target >= 0.70): {'PASS' if ratio >= 0.7 else 'FAIL'}")
    views = (("as sampled (floor lift on)", "lowest_joint_m"), ("without the lift", "lowest_joint_m_without_lift"))
    for label, key in views:
        low = checks[key]
        print(f"feet on the floor (lowest joint within 5 cm), {label}: {low['share_within']:.0%} of "
              f"{checks['samples']} samples (lowest joint mean {low['mean'] * 100:+.1f} cm, range "
              f"{low['min'] * 100:+.1f} .. {low['max'] * 100:+.1f} cm)")
    print(f"no NaN: {checks['no_nan']}; frames the lift raised: {checks['frames_lifted_share']:.0%}")
    print(f"bone lengths vs the skeleton: decoded bodies max error {checks['bone_error_decoded_max']:.2e}; "
          f"network position channels median error {checks['bone_error_channels_median']:.2%} (target <= 1 %)")
    (work / "quality.json").write_text(json.dumps({"rows": rows, "noise_floor_fid": floor, "top3_ratio": ratio,
                                                   "checks": checks}, indent=2))


if __name__ == "__main__":
    main()
