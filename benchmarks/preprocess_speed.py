"""Preprocessing speed: a full-size release -> cache; prints seconds, peak memory and the cache's size.

Goals (DESIGN.md): under 5 minutes on 2 cores with 2 workers, peak memory under 2 GB.

    python benchmarks/preprocess_speed.py                     # generate a full-size release, then build
    python benchmarks/preprocess_speed.py --release DIR       # build from an existing release
    python benchmarks/preprocess_speed.py --sequences 500     # a smaller run

Without --release a release of --sequences sequences (default 11,388, the real
release's size) is generated into a temporary folder: with `interx synth` when
that command is available, otherwise as a structurally valid random release
written with `interx.data.raw` (random poses, lengths distributed like the real
release's: mean ~6 s at 120 fps). The build then runs in a fresh process, so the
peak memory printed is the build's alone: resource.getrusage of that process
plus its largest worker (RUSAGE_CHILDREN reports the largest child, so the
upper bound with all workers alive is printed beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL_SIZE = 11_388


def random_release(root: Path, sequences: int, seed: int) -> str:
    """A raw release with random content (every file structurally valid); returns a description."""
    import numpy as np

    from interx.data.names import format_name
    from interx.data.raw import write_release
    from interx.data.splits import make_split
    from interx.data.types import Interaction, PersonMotion

    rng = np.random.default_rng(seed)
    names = []
    for index in range(sequences):  # 59 groups x 40 actions x takes, like the real naming
        group, rest = index % 59 + 1, index // 59
        names.append(format_name(group, rest // 40, rest % 40, 0))

    def person(frames: int, gender: str) -> PersonMotion:
        def aa(*shape):
            return (0.2 * rng.standard_normal((frames, *shape))).astype(np.float32)

        walk = np.cumsum(0.002 * rng.standard_normal((frames, 3)), axis=0) + [0.0, 0.9, 0.0]
        return PersonMotion(root_orient=aa(3), pose_body=aa(21, 3), pose_lhand=aa(15, 3), pose_rhand=aa(15, 3),
                            trans=walk.astype(np.float32), betas=rng.standard_normal(10).astype(np.float32),
                            gender=gender)

    def interactions():
        for name in names:
            frames = int(np.clip(rng.lognormal(np.log(600.0), 0.5), 60, 14_000))
            yield Interaction(name=name, persons=(person(frames, "male"), person(frames, "female")),
                              texts=("Two people interact.", "One starts, the other answers.",
                                     "A longer description of what both people do."),
                              action=int(name[9:12]), familiarity=1 + int(name[1:4]) % 4, actor=0)

    write_release(root, interactions(), splits=make_split(names, seed=seed),
                  cross_group=make_split(names, seed=seed, by_group=True))
    return f"random structurally valid release ({sequences} sequences, seed {seed})"


def synth_release(root: Path, sequences: int, seed: int) -> str | None:
    """Generate with `interx synth`; None when the command is not available."""
    command = [sys.executable, "-c", "from interx.cli_app import main; main()", "synth", str(root),
               "--sequences", str(sequences), "--seed", str(seed)]
    probe = subprocess.run(command[:4] + ["--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        return None
    subprocess.run(command, check=True)
    return f"interx synth ({sequences} sequences, seed {seed})"


def folder_bytes(folder: Path) -> int:
    return sum(os.stat(os.path.join(d, f)).st_blocks * 512 for d, _, files in os.walk(folder) for f in files)


def measure(release: Path, out: Path, workers: int) -> dict:
    """Build the cache in this process and report time, memory, size and the time to open the test split."""
    from interx.features.cache import build_cache, open_cache

    started = time.perf_counter()
    summary = build_cache(release, out, workers=workers)
    seconds = time.perf_counter() - started
    usage_self, usage_children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    own, child = usage_self.ru_maxrss / 1024, usage_children.ru_maxrss / 1024   # KiB -> MiB (Linux)
    cpu = sum(u.ru_utime + u.ru_stime for u in (usage_self, usage_children))
    started = time.perf_counter()
    test = open_cache(out).split("test")
    test.intergen_262(len(test) - 1)
    opened = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": cpu, "parent_mib": own, "largest_worker_mib": child,
            "open_test_seconds": opened,
            "sequences": sum(s["sequences"] for s in summary.splits.values()),
            "frames": sum(s["frames"] for s in summary.splits.values()),
            "dropped": len(summary.dropped), "errors": len(summary.problems), "cache_bytes": folder_bytes(out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", type=Path, help="an existing release (raw or processed)")
    parser.add_argument("--sequences", type=int, default=FULL_SIZE)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the generated release and the cache")
    parser.add_argument("--measure-into", type=Path, help=argparse.SUPPRESS)  # internal: child mode
    args = parser.parse_args()
    if args.measure_into is not None:
        result = measure(args.release, args.measure_into / "cache", args.workers)
        (args.measure_into / "result.json").write_text(json.dumps(result))
        return
    work = Path(tempfile.mkdtemp(prefix="interx-preprocess-bench-"))
    try:
        release, what = args.release, f"existing release {args.release}"
        if release is None:
            release = work / "release"
            started = time.perf_counter()
            what = synth_release(release, args.sequences, args.seed)
            if what is None:
                shutil.rmtree(release, ignore_errors=True)
                what = random_release(release, args.sequences, args.seed)
            size = folder_bytes(release) / 2**30
            print(f"generated: {what} in {time.perf_counter() - started:.0f} s ({size:.2f} GiB)")
        subprocess.run([sys.executable, __file__, "--release", str(release), "--workers", str(args.workers),
                        "--measure-into", str(work)], check=True)
        result = json.loads((work / "result.json").read_text())
        bound = result["parent_mib"] + args.workers * result["largest_worker_mib"]
        print(f"source: {what}")
        print(f"cached: {result['sequences']} sequences, {result['frames']} frames at 30 fps "
              f"({result['dropped']} dropped by length, {result['errors']} bad)")
        print(f"preprocess seconds ({args.workers} workers, {os.cpu_count()} CPUs): {result['seconds']:.1f} "
              f"(goal < 300); CPU time of the build and its workers {result['cpu_seconds']:.1f} s (load: "
              f"{', '.join(f'{x:.1f}' for x in os.getloadavg())})")
        print(f"peak memory: {result['parent_mib'] + result['largest_worker_mib']:.0f} MiB = parent "
              f"{result['parent_mib']:.0f} + largest worker {result['largest_worker_mib']:.0f} "
              f"(all {args.workers} workers at their peak at once: {bound:.0f} MiB; goal < 2048)")
        print(f"cache size on disk: {result['cache_bytes'] / 2**30:.2f} GiB")
        print(f"opening the test split and deriving one InterGen feature: {result['open_test_seconds']:.3f} s")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
