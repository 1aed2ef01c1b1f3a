"""A perspective camera around a two-person scene, and the named views of a video.

Views are set by the pair, not the world (Inter-X captures face any way): the
pair's axis is the mean horizontal direction from P1's pelvis to P2's over the
clip (world +x when they stand on one spot).

- front: looking across the pair's axis, 15 degrees above, P1 on the left;
- side: looking along the pair's axis from P2's side, 15 degrees above;
- top: straight down, P1 on the left;
- orbit: like front, turning once around the scene over the clip.

Projection: a point p is seen at depth d = (p - eye) . forward and drawn at
(p . right, p . up) / d on the image plane (focal length 1).
"""

from __future__ import annotations

import numpy as np

from interx.errors import UsageError

VIEWS = ("front", "side", "top", "orbit")
ELEVATION = np.radians(15.0)


def pair_azimuth(joints: np.ndarray) -> float:
    """Azimuth (radians) of the camera that sees the pair's axis running left to right.

    Args:
        joints: (T, 2, J, 3) meters (joint 0 the pelvis).
    """
    axis = np.asarray(joints[:, 1, 0] - joints[:, 0, 0], np.float64).mean(axis=0)
    if np.hypot(axis[0], axis[2]) < 1e-6:
        return 0.0
    return float(np.arctan2(-axis[2], axis[0]))


def view_angles(view: str, num_frames: int, base: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Camera azimuth and elevation per frame, radians, (T,) each.

    Azimuth 0 puts the camera on +z, pi/2 on +x; `base` turns every view (see
    `pair_azimuth`); elevation is above the horizon.
    """
    if view not in VIEWS:
        raise UsageError(f"view {view!r}: expected one of {', '.join(VIEWS)}")
    azimuth = base + {"front": 0.0, "side": np.pi / 2, "top": 0.0, "orbit": 0.0}[view]
    elevation = np.pi / 2 if view == "top" else ELEVATION
    az = np.full(num_frames, azimuth)
    if view == "orbit":
        az = az + 2.0 * np.pi * np.arange(num_frames) / max(num_frames, 1)
    return az, np.full(num_frames, elevation)


def camera_basis(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    """Camera axes per frame: (T, 3, 3) rows right, up, forward (unit vectors, world frame).

    The camera sits on the direction (sin az cos el, sin el, cos az cos el) from
    its target and looks back at it; looking straight down, screen up is -z
    turned by the azimuth.
    """
    az, el = np.asarray(azimuth, np.float64), np.asarray(elevation, np.float64)
    back = np.stack([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)], axis=-1)
    forward = -back
    right = np.stack([np.cos(az), np.zeros_like(az), -np.sin(az)], axis=-1)  # horizontal, any elevation
    up = np.cross(right, forward)
    return np.stack([right, up, forward], axis=-2)


def project(points: np.ndarray, eye: np.ndarray, basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Perspective projection of points seen by a moving camera.

    Args:
        points: (T, ..., 3) world points, meters.
        eye: (T, 3) camera positions.
        basis: (T, 3, 3) from `camera_basis`.

    Returns:
        xy (T, ..., 2) image-plane coordinates and depth (T, ...) meters along the view.
    """
    t = points.shape[0]
    flat = np.asarray(points, np.float64).reshape(t, -1, 3) - eye[:, None, :]
    cam = flat @ np.swapaxes(basis, -1, -2)                      # (T, N, 3): right, up, forward
    depth = np.maximum(cam[..., 2], 1e-3)
    xy = cam[..., :2] / depth[..., None]
    return xy.reshape(points.shape[:-1] + (2,)), depth.reshape(points.shape[:-1])


def frame_scene(joints: np.ndarray, view: str) -> tuple[np.ndarray, np.ndarray, float]:
    """A camera for a clip: per-frame eye (T, 3) and basis (T, 3, 3), and the floor height.

    The camera looks at the centre of the pair's bounding box over the whole
    clip from far enough that every joint and the floor grid stay in front of it.

    Args:
        joints: (T, 2, 55, 3) meters.
        view: one of VIEWS.
    """
    pts = np.asarray(joints, np.float64).reshape(-1, 3)
    low, high = pts.min(axis=0), pts.max(axis=0)
    floor = float(low[1])
    target = (low + high) / 2.0
    radius = float(np.linalg.norm(high - low)) / 2.0 + 1.0
    az, el = view_angles(view, joints.shape[0], pair_azimuth(joints))
    basis = camera_basis(az, el)
    eye = target[None, :] - 3.0 * radius * basis[:, 2, :]
    return eye, basis, floor


def floor_grid(joints: np.ndarray, floor: float, cell: float = 0.5, margin: float = 1.0) -> np.ndarray:
    """Floor grid lines covering the pair's footprint plus a margin.

    Returns:
        (L, 2, 3) line end points on the plane y = floor, `cell` meters apart.
    """
    pts = np.asarray(joints, np.float64).reshape(-1, 3)
    lo = np.floor((pts[:, [0, 2]].min(axis=0) - margin) / cell) * cell
    hi = np.ceil((pts[:, [0, 2]].max(axis=0) + margin) / cell) * cell
    xs = np.arange(lo[0], hi[0] + cell / 2, cell)
    zs = np.arange(lo[1], hi[1] + cell / 2, cell)
    along_z = [((x, floor, lo[1]), (x, floor, hi[1])) for x in xs]
    along_x = [((lo[0], floor, z), (hi[0], floor, z)) for z in zs]
    return np.array(along_z + along_x, dtype=np.float64)
