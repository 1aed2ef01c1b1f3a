"""The cache's folder layout, shared by the builder and the reader.

```
CACHE/
  manifest.json        what made the cache: source, options, version, fingerprint, per-split counts
  stats.npz            normalisation statistics over train: <name>_mean, <name>_std, <name>_count
  <split>/             train, val, test
    pose.npy           (N_frames, 2, 55, 3) float32 axis-angle, official frame
    trans.npy          (N_frames, 2, 3) float32 meters, official frame
    joints.npy         (N_frames, 2, 55, 3) float32 meters, official frame
    offsets.npy        (N_seq + 1,) int64: sequence i is frames offsets[i]:offsets[i+1]
    lengths.npy        (N_seq,) int64 frames at 30 fps
    actions.npy        (N_seq,) int64 class ids 0-39
    canonical.npy      (N_seq, 4) float32 (yaw, tx, ty, tz): official -> canonical frame
    rest_pelvis.npy    (N_seq, 2, 3) float32 rest pelvis of each body (for moving SMPL-X params)
    betas.npy          (N_seq, 2, 10) float32 shape coefficients from the files (zeros when absent)
    index.json         names, texts, group/take/repetition, familiarity, actor, genders
```

Every array is a plain `.npy` (memory-mapped on load, never pickled). A cache
is complete exactly when its folder sits at its path with a manifest: the
builder writes everything into a temporary sibling folder and renames it into
place last.
"""

from __future__ import annotations

import json
from pathlib import Path

from interx.data.safe_io import decode_utf8, read_text_bytes
from interx.errors import DataError

FORMAT = "interx-cache"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
STATS = "stats.npz"
INDEX = "index.json"
FRAME_ARRAYS = ("pose", "trans", "joints")
SEQUENCE_ARRAYS = ("offsets", "lengths", "actions", "canonical", "rest_pelvis", "betas")
NUM_BETAS = 10
BUILD_PREFIX = "building-"  # temporary folders are named .<cache name>.building-<pid>-<random>


def read_manifest(cache_dir: Path | str) -> dict:
    """The cache's manifest; DataError when missing, unreadable or not an interx cache of this format."""
    path = Path(cache_dir) / MANIFEST
    if not path.is_file():
        raise DataError("no manifest.json: not a complete interx cache", Path(cache_dir))
    try:
        manifest = json.loads(decode_utf8(read_text_bytes(path), path))
    except json.JSONDecodeError as exc:
        raise DataError(f"unreadable manifest ({exc})", path) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DataError(f"not an {FORMAT} manifest", path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise DataError(f"cache format version {manifest.get('format_version')!r}; this interx reads "
                        f"version {FORMAT_VERSION} (rebuild the cache)", path)
    return manifest


def is_cache_dir(path: Path | str) -> bool:
    return (Path(path) / MANIFEST).is_file()
