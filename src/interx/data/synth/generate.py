"""One synthetic sequence: draw its parameters, run its class's choreography, check it, describe it.

A sequence whose scene fails a check (`scene.Reject`) is drawn again with the
next attempt number; every draw comes from a generator seeded by (release
seed, sequence index, attempt), so a sequence is the same whichever worker
makes it and whatever else is made.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interx.data.synth.choreo import CHOREOGRAPHIES, Context
from interx.data.synth.plan import Group, Planned, target_length
from interx.data.synth.rig import Rig
from interx.data.synth.scene import ContactRecord, Reject, Timing
from interx.data.synth.texts import describe
from interx.data.types import MODEL_FPS, Interaction

MAX_ATTEMPTS = 60
LEAD = (0.3, 1.2)        # s of stillness before the actor's cue
LAG = (0.25, 0.5)        # s from the cue to the reactor's answer (the promise is 0.2-0.6 s, as measured)
TEMPO = (0.85, 1.2)
AMPLITUDE = (0.8, 1.2)


class SynthFailure(RuntimeError):
    """No draw of a sequence passed the checks (rare: some body-size pairs make a class hard to stage)."""


@dataclass(frozen=True)
class SynthMeta:
    """What the generator knows about a sequence beyond its files (frames at 120 fps).

    Attributes:
        actor: 0 when P1 acts (as interaction_order.pkl records it), 1 when P2 does.
        timing: the actor's cue frame and joint, the reactor's lag (frames) and joint.
        contacts: the declared contacts and their frames.
        facts: the parameters the texts describe (hand, repetitions, ...).
        attempts: draws it took (1 = the first passed every check).
        checks: the worst contact gap, deepest penetration (m) and measured lag (s).
    """

    name: str
    action: int
    actor: int
    timing: Timing
    contacts: tuple[ContactRecord, ...]
    facts: dict
    attempts: int
    checks: dict


def draw_context(rng: np.random.Generator, group: Group, rigs: tuple[Rig, Rig], target: float | None = None) -> Context:
    """The per-sequence parameters (length `target` seconds if given, else drawn); the more extraverted
    performer acts first more often."""
    extraversion = group.big_five[:, 2]
    p1_acts = 1.0 / (1.0 + np.exp(-(float(extraversion[0]) - float(extraversion[1]))))
    return Context(
        rng=rng, fps=MODEL_FPS, rigs=rigs, genders=group.genders, actor=0 if rng.random() < p1_acts else 1,
        hands=group.hands, target=target_length(rng) if target is None else float(target),
        lead=float(rng.uniform(*LEAD)), lag=float(rng.uniform(*LAG)),
        tempo=float(rng.uniform(*TEMPO)), amplitude=float(rng.uniform(*AMPLITUDE)), familiarity=group.familiarity)


def make_sequence(planned: Planned, group: Group, seed: int,
                  target: float | None = None) -> tuple[Interaction, SynthMeta]:
    """The interaction (120 fps, texts, actor, familiarity) and its metadata for one planned sequence.

    `target` asks for a length in seconds (the moves may need more); by default it is drawn.
    """
    rigs = (Rig.from_betas(group.betas[0]), Rig.from_betas(group.betas[1]))
    choreography = CHOREOGRAPHIES[planned.action]
    for attempt in range(MAX_ATTEMPTS):
        rng = np.random.default_rng([seed, planned.index, attempt])
        try:
            result = choreography(draw_context(rng, group, rigs, target)).finish()
        except Reject:
            continue
        texts = describe(planned.action, result.facts, rng)
        interaction = Interaction(name=planned.name, persons=result.persons, texts=texts, action=planned.action,
                                  familiarity=group.familiarity, actor=result.actor)
        meta = SynthMeta(planned.name, planned.action, result.actor, result.timing, result.contacts, result.facts,
                         attempt + 1, result.checks)
        return interaction, meta
    raise SynthFailure(f"{planned.name}: no draw passed the checks in {MAX_ATTEMPTS} attempts")


def synthesize_sequences(actions: list[int], seed: int = 0, target: float | None = None,
                         group: int = 1) -> list[tuple[Interaction, SynthMeta]]:
    """One sequence per class in `actions` (repetitions numbered per class), all by the same pair of
    performers (`group`), in memory: for demos and tests that need particular classes."""
    from interx.data.names import format_name
    from interx.data.synth.plan import make_groups

    performers = make_groups(1, group, seed)[0]
    made, reps = [], {}
    for index, action in enumerate(actions):
        rep = reps[action] = reps.get(action, -1) + 1
        planned = Planned(format_name(group, 0, action, rep), int(action), 0, index)
        made.append(make_sequence(planned, performers, seed, target))
    return made
