"""Speed of the synthetic release: write N sequences (default: the full 11,388) and print the figures.

    python benchmarks/synth_speed.py [--sequences N] [--workers W] [--out DIR] [--cpu-sample M]

Prints wall time, sequences per second, the time the full-size release would
take at that rate, mean length, draws per sequence and the size on disk. The
release is written to a temporary folder (removed afterwards) unless --out is
given. Wall time depends on what else the machine runs, so it also makes
M sequences (default 60) in this one process, after two warm-up sequences
that load the compiled kernels, and prints their CPU time: the time a
full-size release needs on two otherwise idle cores follows from it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from interx.data.synth import synthesize_release
from interx.data.synth.plan import FULL_SIZE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=FULL_SIZE)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--cpu-sample", type=int, default=60)
    args = parser.parse_args()
    scratch = None if args.out else Path(tempfile.mkdtemp(prefix="synth_speed_"))
    root = args.out or scratch / "release"
    try:
        report = synthesize_release(root, args.sequences, seed=args.seed, workers=args.workers)
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        rate = len(report.names) / report.seconds
        draws = sum(report.attempts.values()) / len(report.names)
        print(f"sequences          {len(report.names)}")
        print(f"wall time          {report.seconds:.1f} s")
        print(f"rate               {rate:.1f} sequences/s")
        print(f"full-size release  {FULL_SIZE / rate / 60:.1f} min at this rate ({FULL_SIZE} sequences)")
        print(f"mean length        {report.mean_length:.2f} s at 120 fps ({report.frames} frames)")
        print(f"draws per sequence {draws:.2f}")
        print(f"size on disk       {size / 2**30:.2f} GiB")
        print(f"load average       {os.getloadavg()[0]:.1f} (cores {os.cpu_count()})")
        if args.cpu_sample:
            sample = Path(tempfile.mkdtemp(prefix="synth_cpu_"))
            # load (or compile) the generator's kernels first: the sample times sequences, not start-up
            synthesize_release(sample / "warm", 2, seed=args.seed + 2, workers=1)
            start = time.process_time()
            sampled = synthesize_release(sample / "cpu", args.cpu_sample, seed=args.seed + 1, workers=1)
            cpu = (time.process_time() - start) / len(sampled.names)
            shutil.rmtree(sample, ignore_errors=True)
            print(f"cpu per sequence   {1e3 * cpu:.0f} ms (made and written in one process, {len(sampled.names)} "
                  f"sequences)")
            print(f"full-size, 2 idle cores  {FULL_SIZE * cpu / 2 / 60:.1f} min (CPU time / 2)")
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
