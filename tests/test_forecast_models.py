"""The learned forecasters: shapes, the independent ablation's isolation, losses, the pose solve, tiny training."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from forecast_fixtures import build_tiny_cache
from interx.body.joints import BODY, BODY_AND_HANDS
from interx.body.kinematics import pose_joints
from interx.body.skeleton import rest_joints
from interx.datasets.forecast import ForecastProtocol
from interx.features.cache import open_cache
from interx.models.forecasting.dct import dct_matrix
from interx.models.forecasting.losses import ForecastLossConfig, forecast_loss
from interx.models.forecasting.pose_fit import fit_pose
from interx.models.forecasting.run import PRESETS, build_forecaster, load_forecaster, train_forecaster
from interx.models.forecasting.transformer import TransformerConfig

TINY = PRESETS["tiny"]


def _history(seed: int = 0, batch: int = 2, joints: int = 22) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 30, 2, joints, 3, generator=g)


def _model(name: str, independent: bool = False, seed: int = 0):
    torch.manual_seed(seed)
    config = replace(TINY, model=name, transformer=replace(TINY.transformer, independent=independent))
    return build_forecaster(config)


@pytest.mark.parametrize("name,independent", [("stsgcn", False), ("transformer", False), ("transformer", True)])
def test_untrained_models_predict_the_last_pose(name, independent):
    history = _history()
    pred = _model(name, independent).predict(history)
    assert pred.shape == (2, 60, 2, 22, 3)
    torch.testing.assert_close(pred, history[:, -1:].expand(-1, 60, -1, -1, -1), atol=1e-5, rtol=0)


def _perturbed_head(model):
    with torch.no_grad():
        for p in model.head.parameters():
            p.normal_(0.0, 0.1)
    return model


def test_independent_transformer_ignores_the_partner():
    model = _perturbed_head(_model("transformer", independent=True))
    history = _history(1)
    other = history.clone()
    other[:, :, 1] = _history(2)[:, :, 1]            # P2's whole history replaced
    a, b = model.predict(history), model.predict(other)
    torch.testing.assert_close(a[:, :, 0], b[:, :, 0], atol=1e-5, rtol=0)
    assert (a[:, :, 1] - b[:, :, 1]).abs().max() > 1e-3


def test_interaction_transformer_uses_the_partner():
    model = _perturbed_head(_model("transformer", independent=False))
    history = _history(1)
    other = history.clone()
    other[:, :, 1] = _history(2)[:, :, 1]
    assert (model.predict(history)[:, :, 0] - model.predict(other)[:, :, 0]).abs().max() > 1e-4


def test_fit_normalisation_standardises_the_inputs():
    model = _model("transformer")
    history = _history(4, batch=8) * 0.3
    model.fit_normalisation(history)
    tokens, partner, _ = model.inputs(history)
    for values, mean, std in ((tokens, model.token_mean, model.token_std),
                              (partner, model.partner_mean, model.partner_std)):
        z = (values.flatten(0, -2) - mean) / std
        torch.testing.assert_close(z.mean(0), torch.zeros_like(mean), atol=1e-4, rtol=0)
        torch.testing.assert_close(z.std(0), torch.ones_like(std), atol=1e-3, rtol=0)
    # the statistics are saved with the weights
    assert {"token_mean", "token_std", "partner_mean", "partner_std"} <= set(model.state_dict())


def test_body_and_hands_shapes():
    protocol = ForecastProtocol(joints="body+hands")
    for name in ("stsgcn", "transformer"):
        model = build_forecaster(replace(TINY, model=name, protocol=protocol))
        assert model.predict(_history(joints=52)).shape == (2, 60, 2, 52, 3)


def test_dct_basis_is_orthonormal():
    d = dct_matrix(30)
    torch.testing.assert_close(d @ d.T, torch.eye(30), atol=1e-5, rtol=0)
    assert dct_matrix(60, 10).shape == (10, 60)


def test_loss_terms_known_answers():
    target = _history(3, joints=22)[:, :20]
    last = torch.zeros(2, 2, 22, 3)
    parents = torch.tensor([-1] + [0] * 21)
    config = ForecastLossConfig(velocity=1.0, bone_length=1.0, distance=1.0)
    zero = forecast_loss(target, target, last, parents, config)
    assert all(float(v) == 0.0 for v in zero.values())
    shifted = forecast_loss(target + torch.tensor([0.3, 0.0, 0.4]), target, last, parents, config)
    # a rigid shift of everything: MPJPE 0.5, bones and inter-person distances unchanged,
    # velocity only at the first step (1 of 20 frames)
    torch.testing.assert_close(shifted["mpjpe"], torch.tensor(0.5), atol=1e-6, rtol=0)
    torch.testing.assert_close(shifted["velocity"], torch.tensor(0.5 / 20), atol=1e-6, rtol=0)
    assert float(shifted["bone_length"]) < 1e-5 and float(shifted["distance"]) < 1e-5


@pytest.mark.parametrize("subset", [BODY, BODY_AND_HANDS])
def test_pose_fit_reproduces_joints_of_the_same_skeleton(subset):
    rng = np.random.default_rng(0)
    rest = rest_joints(rng.standard_normal(10))
    pose = (0.4 * rng.standard_normal((20, 55, 3))).astype(np.float32)
    trans = rng.standard_normal((20, 3)).astype(np.float32)
    joints = pose_joints(pose, trans, rest)[:, list(subset)]
    fitted_pose, fitted_trans = fit_pose(joints, subset, rest, np.zeros((55, 3)))
    np.testing.assert_allclose(pose_joints(fitted_pose, fitted_trans, rest)[:, list(subset)], joints, atol=1e-5)
    # with the true pose as reference the rotations themselves come back
    same, _ = fit_pose(joints[:1], BODY_AND_HANDS, rest, pose[0]) if subset == BODY_AND_HANDS else (None, None)
    if same is not None:
        np.testing.assert_allclose(same[0], pose[0], atol=1e-4)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return open_cache(build_tiny_cache(tmp_path_factory.mktemp("forecast_models")))


@pytest.mark.parametrize("name,independent", [("stsgcn", False), ("transformer", False), ("transformer", True)])
def test_tiny_training_runs_resume_and_load(cache, tmp_path, name, independent):
    config = replace(TINY, model=name, transformer=TransformerConfig(width=16, layers=1, heads=2, dct_in=10,
                                                                     dct_out=10, independent=independent),
                     train=replace(TINY.train, max_steps=6, checkpoint_every=3))
    first = train_forecaster(cache, tmp_path / "run", replace(config, train=replace(config.train, max_steps=3)))
    assert first.step == 3 and not first.resumed
    second = train_forecaster(cache, tmp_path / "run", config, resume=True)
    assert second.resumed and second.start_step == 3 and second.step == 6
    assert np.isfinite(second.metrics["loss"])
    model, loaded = load_forecaster(tmp_path / "run")
    assert loaded == config
    assert model.predict(_history()).shape == (2, 60, 2, 22, 3)
