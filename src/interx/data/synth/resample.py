"""Upsampling a solved motion to the release's frame rate.

Choreography is solved at the models' rate (30 fps, every 4th frame of the
release, which is what the official processing keeps) and written at 120 fps:
the in-between frames interpolate every joint rotation along the great arc and
cubic (Catmull-Rom) interpolations of the translation, so frame 4k of the
output is exactly solved frame k.
"""

from __future__ import annotations

from interx.data.synth._rot_kernel import catmull_rom, upsample_aa


def upsample_rotations(aa: np.ndarray, factor: int) -> np.ndarray:
    """Axis-angle (K, J, 3) -> (factor (K - 1) + 1, J, 3) by normalised linear interpolation of quaternions
    between consecutive frames (the same path as slerp; a frame apart at 30 fps the speeds differ negligibly)."""
    if aa.shape[0] < 2:
        return aa.copy()
    return upsample_aa(aa, factor)      # compiled; `rotations` holds the reference formulas


def upsample_positions(x: np.ndarray, factor: int) -> np.ndarray:
    """(K, D) -> (factor (K - 1) + 1, D) by Catmull-Rom splines through every frame."""
    if x.shape[0] < 2:
        return x.copy()
    return catmull_rom(x, factor)       # compiled
