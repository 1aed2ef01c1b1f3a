"""A tiny cache for the forecasting and recognition tests: 12 random sequences of 100 frames at 30 fps."""

from __future__ import annotations

from pathlib import Path

from fixtures_release import write_tiny_release

FRAMES_120 = 400  # 100 frames at 30 fps: one 90-frame forecast window per test sequence


def build_tiny_cache(folder: Path) -> Path:
    """Write a tiny raw release under `folder` and preprocess it; returns the cache folder."""
    from interx.features.cache import build_cache

    root, cache = folder / "release", folder / "cache"
    write_tiny_release(root, frames=FRAMES_120)
    build_cache(root, cache)
    return cache
