"""Contacts, penetration and timing of synthetic interactions, measured on the written files.

The sequences are written with the raw-release writer, read back through the
readers and posed with the default (built-in) skeleton; gaps are measured with
the evaluation package's capsule geometry, independent of the generator's own.
"""

from __future__ import annotations

import numpy as np
import pytest

from interx.body.capsules import CAPSULE_NAMES, capsule_segments
from interx.body.joints import JOINT_INDEX
from interx.body.model import interaction_joints
from interx.data.raw import RawRelease, write_release
from interx.data.synth import synthesize_sequences
from interx.eval.interaction import capsule_gaps, pair_capsule_gaps

HANDSHAKE, HIGH_FIVE, HUG, PUSH, WAVE, WALK_TOWARDS = 1, 16, 0, 7, 2, 13
CONTACT_CLASSES = (HANDSHAKE, HIGH_FIVE, HUG, PUSH)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Two of each contact class plus a wave and a walk, short, written and read back: [(joints, meta)]."""
    root = tmp_path_factory.mktemp("synth_contacts")
    made = synthesize_sequences([*CONTACT_CLASSES, *CONTACT_CLASSES, WAVE, WALK_TOWARDS], seed=3, target=2.0)
    write_release(root, (interaction for interaction, _ in made))
    release = RawRelease(root)
    return [(interaction_joints(release.read(meta.name)), meta, release.read(meta.name)) for _, meta in made]


def _contact_gaps(joints: np.ndarray, record) -> np.ndarray:
    """(F,) smallest gap between the record's capsules of its person and the partner's, on its frames."""
    starts, ends, radii = capsule_segments(joints[record.frames].astype(np.float64))     # (F, 2, C, 3)
    mine = [CAPSULE_NAMES.index(n) for n in record.capsules]
    theirs = [CAPSULE_NAMES.index(n) for n in record.partner_capsules]
    p, q = record.person, 1 - record.person
    gaps = capsule_gaps(starts[:, p, mine], ends[:, p, mine], radii[mine],
                        starts[:, q, theirs], ends[:, q, theirs], radii[theirs])
    return gaps.min(axis=(1, 2))


def test_contact_classes_touch_on_their_contact_frames(written):
    seen = set()
    for joints, meta, _ in written:
        if meta.action not in CONTACT_CLASSES:
            continue
        assert meta.contacts, meta.name
        for record in meta.contacts:
            assert record.frames.size >= 3, (meta.name, record)
            gaps = _contact_gaps(joints, record)
            assert gaps.max() <= 0.01, (meta.name, record.capsules, gaps.max())
            assert gaps.min() >= -0.02, (meta.name, record.capsules, gaps.min())
        seen.add(meta.action)
    assert seen == set(CONTACT_CLASSES)


def test_handshake_and_high_five_touch_hand_to_hand_with_the_hand_the_texts_name(written):
    for joints, meta, interaction in written:
        if meta.action not in (HANDSHAKE, HIGH_FIVE):
            continue
        hand = meta.facts["hand"]
        records = [r for r in meta.contacts if r.capsules == (f"{hand}_hand",)]
        assert records and all(r.partner_capsules == (f"{hand}_hand",) for r in records), meta.name
        if meta.action == HANDSHAKE:
            assert f"{hand} hand" in " ".join(interaction.texts).lower()


def test_hug_hands_rest_on_the_partner_torso(written):
    for joints, meta, _ in written:
        if meta.action == HUG:
            hands = {(r.person, r.capsules) for r in meta.contacts if r.capsules[0].endswith("_hand")}
            assert hands == {(p, (f"{s}_hand",)) for p in (0, 1) for s in ("left", "right")}
            assert all(set(r.partner_capsules) <= {"chest", "abdomen"} for r in meta.contacts)


def test_bodies_never_sink_more_than_two_centimetres(written):
    for joints, meta, _ in written:
        depth = np.maximum(-pair_capsule_gaps(joints.astype(np.float64)).min(axis=(-2, -1)), 0.0)
        assert depth.max() <= 0.02, (meta.name, depth.max())


def _onset(track: np.ndarray, start: int, fps: float = 120.0, threshold: float = 0.1) -> int:
    speed = np.linalg.norm(np.diff(track, axis=0), axis=-1) * fps
    return start + int(np.flatnonzero(speed[start:] > threshold)[0])


def test_reactor_answers_two_to_six_tenths_of_a_second_after_the_cue(written):
    for joints, meta, _ in written:
        t = meta.timing
        start = t.cue_frame - 30      # a quarter second before the cue: both are still then
        actor = _onset(joints[:, meta.actor, JOINT_INDEX[t.actor_joint]], start)
        reactor = _onset(joints[:, 1 - meta.actor, JOINT_INDEX[t.reactor_joint]], start)
        lag = (reactor - actor) / 120.0
        assert 0.2 <= lag <= 0.6, (meta.name, lag)
        assert abs(lag - t.lag_frames / 120.0) < 0.12, (meta.name, lag, t.lag_frames / 120.0)
        assert abs(actor - t.cue_frame) <= 20, (meta.name, actor, t.cue_frame)
