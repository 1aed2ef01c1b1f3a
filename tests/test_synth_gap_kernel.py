"""The compiled capsule gaps against cases with known answers and a dense-sampling reference."""

import numpy as np

from interx.data.synth.contact import segment_gaps


def _one(p1, q1, r1, p2, q2, r2) -> float:
    arr = lambda v: np.asarray(v, float)[None, None]  # noqa: E731
    return float(segment_gaps(arr(p1), arr(q1), [r1], arr(p2), arr(q2), [r2])[0, 0, 0])


def test_known_configurations():
    # crossing at right angles, 1 m apart vertically: gap = 1 - radii
    assert np.isclose(_one([-1, 0, 0], [1, 0, 0], 0.1, [0, 1, -1], [0, 1, 1], 0.2), 0.7)
    # parallel, overlapping in extent, 0.5 m apart
    assert np.isclose(_one([0, 0, 0], [1, 0, 0], 0.0, [0.5, 0.5, 0], [2, 0.5, 0], 0.0), 0.5)
    # collinear with a 0.3 m hole between the ends
    assert np.isclose(_one([0, 0, 0], [1, 0, 0], 0.05, [1.3, 0, 0], [2, 0, 0], 0.05), 0.2)
    # end of one against the middle of the other (T shape)
    assert np.isclose(_one([0, 0.4, 0], [0, 2, 0], 0.0, [-1, 0, 0], [1, 0, 0], 0.0), 0.4)
    # capsules that overlap give a negative gap
    assert np.isclose(_one([0, 0, 0], [1, 0, 0], 0.1, [0.5, 0.05, -1], [0.5, 0.05, 1], 0.1), -0.15)


def test_matches_dense_sampling_on_random_capsules():
    rng = np.random.default_rng(3)
    p1, q1 = rng.normal(size=(5, 4, 3)), rng.normal(size=(5, 4, 3))
    p2, q2 = rng.normal(size=(5, 6, 3)), rng.normal(size=(5, 6, 3))
    r1, r2 = rng.uniform(0.02, 0.1, 4), rng.uniform(0.02, 0.1, 6)
    gaps = segment_gaps(p1, q1, r1, p2, q2, r2)
    u = np.linspace(0.0, 1.0, 801)[:, None]
    for f in range(5):
        for a in range(4):
            for b in range(6):
                x = p1[f, a] + u * (q1[f, a] - p1[f, a])
                y = p2[f, b] + u * (q2[f, b] - p2[f, b])
                dense = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1)).min() - r1[a] - r2[b]
                assert gaps[f, a, b] <= dense + 1e-12       # the kernel finds the true minimum ...
                assert dense - gaps[f, a, b] < 5e-3         # ... which sampling approaches from above
