"""The generator's losses: zero for a perfect prediction, blind to padding and to a given partner, t-gated."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from generator_fixtures import tiny_cache

from interx.body import rotations
from interx.features import model_repr as mr
from interx.features.cache import open_cache
from interx.models.generator_loss import LossConfig, generator_losses

REP = mr.ModelRepresentation()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Two real sequences (normalised), the second padded after 15 frames; mean/std from them."""
    split = open_cache(tiny_cache(tmp_path_factory.getbasetemp())).split("train")
    feats = np.stack([mr.encode(split.item(i), REP) for i in (0, 1)])           # (2, 25, 2, D)
    mean, std = feats.reshape(-1, REP.dim).mean(0), np.maximum(feats.reshape(-1, REP.dim).std(0), 1e-4)
    x = torch.from_numpy((feats - mean) / std).float()
    mask = torch.ones(2, 25, dtype=torch.bool)
    mask[1, 15:] = False
    return x, mask, torch.from_numpy(mean).float(), torch.from_numpy(std).float()


def _loss(pred, target, mask, mean, std, t=(100, 100), generated=((True, True), (True, True))):
    return generator_losses(pred, target, mask, torch.tensor(t), torch.tensor(generated), mean, std, REP,
                            LossConfig())


def test_a_perfect_prediction_costs_nothing(batch):
    x, mask, mean, std = batch
    losses = _loss(x, x, mask, mean, std)
    assert set(losses) == {"recon", "velocity", "bone", "foot", "distance_map", "affinity", "feature_velocity",
                           "root", "loss"}
    for key in ("recon", "velocity", "bone", "distance_map", "feature_velocity", "root"):
        assert float(losses[key]) == 0.0, key
    # foot (sliding while in contact) and affinity (close pairs pulled to touching) judge the data itself too
    assert float(losses["foot"]) >= 0.0 and float(losses["affinity"]) >= 0.0


def test_padded_frames_do_not_change_the_loss(batch):
    x, mask, mean, std = batch
    g = torch.Generator().manual_seed(0)
    pred = x + 0.1 * torch.randn(x.shape, generator=g)
    other_pred, other_x = pred.clone(), x.clone()
    other_pred[1, 15:] = 50.0
    other_x[1, 15:] = -50.0
    a, b = _loss(pred, x, mask, mean, std), _loss(other_pred, other_x, mask, mean, std)
    for key in a:
        assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-6), key


def test_a_given_partner_is_not_judged_alone(batch):
    x, mask, mean, std = batch
    pred = x.clone()
    pred[:, :, 0] += 0.5                                      # errors only on person 0, the given actor
    losses = _loss(pred, x, mask, mean, std, generated=((False, True), (False, True)))
    for key in ("recon", "velocity", "bone", "foot", "root"):
        assert float(losses[key]) == 0.0, key
    assert float(losses["distance_map"]) > 0.0               # between-people terms still see the pair
    assert float(_loss(pred, x, mask, mean, std)["recon"]) > 0.0


def test_geometric_terms_only_below_step_700(batch):
    x, mask, mean, std = batch
    pred = x + 0.2
    late = _loss(pred, x, mask, mean, std, t=(701, 999))
    early = _loss(pred, x, mask, mean, std, t=(700, 0))
    assert float(late["recon"]) == pytest.approx(float(early["recon"]))
    for key in ("velocity", "bone", "distance_map"):
        assert float(late[key]) == 0.0 and float(early[key]) > 0.0, key


def test_a_jittering_error_costs_feature_velocity_and_a_steady_one_does_not(batch):
    """An error of +-d alternating from frame to frame changes by 2 d per frame: feature_velocity = 4 d^2 on every
    real pair of frames, recon = d^2; a constant error of d costs recon d^2 and no feature_velocity."""
    x, mask, mean, std = batch
    d = 0.1
    sign = (-1.0) ** torch.arange(x.shape[1], dtype=torch.float32)[None, :, None, None]
    jitter = _loss(x + d * sign, x, mask, mean, std)
    steady = _loss(x + d, x, mask, mean, std)
    assert float(jitter["feature_velocity"]) == pytest.approx(4 * d * d, rel=1e-4)
    assert float(jitter["recon"]) == pytest.approx(d * d, rel=1e-4) == float(steady["recon"])
    assert float(steady["feature_velocity"]) == pytest.approx(0.0, abs=1e-10)


def test_root_charges_the_channels_that_place_and_turn_a_body(batch):
    """An error d on the pelvis height and on one 6D entry of the root rotation: 2 of the 12 root channels, so
    root = 2 d^2 / 12; the same error on a knee's rotation costs recon alone."""
    x, mask, mean, std = batch
    pelvis_y = 3 * mr.POSITION_JOINTS.index(mr.PELVIS) + 1
    pred = x.clone()
    pred[..., [pelvis_y, REP.rotations.start]] += 0.3
    assert float(_loss(pred, x, mask, mean, std)["root"]) == pytest.approx(2 * 0.09 / 12, rel=1e-5)
    knee = REP.rotations.start + 6 * list(REP.rotation_joints).index(mr.JOINT_INDEX["left_knee"])
    pred = x.clone()
    pred[..., knee] += 0.3
    losses = _loss(pred, x, mask, mean, std)
    assert float(losses["root"]) == 0.0 and float(losses["recon"]) > 0.0


def test_finger_channels_weigh_what_the_config_says_and_a_uniform_error_keeps_its_cost(batch):
    """fingers = 0.25: 180 finger channels at 0.25 and 268 others at 1, rescaled to mean 1, so an error d on one
    knee channel costs d^2 / (268 + 0.25 * 180) and on one finger channel a quarter of that."""
    x, mask, mean, std = batch
    cfg = LossConfig(fingers=0.25)
    assert len(REP.finger_channels) == 180 and REP.finger_channels[-1] == REP.rotations.stop - 1

    def recon(channel, d=0.3):
        pred = x.clone()
        if channel is None:
            pred += d
        else:
            pred[..., channel] += d
        return float(generator_losses(pred, x, mask, torch.tensor((100, 100)), torch.ones(2, 2, dtype=torch.bool),
                                      mean, std, REP, cfg)["recon"])

    knee = REP.rotations.start + 6 * list(REP.rotation_joints).index(mr.JOINT_INDEX["left_knee"])
    assert recon(knee) == pytest.approx(0.09 / (268 + 0.25 * 180), rel=1e-5)
    assert recon(REP.finger_channels[7]) == pytest.approx(0.25 * recon(knee), rel=1e-5)
    assert recon(None) == pytest.approx(0.09, rel=1e-5)


def test_joints_charges_where_decoding_puts_the_joints(batch):
    """joints = mean over joints of the squared distance from the decoded body's joints (the rotations posed at
    the pelvis channel) to the data's: zero for the data itself; the pelvis channel raised by d moves every
    joint by d (d^2); the root turned half a turn about the vertical moves each joint to its mirror image through
    the pelvis's vertical line (4 times its squared horizontal distance from the pelvis)."""
    x, mask, mean, std = batch
    cfg = LossConfig(joints=1.0)

    def joints(pred):
        losses = generator_losses(pred, x, mask, torch.tensor((100, 900)), torch.ones(2, 2, dtype=torch.bool),
                                  mean, std, REP, cfg)
        assert float(losses["loss"]) >= float(losses["joints"])
        return float(losses["joints"])

    assert joints(x) == pytest.approx(0.0, abs=1e-9)
    pelvis_y = 3 * mr.POSITION_JOINTS.index(mr.PELVIS) + 1
    raised = x.clone()
    raised[..., pelvis_y] += 0.2 / std[pelvis_y]
    assert joints(raised) == pytest.approx(0.04, rel=1e-4)

    root = slice(REP.rotations.start, REP.rotations.start + 6)
    sixd = (x[..., root] * std[root] + mean[root]).numpy()
    half_turn = np.diag([-1.0, 1.0, -1.0]).astype(np.float32)
    turned = x.clone()
    turned[..., root] = (torch.from_numpy(rotations.mat_to_sixd(half_turn @ rotations.sixd_to_mat(sixd)))
                         - mean[root]) / std[root]
    positions = (x[..., REP.positions] * std[REP.positions] + mean[REP.positions]).reshape(2, 25, 2, 22, 3)
    offset = positions - positions[..., mr.POSITION_JOINTS.index(mr.PELVIS), None, :]
    squared = 4 * (offset[..., 0] ** 2 + offset[..., 2] ** 2)                       # (2, 25, 2, 22)
    expected = (squared[0].sum() + squared[1, :15].sum()) / (squared[0].numel() + squared[1, :15].numel())
    assert joints(turned) == pytest.approx(float(expected), rel=1e-4)
