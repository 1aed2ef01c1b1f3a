"""The generator's compiled kernels against the numpy formulas they replace, on random inputs and edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import maximum_filter1d

from interx.body import rotations, skeleton
from interx.body.capsules import RADII, capsule_segments
from interx.data.synth import _rot_kernel as rk
from interx.data.synth import contact as geo
from interx.data.synth import ik
from interx.data.synth._ik_kernel import two_bone_chain


def _random_mats(rng, n):
    aa = rng.normal(size=(n, 3))
    aa[:5] = [[0, 0, 0], [np.pi, 0, 0], [0, -np.pi, 0], [1e-9, 0, 2e-9], [0, 0, np.pi - 1e-7]]
    return rotations.aa_to_mat(aa)


def test_matrix_and_quaternion_conversions_match_the_rotations_module():
    rng = np.random.default_rng(0)
    mats = _random_mats(rng, 300).reshape(30, 10, 3, 3)
    assert np.allclose(rk.mat_to_quat(mats), rotations.mat_to_quat(mats), atol=1e-12)
    assert np.allclose(rk.mat_to_aa(mats), rotations.mat_to_aa(mats), atol=1e-10)
    quat = rng.normal(size=(40, 4)) * 3.0
    assert np.allclose(rk.quat_to_mat(quat), rotations.quat_to_mat(quat), atol=1e-12)
    # a half turn about x: w = 0, axis-angle (pi, 0, 0)
    half = np.diag([1.0, -1.0, -1.0])
    assert np.allclose(rk.mat_to_quat(half), [0.0, 1.0, 0.0, 0.0])
    assert np.allclose(rk.mat_to_aa(half), [np.pi, 0.0, 0.0])


def test_euler_yxz_matches_the_rotations_module():
    rng = np.random.default_rng(1)
    angles = rng.uniform(-4, 4, size=(7, 5, 3))
    assert np.allclose(rk.euler_yxz(angles), rotations.euler_to_mat(angles, "YXZ"), atol=1e-14)
    # a quarter turn about y alone takes +z to +x
    assert np.allclose(rk.euler_yxz(np.array([np.pi / 2, 0.0, 0.0])) @ [0, 0, 1], [1, 0, 0])


def _upsample_reference(aa, factor):
    """The numpy normalised quaternion interpolation `resample.upsample_rotations` used before its kernel."""
    out = factor * (aa.shape[0] - 1) + 1
    where = np.arange(out) / factor
    k0 = np.minimum(np.floor(where).astype(np.int64), aa.shape[0] - 2)
    u = where - k0
    quat = rotations.aa_to_quat(aa)
    q0, q1 = quat[k0], quat[k0 + 1]
    q1 = np.where(np.sum(q0 * q1, axis=-1, keepdims=True) < 0, -q1, q1)
    q = q0 + u[:, None, None] * (q1 - q0)
    return rotations.quat_to_aa(q / np.linalg.norm(q, axis=-1, keepdims=True))


def test_upsampled_rotations_match_the_numpy_interpolation():
    rng = np.random.default_rng(2)
    aa = rng.normal(size=(9, 22, 3))
    aa[:, 0] = 0.0                                     # a still joint
    aa[:, 1] = [0.0, 0.0, 3.1] * np.linspace(1, -1, 9)[:, None]   # crossing the half turn: the short way round
    got = rk.upsample_aa(aa, 4)
    assert got.shape == (33, 22, 3)
    assert np.allclose(got, _upsample_reference(aa, 4), atol=1e-10)
    assert np.allclose(got[::4], rotations.quat_to_aa(rotations.aa_to_quat(aa)), atol=1e-10)


def test_catmull_rom_matches_the_numpy_splines():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(11, 45))
    factor = 4
    out = factor * (x.shape[0] - 1) + 1
    where = np.arange(out) / factor
    k0 = np.minimum(np.floor(where).astype(np.int64), x.shape[0] - 2)
    u = (where - k0)[:, None]
    padded = np.concatenate([2 * x[:1] - x[1:2], x, 2 * x[-1:] - x[-2:-1]])
    p0, p1, p2, p3 = padded[k0], padded[k0 + 1], padded[k0 + 2], padded[k0 + 3]
    want = 0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                  + (3 * p1 - p0 - 3 * p2 + p3) * u ** 3)
    got = rk.catmull_rom(x, factor)
    assert np.allclose(got, want, atol=1e-13)
    assert np.array_equal(got[:-1:factor], x[:-1]) and np.allclose(got[-1], x[-1], atol=1e-13)
    # two frames: a straight line (the extrapolated ends keep it straight)
    line = rk.catmull_rom(np.array([[0.0], [1.0]]), 4)
    assert np.allclose(line[:, 0], [0.0, 0.25, 0.5, 0.75, 1.0])


def _two_bone_reference(root, target, pole, b1, b2, hinge, parent, end_rot):
    g1, g2, middle, end, shortfall = ik.two_bone(root, target, pole, b1, b2, hinge)
    locals_ = np.stack([ik.local(parent, g1), ik.local(g1, g2), ik.local(g2, end_rot)], axis=1)
    return locals_, middle, end, shortfall


@pytest.mark.parametrize("hinge", [np.array([0.0, -1.0, 0.0]), np.array([1.0, 0.0, 0.0])])
def test_two_bone_kernel_matches_the_numpy_solve(hinge):
    rng = np.random.default_rng(3)
    n = 200
    b1, b2 = np.array([0.27, 0.01, -0.02]), np.array([0.25, -0.01, 0.01])
    root = rng.normal(0, 0.2, (n, 3))
    target = root + rng.normal(size=(n, 3)) * rng.uniform(0.0, 0.4, (n, 1))   # reachable and out of reach
    pole = root + rng.normal(size=(n, 3))
    pole[:3] = root[:3] + 2.0 * (target[:3] - root[:3])                      # on the root-target line
    target[3] = root[3]                                                      # at the root
    parent, end_rot = _random_mats(rng, n), _random_mats(rng, n)
    want = _two_bone_reference(root, target, pole, b1, b2, hinge, parent, end_rot)
    got = two_bone_chain(root, target, pole, b1, b2, hinge, parent, end_rot)
    for g, w in zip(got, want):
        assert np.allclose(g, w, atol=1e-10)
    assert np.any(want[3] > 0) and np.any(want[3] == 0)
    none, middle, end, shortfall = two_bone_chain(root, target, pole, b1, b2, hinge, parent, end_rot,
                                                  rotations=False)
    assert none is None and np.allclose(middle, want[1]) and np.allclose(end, want[2])
    # broadcast (3,) inputs: one frame per row of the longest
    _, middle, _, _ = two_bone_chain(root[0], target, pole[0], b1, b2, hinge, parent, end_rot)
    assert middle.shape == (n, 3)


def _bodies(rng, frames):
    """Two bodies' joints (F, 55, 3) walking through each other, with noise."""
    rest = skeleton.rest_joints().astype(np.float64)
    a = rest + rng.normal(0, 0.03, (frames, 55, 3))
    b = rest + rng.normal(0, 0.03, (frames, 55, 3))
    b[..., 2] += np.linspace(-1.5, 1.5, frames)[:, None]
    b[..., 0] += 0.25
    return a, b


def _closest_reference(p1, q1, p2, q2):
    d1, d2, r = q1 - p1, q2 - p2, p1 - p2
    dot = lambda u, v: np.einsum("...i,...i->...", u, v)  # noqa: E731
    a, e, b, c, f = dot(d1, d1), dot(d2, d2), dot(d1, d2), dot(d1, r), dot(d2, r)
    denom = a * e - b * b
    s = np.where(denom > 1e-10 * a * e, np.clip((b * f - c * e) / np.where(denom > 1e-12, denom, 1.0), 0, 1), 0.0)
    t = (b * s + f) / e
    s = np.where(t < 0.0, np.clip(-c / a, 0.0, 1.0), np.where(t > 1.0, np.clip((b - c) / a, 0.0, 1.0), s))
    return p1 + s[..., None] * d1, p2 + np.clip(t, 0.0, 1.0)[..., None] * d2


def _penetration_reference(a, b, stride=4, margin=0.06):
    """The numpy `contact.penetration` the kernel replaced."""
    def reach(joints):
        starts, ends, _ = capsule_segments(joints)
        pelvis = joints[:, :1]
        far = np.maximum(np.linalg.norm(starts - pelvis, axis=-1), np.linalg.norm(ends - pelvis, axis=-1))
        return (far + RADII[None]).max(axis=1)

    frames = a.shape[0]
    near = np.linalg.norm(a[:, 0] - b[:, 0], axis=-1) < reach(a) + reach(b)
    depth = np.zeros(frames)
    coarse = np.zeros(frames, dtype=bool)
    coarse[::stride] = True
    coarse[-1] = True
    coarse &= near
    close = np.zeros((frames, len(RADII), len(RADII)), dtype=bool)
    p1, q1, _ = capsule_segments(a)
    p2, q2, _ = capsule_segments(b)
    if coarse.any():
        c1, c2 = _closest_reference(p1[coarse][:, :, None], q1[coarse][:, :, None], p2[coarse][:, None],
                                    q2[coarse][:, None])
        gaps = np.linalg.norm(c1 - c2, axis=-1) - RADII[:, None] - RADII[None]
        depth[coarse] = np.maximum(-gaps.min(axis=(1, 2)), 0.0)
        close[coarse] = gaps < margin
    flagged = maximum_filter1d(close.reshape(frames, -1), 2 * stride + 1, axis=0)
    fine = np.flatnonzero(near & ~coarse & flagged.any(axis=1))
    if fine.size:
        pairs = np.flatnonzero(flagged[fine].any(axis=0))
        i, j = np.divmod(pairs, len(RADII))
        c1, c2 = _closest_reference(p1[fine][:, i], q1[fine][:, i], p2[fine][:, j], q2[fine][:, j])
        gaps = np.linalg.norm(c1 - c2, axis=-1) - RADII[i] - RADII[j]
        gaps = np.where(flagged[fine][:, pairs], gaps, np.inf)
        depth[fine] = np.maximum(-gaps.min(axis=1), 0.0)
    return depth


@pytest.mark.parametrize("stride", [1, 4])
def test_penetration_kernel_matches_the_numpy_measure(stride):
    rng = np.random.default_rng(4)
    a, b = _bodies(rng, 61)
    want = _penetration_reference(a, b, stride)
    got = geo.penetration(a, b, stride)
    assert np.allclose(got, want, atol=1e-12)
    assert (want > 0.05).any() and (want == 0).any()       # the bodies meet and part


def test_capsule_pair_gaps_and_contact_gap_match_numpy():
    rng = np.random.default_rng(5)
    a, b = _bodies(rng, 25)
    caps_a, caps_b = geo.capsule_ids(("left_hand", "left_forearm")), np.arange(len(RADII))
    p1, q1, _ = capsule_segments(a)
    p2, q2, _ = capsule_segments(b)
    c1, c2 = _closest_reference(p1[:, caps_a, None], q1[:, caps_a, None], p2[:, None, caps_b], q2[:, None, caps_b])
    diff = c1 - c2
    dist = np.linalg.norm(diff, axis=-1)
    want = dist - RADII[caps_a][:, None] - RADII[caps_b][None]
    gap, normal = geo.pair_gaps(a, b, caps_a, caps_b)
    assert np.allclose(gap, want, atol=1e-12)
    assert np.allclose(normal, diff / dist[..., None], atol=1e-9)
    gap, normal = geo.contact_gap(a, b, caps_a, caps_b)
    flat = want.reshape(len(want), -1)
    assert np.allclose(gap, flat.min(axis=1), atol=1e-12)
    best = np.unravel_index(flat.argmin(axis=1), want.shape[1:])
    assert np.allclose(normal, (diff / dist[..., None])[np.arange(len(want)), best[0], best[1]], atol=1e-9)
