"""Forecaster speed: inference windows per second (batch 256) and training steps per second, per model.

Models at their default (benchmark) sizes, random windows (speed does not
depend on the values), 22 body joints, float32 on the CPU (or --device).
Inference: `predict` on batches of 256 windows (1 s observed -> 2 s predicted).
Training: forward, loss (MPJPE + velocity), backward and an AdamW step on
batches of the default training batch size. Each figure is the median of
--repeats timed runs after one warm-up.

    python benchmarks/forecast_speed.py [--threads N] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def _timed(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from interx.models.forecasting.run import BASELINES, FORECAST_TRAIN, ForecasterRunConfig, baseline, build_forecaster
    from interx.models.forecasting.transformer import TransformerConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batch", type=int, default=256, help="inference batch")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    models = {name: baseline(name) for name in BASELINES}
    for name, config in (("stsgcn", ForecasterRunConfig(model="stsgcn")),
                         ("transformer", ForecasterRunConfig(model="transformer")),
                         ("transformer_independent",
                          ForecasterRunConfig(model="transformer", transformer=TransformerConfig(independent=True)))):
        models[name] = build_forecaster(config)
    history = torch.randn(args.batch, 30, 2, 22, 3, device=device)
    train_batch = FORECAST_TRAIN.batch_size
    batch = {"history": torch.randn(train_batch, 30, 2, 22, 3, device=device),
             "future": torch.randn(train_batch, 60, 2, 22, 3, device=device)}
    print(f"device {device}, torch threads {torch.get_num_threads()}, inference batch {args.batch}, "
          f"training batch {train_batch}")
    print(f"{'model':<26}{'params':>10}{'windows/s':>14}{'train steps/s':>16}")
    for name, model in models.items():
        model = model.to(device)
        params = sum(p.numel() for p in model.parameters())
        infer = _timed(lambda: model.predict(history), args.repeats)
        steps = "-"
        if params:
            optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
            model.train()

            def step():
                loss = model.training_step(batch, None)["loss"]
                loss.backward()
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)

            steps = f"{1.0 / _timed(step, args.repeats):.1f}"
        print(f"{name:<26}{params:>10,}{args.batch / infer:>14,.0f}{steps:>16}")


if __name__ == "__main__":
    main()
