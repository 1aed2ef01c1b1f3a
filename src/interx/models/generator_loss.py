"""The generator's losses, as InterGen defines them (reference/benchmarks.md), on masked batches.

Shapes: B batch, T frames (30 fps), 2 persons, D features (model representation),
22 body joints for the geometric terms. Predictions and targets arrive
normalised; every geometric term works in meters on the denormalised position
channels of the representation (not on forward kinematics), like InterGen,
except `joints`, which poses the skeleton as decoding does.

| term | weight | definition |
| --- | --- | --- |
| recon | 1 | MSE of normalised features |
| velocity | 30 | MSE of frame-to-frame joint displacements (meters per frame) |
| bone | 10 | MSE of the 21 bone lengths |
| foot | 30 | squared foot-joint displacement on frames where the data's foot contact is on |
| distance_map | 3 | MSE of the 22 x 22 distances between the two people's joints, on pairs closer than 1 m in the data |
| affinity | 3 | squared distance between joints that are closer than 0.1 m in the data |
| feature_velocity | 1 | MSE of the frame-to-frame change of the normalised features, every channel |
| root | 10 | MSE of the normalised root channels: pelvis position and velocity, root rotation |
| joints | 0 (`tiny`: 10) | squared distance between the decoded body's 22 joints and the data's, meters |
| text_class | 0 | cross-entropy of the action label read from the text's condition vector (`InteractionGenerator`) |

`feature_velocity` and `root` are not InterGen's. InterGen's velocity term judges the position channels
in meters, where a per-frame error of a few centimetres costs almost nothing,
and decoding reads the rotations and the pelvis, which no term but `recon`
judges. An undertrained model's per-frame errors then come out as jitter (seen:
100 times the data's joint acceleration in the samples of a CPU-trained `tiny`).
`feature_velocity` charges an error that changes from frame to frame twice
over, in the units `recon` uses, so the model's errors become smooth in time.
It applies at every noise level: the early, noisy steps' estimates are what
the sampler builds on.

`root` singles out the 12 channels that place and turn each body. In `recon`
they are 12 of the 448 and weigh no more than a finger's rotation, yet the
evaluator reads an interaction mostly from where the two people are and how
they move about each other: with the test motions' own pelvis tracks put into
a CPU-trained `tiny` model's estimates from step 300, top-3 R-precision went
from 0.67 to 0.96. Weighted 10, the estimates from step 300 reach that
(0.38 without the term, same training).

`fingers` scales the 180 finger rotation channels (30 joints) within `recon` and
`feature_velocity`, the weights rescaled to mean 1 so that an error of the same
size on every channel costs what it did. They are 40 % of the channels; measured
at 0.2 against 1 (`tiny`, 4,000 steps, 96 test captions): top-3 R-precision 0.594
both ways, so the default stays 1.

`joints` judges the bodies a user gets. Decoding poses the default skeleton by
the rotation channels at the pelvis channel; the other position channels,
which every InterGen term reads, only feed the losses. Nothing else ties the
two, and they drift apart: in the samples of a `tiny` trained without the term,
the decoded wrists sat 30 cm on average from where the model's own position
channels put them. The term applies at every noise level, like `recon`.

`text_class` shapes the text's share of the condition vector
(`InteractionDenoiser.text_vectors`): a linear head on it is trained to name
the item's action label, on text items that have one. The diffusion loss
alone left the vectors of different classes' captions nearly parallel (in a
`tiny` trained 4,000 steps without the term, 23 of the 38 test classes'
one-line captions had another class's within cosine 0.85 after centring:
"hits" beside "bows", "massages the other's shoulder" beside "sits on the
other's leg"), while the frozen sentence embeddings keep them apart. The head
is built only when the weight is set; sampling never uses it.

Masks: padded frames never count (a pair of frames counts for a difference only
when both are real); terms on one person count only for generated persons (a
given partner is not judged); the geometric and between-people terms count only
for items noised at step t <= `geometric_max_t` (700 of 1000). Each term is the
masked mean of its squared errors; the loss is the weighted sum.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from interx.body import rotations
from interx.body.joints import BODY, PARENTS
from interx.body.kinematics import forward_kinematics
from interx.features.model_repr import PELVIS, POSITION_FEET, POSITION_JOINTS, ModelRepresentation, \
    default_rest_joints

_BONES = [(POSITION_JOINTS.index(j), POSITION_JOINTS.index(int(PARENTS[j]))) for j in POSITION_JOINTS[1:]]


@dataclass(frozen=True)
class LossConfig:
    """Weights and thresholds of the generator's losses (module doc)."""

    recon: float = 1.0
    """Weight of the feature reconstruction term."""
    velocity: float = 30.0
    """Weight of the joint velocity term."""
    bone: float = 10.0
    """Weight of the bone length term."""
    foot: float = 30.0
    """Weight of the foot contact (no sliding) term."""
    distance_map: float = 3.0
    """Weight of the between-people distance-map term."""
    affinity: float = 3.0
    """Weight of the between-people joint-affinity term."""
    geometric_max_t: int = 700
    """Geometric and between-people terms apply to items noised at step t <= this."""
    distance_map_range: float = 1.0
    """Distance-map term: joint pairs closer than this in the data (meters)."""
    affinity_range: float = 0.1
    """Affinity term: joint pairs closer than this in the data (meters)."""
    feature_velocity: float = 1.0
    """Weight of the frame-to-frame change of the normalised features (module doc)."""
    root: float = 10.0
    """Weight of the MSE of the root channels (pelvis position and velocity, root rotation; module doc)."""
    fingers: float = 1.0
    """Weight of each finger rotation channel relative to the others in `recon` and `feature_velocity`."""
    joints: float = 0.0
    """Weight of the squared distance between the decoded body's joints and the data's (module doc)."""
    text_class: float = 0.0
    """Weight of the cross-entropy of an action classifier on the text's condition vector (module doc)."""


def _masked_mean(err: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """sum(err * weight) / sum(weight) with weight broadcast to err (0 when nothing counts)."""
    weight = weight.expand_as(err).to(err.dtype)
    return (err * weight).sum() / weight.sum().clamp(min=1.0)


def _denormalized(features: torch.Tensor, channels: slice, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Normalised (B, T, 2, D) -> the given channels in their own units (meters, contact flags)."""
    return features[..., channels] * std[channels] + mean[channels]


def _positions(features: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, rep: ModelRepresentation) -> torch.Tensor:
    """Normalised (B, T, 2, D) -> (B, T, 2, 22, 3) joint positions in meters."""
    return _denormalized(features, rep.positions, mean, std).reshape(*features.shape[:-1], len(POSITION_JOINTS), 3)


def _decoded_joints(features: torch.Tensor, pelvis: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
                    rep: ModelRepresentation) -> torch.Tensor:
    """Normalised (B, T, 2, D) -> (B, T, 2, 22, 3) body joints as decoding poses them, meters.

    The default skeleton posed by the rotation channels with its pelvis at `pelvis`
    (B, T, 2, 3), the pelvis position channel (decoding also fuses in the velocity;
    the loss need not).
    """
    lead = features.shape[:-1]
    sixd = _denormalized(features, rep.rotations, mean, std).reshape(*lead, len(rep.rotation_joints), 6)
    rest = torch.as_tensor(default_rest_joints()[:len(BODY)], dtype=features.dtype, device=features.device)
    joints, _ = forward_kinematics(rotations.sixd_to_mat(sixd[..., :len(BODY), :]), rest, PARENTS,
                                   need_rotations=False)
    return joints + (pelvis - rest[PELVIS])[..., None, :]


def generator_losses(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, t: torch.Tensor,
                     generated: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, rep: ModelRepresentation,
                     cfg: LossConfig) -> dict[str, torch.Tensor]:
    """All terms and their weighted sum `loss` (module doc).

    Args:
        pred, target: (B, T, 2, D) normalised features.
        mask: (B, T) bool, real frames.
        t: (B,) diffusion steps the items were noised at.
        generated: (B, 2) bool, persons the model generated (False for a given partner).
        mean, std: (D,) normalisation statistics.
    """
    frame_w = mask[:, :, None].float() * generated[:, None, :].float()                 # (B, T, 2)
    pair_w = (mask[:, 1:] & mask[:, :-1])[:, :, None].float() * generated[:, None, :].float()  # (B, T-1, 2)
    geo = (t <= cfg.geometric_max_t).float()                                           # (B,)
    channel_w = torch.ones(pred.shape[-1], dtype=pred.dtype, device=pred.device)
    channel_w[rep.finger_channels] = cfg.fingers
    channel_w = channel_w / channel_w.mean()                                           # a uniform error keeps its cost
    losses = {"recon": _masked_mean(channel_w * (pred - target) ** 2, frame_w[..., None])}
    step_error = (pred[:, 1:] - pred[:, :-1]) - (target[:, 1:] - target[:, :-1])          # (B, T-1, 2, D)
    losses["feature_velocity"] = _masked_mean(channel_w * step_error ** 2, pair_w[..., None])
    root = rep.root_channels
    losses["root"] = _masked_mean((pred[..., root] - target[..., root]) ** 2, frame_w[..., None])

    pos_p, pos_t = _positions(pred, mean, std, rep), _positions(target, mean, std, rep)  # (B, T, 2, 22, 3)
    if cfg.joints:
        decoded = _decoded_joints(pred, pos_p[..., POSITION_JOINTS.index(PELVIS), :], mean, std, rep)
        losses["joints"] = _masked_mean(((decoded - pos_t) ** 2).sum(-1), frame_w[..., None])
    vel_p, vel_t = pos_p[:, 1:] - pos_p[:, :-1], pos_t[:, 1:] - pos_t[:, :-1]
    geo_pair = (pair_w * geo[:, None, None])[..., None, None]
    losses["velocity"] = _masked_mean((vel_p - vel_t) ** 2, geo_pair)

    child, parent = [c for c, _ in _BONES], [p for _, p in _BONES]
    bone_p = (pos_p[..., child, :] - pos_p[..., parent, :]).norm(dim=-1)               # (B, T, 2, 21)
    bone_t = (pos_t[..., child, :] - pos_t[..., parent, :]).norm(dim=-1)
    losses["bone"] = _masked_mean((bone_p - bone_t) ** 2, (frame_w * geo[:, None, None])[..., None])

    contact = _denormalized(target, rep.contacts, mean, std)[:, :-1] > 0.5            # (B, T-1, 2, 4)
    foot_speed2 = (vel_p[..., POSITION_FEET, :] ** 2).sum(-1)                           # (B, T-1, 2, 4)
    losses["foot"] = _masked_mean(foot_speed2, contact.float() * geo_pair[..., 0])

    dist_p = torch.cdist(pos_p[:, :, 0], pos_p[:, :, 1])                               # (B, T, 22, 22)
    dist_t = torch.cdist(pos_t[:, :, 0], pos_t[:, :, 1])
    any_generated = generated.any(dim=1).float()
    pair_frames = (mask.float() * (geo * any_generated)[:, None])[:, :, None, None]    # (B, T, 1, 1)
    losses["distance_map"] = _masked_mean((dist_p - dist_t) ** 2,
                                          pair_frames * (dist_t < cfg.distance_map_range).float())
    losses["affinity"] = _masked_mean(dist_p ** 2, pair_frames * (dist_t < cfg.affinity_range).float())

    weights = {"recon": cfg.recon, "velocity": cfg.velocity, "bone": cfg.bone, "foot": cfg.foot,
               "distance_map": cfg.distance_map, "affinity": cfg.affinity, "feature_velocity": cfg.feature_velocity,
               "root": cfg.root, "joints": cfg.joints}
    losses["loss"] = sum(weights[k] * losses[k] for k in weights if k in losses)
    return losses
