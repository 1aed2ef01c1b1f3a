"""The sampler's guidance and pinning with dummy denoisers, and the denoiser's masks and symmetries."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from interx.models.diffusion.denoiser import Conditions, DenoiserConfig, InteractionDenoiser, sinusoid
from interx.models.diffusion.sampler import guided_x0, sample
from interx.models.diffusion.schedule import NoiseSchedule

COND = torch.tensor([2.0, -1.0])       # what a dummy predicts with its condition
UNCOND = torch.tensor([0.5, 0.5])      # ... and without


def dummy(xt, t, drop):
    """x0 = COND where 'text' is kept, UNCOND where dropped; +10 * action kept (an additive second condition)."""
    n = xt.shape[0]
    text_dropped = drop.get("text", torch.zeros(n, dtype=torch.bool))[:, None]
    out = torch.where(text_dropped, UNCOND, COND).expand(n, 2).clone()
    if "action" in drop:
        out = out + 10.0 * (~drop["action"])[:, None].float()
    return out


def test_scale_one_is_conditional_and_scale_zero_unconditional():
    xt, t = torch.zeros(3, 2), torch.zeros(3, dtype=torch.int64)
    assert torch.allclose(guided_x0(dummy, xt, t, {"text": 1.0}), COND.expand(3, 2))
    assert torch.allclose(guided_x0(dummy, xt, t, {"text": 0.0}), UNCOND.expand(3, 2))
    assert torch.allclose(guided_x0(dummy, xt, t, {"text": 3.5}), (UNCOND + 3.5 * (COND - UNCOND)).expand(3, 2))
    assert torch.allclose(guided_x0(dummy, xt, t, {}), COND.expand(3, 2))


def test_scales_per_condition_compose():
    out = guided_x0(dummy, torch.zeros(1, 2), torch.zeros(1, dtype=torch.int64), {"text": 2.0, "action": 0.5})
    # x0_u: both dropped -> UNCOND; x0_text: COND; x0_action: UNCOND + 10
    assert torch.allclose(out[0], UNCOND + 2.0 * (COND - UNCOND) + 0.5 * 10.0)


def test_sampling_with_a_constant_predictor_lands_on_it_and_known_values_stay_pinned():
    schedule = NoiseSchedule(1000)
    gen = torch.Generator().manual_seed(0)
    values = torch.tensor([[7.0, 0.0]]).expand(4, 2)
    mask = torch.tensor([[True, False]]).expand(4, 2)
    out = sample(dummy, schedule, (4, 2), generator=gen, guidance={"text": 2.0}, steps=10, known=(values, mask))
    assert torch.allclose(out[:, 0], torch.full((4,), 7.0))
    assert torch.allclose(out[:, 1], torch.full((4,), UNCOND[1] + 2.0 * (COND[1] - UNCOND[1])), atol=1e-5)


def test_the_same_generator_seed_gives_the_same_samples():
    schedule = NoiseSchedule(1000)
    def run(seed):
        return sample(lambda x, t, d: 0.9 * x, schedule, (2, 3), generator=torch.Generator().manual_seed(seed),
                      steps=8, eta=1.0)
    assert torch.equal(run(1), run(1)) and not torch.equal(run(1), run(2))


CFG = DenoiserConfig(width=16, layers=2, heads=2, ff_mult=2, dropout=0.0, text_tokens=4, max_frames=12)


def _denoiser(seed=0, patch=1, **options):
    torch.manual_seed(seed)
    model = InteractionDenoiser(replace(CFG, patch_frames=patch, **options), feature_dim=5, text_dim=6).eval()
    with torch.no_grad():      # zero-initialised output and gates would hide everything: randomise them
        for p in model.parameters():
            p.copy_(0.3 * torch.randn_like(p))
    return model


PATCHES = pytest.mark.parametrize("patch", [1, 3])   # 3: ten frames make three full patches and a partial one


def _inputs(b=2, frames=10, seed=1):
    g = torch.Generator().manual_seed(seed)
    xt = torch.randn(b, frames, 2, 5, generator=g)
    cond = Conditions(b, text=torch.randn(b, 6, generator=g), tokens=torch.randn(b, 3, 6, generator=g),
                      token_mask=torch.ones(b, 3, dtype=torch.bool), action=torch.tensor([1, 7][:b]),
                      partner=torch.randn(b, frames, 5, generator=g))
    return xt, torch.tensor([10, 700][:b]), torch.ones(b, frames, dtype=torch.bool), cond


@PATCHES
@pytest.mark.parametrize("length_condition", [False, True])
def test_padded_frames_do_not_change_real_frames(patch, length_condition):
    model = _denoiser(patch=patch, length_condition=length_condition)
    xt, t, mask, cond = _inputs()
    cond.use_partner = torch.tensor([False, False])
    mask[:, 7:] = False
    out = model(xt, t, mask, cond)
    xt2 = xt.clone()
    xt2[:, 7:] = 100.0
    assert torch.allclose(model(xt2, t, mask, cond)[:, :7], out[:, :7], atol=1e-5)


@PATCHES
def test_left_out_conditions_are_ignored(patch):
    model = _denoiser(patch=patch)
    xt, t, mask, cond = _inputs()
    cond.use_text, cond.use_action, cond.use_partner = (torch.zeros(2, dtype=torch.bool),) * 3
    out = model(xt, t, mask, cond)
    other = Conditions(2, text=cond.text + 5, tokens=cond.tokens - 3, token_mask=cond.token_mask,
                       action=torch.tensor([3, 4]), partner=cond.partner * 2, use_text=cond.use_text,
                       use_action=cond.use_action, use_partner=cond.use_partner)
    assert torch.allclose(model(xt, t, mask, other), out, atol=1e-5)
    assert torch.allclose(model(xt, t, mask, Conditions(2)), out, atol=1e-5)   # absent == left out
    assert not torch.allclose(model(xt, t, mask, cond.without({})), model(xt, t, mask, Conditions(
        2, text=cond.text, tokens=cond.tokens, token_mask=cond.token_mask)), atol=1e-3)


@PATCHES
def test_a_given_partner_replaces_person_zeros_noisy_input(patch):
    model = _denoiser(patch=patch)
    xt, t, mask, cond = _inputs()
    out = model(xt, t, mask, cond)
    xt2 = xt.clone()
    xt2[:, :, 0] = -3.0
    assert torch.allclose(model(xt2, t, mask, cond), out, atol=1e-5)


@PATCHES
def test_the_two_persons_are_treated_alike(patch):
    model = _denoiser(patch=patch)
    xt, t, mask, cond = _inputs()
    cond.use_partner = torch.tensor([False, False])
    out = model(xt, t, mask, cond)
    swapped = model(xt.flip(2), t, mask, cond)
    assert torch.allclose(swapped, out.flip(2), atol=1e-5)


def test_role_vectors_tell_the_persons_apart_and_swapping_them_swaps_the_persons():
    model = _denoiser(roles=True)
    xt, t, mask, cond = _inputs()
    cond.use_partner = torch.tensor([False, False])
    out = model(xt, t, mask, cond)
    assert not torch.allclose(model(xt.flip(2), t, mask, cond), out.flip(2), atol=1e-3)
    with torch.no_grad():
        model.roles.copy_(model.roles.flip(0))
    assert torch.allclose(model(xt.flip(2), t, mask, cond), out.flip(2), atol=1e-5)


def test_the_length_enters_as_an_added_condition_vector():
    """With the length condition, a sample of 7 real frames is what the model without it gives when the
    embedding of length 7 is added to the (used) action's embedding."""
    model = _denoiser(length_condition=True)
    plain = InteractionDenoiser(CFG, feature_dim=5, text_dim=6).eval()
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("length_mlp")})
    xt, t, mask, cond = _inputs()
    mask[:, 7:] = False
    cond.use_partner = torch.tensor([False, False])
    out = model(xt, t, mask, cond)
    assert not torch.allclose(plain(xt, t, mask, cond)[:, :7], out[:, :7], atol=1e-3)
    with torch.no_grad():
        plain.action_emb.weight[cond.action] += model.length_mlp(sinusoid(torch.tensor([7, 7]), CFG.width))
    assert torch.allclose(plain(xt, t, mask, cond)[:, :7], out[:, :7], atol=1e-5)


def test_the_text_mlp_maps_the_sentence_into_the_condition_vector():
    """With the MLP's last layer a constant c, the sentence no longer matters, and the model is the plain one
    whose text projection gives c for every sentence."""
    model = _denoiser(text_mlp=True)
    plain = InteractionDenoiser(CFG, feature_dim=5, text_dim=6).eval()
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("text_mlp")})
    xt, t, mask, cond = _inputs()
    cond.use_partner = torch.tensor([False, False])
    other = replace(cond, text=cond.text.flip(0))
    assert not torch.allclose(model(xt, t, mask, cond), model(xt, t, mask, other), atol=1e-3)
    with torch.no_grad():
        model.text_mlp[1].weight.zero_()
        plain.text_proj.weight.zero_()
        plain.text_proj.bias.copy_(model.text_mlp[1].bias)
    out = model(xt, t, mask, cond)
    assert torch.allclose(model(xt, t, mask, other), out, atol=1e-6)
    assert torch.allclose(plain(xt, t, mask, cond), out, atol=1e-5)


def test_the_skip_adds_a_learned_share_of_a_local_average_of_the_noisy_input():
    """x0 = head + g(t) * (a(t) * x_t): a fresh denoiser predicts zeros (head and gain zero-initialised); with the
    gain's bias set and all taps equal, the output is that share of the mean of x_t over the real frames within 4
    of each frame (person 0's: the given partner's); with one dominant centre tap, that share of x_t itself."""
    torch.manual_seed(0)
    model = InteractionDenoiser(CFG, feature_dim=5, text_dim=6).eval()
    xt, t, mask, cond = _inputs()
    mask[1, 8:] = False
    cond.use_partner = torch.tensor([True, False])
    assert float(model(xt, t, mask, cond).detach().abs().max()) == 0.0
    share = torch.tensor([0.0, 0.25, 0.5, 1.0, -1.0])
    with torch.no_grad():
        model.skip.gain.bias.copy_(share)
        model.skip.taps.bias.zero_()
    seen = xt.clone()
    seen[0, :, 0] = cond.partner[0]
    expected = torch.zeros_like(xt)
    for b in range(2):
        real = int(mask[b].sum())
        for f in range(real):
            expected[b, f] = share * seen[b, max(f - 4, 0):min(f + 5, real)].mean(0)
    out = model(xt, t, mask, cond)
    assert torch.allclose(out[0], expected[0], atol=1e-5) and torch.allclose(out[1, :8], expected[1, :8], atol=1e-5)
    with torch.no_grad():
        model.skip.taps.bias[4] = 60.0
    assert torch.allclose(model(xt, t, mask, cond)[1, :8], share * xt[1, :8], atol=1e-5)


def test_too_long_inputs_are_refused():
    model = _denoiser()
    xt, t, mask, cond = _inputs(frames=13)
    with pytest.raises(Exception, match="longer"):
        model(xt, t, mask, cond)
