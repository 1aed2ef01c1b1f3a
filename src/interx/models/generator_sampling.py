"""Sampling from a trained generator: prompts in, Inter-X sequences out.

A `Prompt` asks for a text, an action label, a reaction to an actor, or a
combination (a reaction with a text). Each prompt gives `num` samples; all
samples with the same kind of conditions are batched together (`batch_size`).

Randomness: sample k of prompt p starts from noise drawn by its own generator
seeded with (seed, p, k), so a sample does not depend on what it was batched
with, and the same seed gives the same bytes in any fresh process (with
MKL_CBWR=COMPATIBLE on CPU).

Person order: a model trained with the actor first (`GeneratorDataConfig.actor_first`,
the default) on data that names actors generates the actor as P1, and the
written interaction order says so (`Interaction.actor` = 0); other models'
samples leave it unknown.

Guidance: one scale `guidance` for the prompt's text, or its action label when
it has no text; the actor of a reaction is always given (not guided).

Reactions: the actor (any frame rate) is resampled to 30 fps and moved into its
own canonical frame (pelvis at x = z = 0 facing +z at frame 0, floor at y = 0);
the reactor is generated there and moved back, so the output pair sits in the
actor's original frame with P1 the actor exactly as given (its own body) and P2
the generated reactor (default body). An actor longer than the model's window
(`GeneratorConfig.window`: its training windows' length) is generated window by window: windows of that length
overlapping by `overlap` frames (default a tenth of the window), each re-canonicalised at its first frame; the
reactor's frames in the overlap (but the last, whose velocity would need the
next frame) are pinned to those of the previous window, and the new frames are
appended.

Smoothing: the network's estimate jitters from frame to frame (a CPU-trained
`tiny`'s decoded body joints: mean jerk 516 m/s^3 against the data's 20), so
the generated features are low-passed along time (`smooth_hz`, a zero-phase
Butterworth filter at 6 Hz, as `interx quality` cleans finger jitter) before
decoding; the rotations are re-orthonormalised by decoding.

Floor: a sample's body can come out with a knee or a foot under the floor
(a tiny CPU-trained model sank a kneeling leg up to 0.6 m). With `floor` on
(the default) every generated body is raised by at least the depth of its
deepest joint on the frames where one is under the floor (y = 0 in the
canonical frame), eased in and out over the `FLOOR_RAMP` frames on either side
(`model_repr.floor_lift`); frames farther away are left as decoded, and a
given actor is never moved.

Output names (`sequence_name`): `G{900 + p // 1000}T{p % 1000}A{action}R{k}`
with p the prompt's index and k the sample's; the action field is the prompt's
action label, or the action of the reaction's source sequence when its folder
has an Inter-X name, else 000. Texts written: the prompt's text, else the
class name of that action field (e.g. "Hug.").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from interx.body.kinematics import forward_kinematics
from interx.body.model import BuiltinBody
from interx.body.rotations import aa_to_mat
from interx.data.classes import ACTION_NAMES
from interx.data.names import format_name, parse_name
from interx.data.safe_io import write_json
from interx.data.types import MODEL_FPS, RAW_FPS, Interaction, PersonMotion
from interx.datasets.interaction import trained_conditions
from interx.errors import InterxError, UsageError
from interx.eval.quality import lowpass
from interx.features import model_repr as mr
from interx.features.frames import canonical_transform, invert_transform
from interx.features.resample import resample_person
from interx.models.diffusion.denoiser import Conditions
from interx.models.generator_train import LoadedGenerator

MAX_PROMPTS = 100_000
MAX_SAMPLES = 1000
MANIFEST = "generation.json"


@dataclass(frozen=True)
class Prompt:
    """What to generate: any combination of a text, an action label (0-39) and an actor to react to.

    frames: length in frames at 30 fps (default: the options' frames; a
    reaction takes its actor's length). source: the actor's sequence name, when known.
    """

    text: str | None = None
    action: int | None = None
    actor: PersonMotion | None = None
    frames: int | None = None
    source: str | None = None

    def kind(self) -> tuple[bool, bool, bool]:
        return self.text is not None, self.action is not None, self.actor is not None


@dataclass(frozen=True)
class SamplingOptions:
    """How to sample."""

    num: int = 1
    """Samples per prompt."""
    seed: int = 0
    """Seed of every sample's noise."""
    guidance: float | None = None
    """Guidance scale (None: the model's default, 3.5 for the presets)."""
    steps: int | None = None
    """DDIM steps (None: the model's default, 50)."""
    eta: float = 0.0
    """DDIM eta (0: deterministic given the seed)."""
    frames: int = 150
    """Length in frames at 30 fps of prompts without an actor (150 = 5 s)."""
    batch_size: int = 32
    """Samples generated together."""
    overlap: int | None = None
    """Reaction windows overlap by this many frames (long actors); None: a tenth of the window (30 of 300)."""
    floor: bool = True
    """Raise each generated body out of the floor on the frames where a joint went under it (module doc)."""
    smooth_hz: float = 6.0
    """Low-pass cutoff of the generated features along time (module doc); 0 turns it off."""


@dataclass
class Generated:
    """One generated sample: its prompt index, sample index and features (T, 2, D) at 30 fps (canonical frame).

    transform: for a reaction, the (4,) transform from the actor's world frame to
    the canonical frame the features are in (None: the features' own frame is the output frame).
    """

    prompt: int
    sample: int
    features: np.ndarray
    transform: np.ndarray | None = None


def _noise(seed: int, prompt: int, sample: int, start: int, frames: int, dim: int) -> torch.Tensor:
    """(frames, 2, dim) starting noise of one sample (one reaction window starting at frame `start`)."""
    state = np.random.SeedSequence([seed, prompt, sample, start]).generate_state(1)[0]
    return torch.randn(frames, 2, dim, generator=torch.Generator().manual_seed(int(state)))


def actor_parameters(actor: PersonMotion) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An actor at 30 fps in its own canonical frame: pose (T, 55, 3), pelvis (T, 3), transform (4,)."""
    actor30 = resample_person(actor, MODEL_FPS)
    rest = BuiltinBody().rest_joints(actor30.betas, actor30.gender)                # its own body
    joints, _ = forward_kinematics(aa_to_mat(actor30.full_pose()), rest, need_rotations=False)
    joints = joints + actor30.trans[:, None]                                       # (T, 55, 3)
    transform = canonical_transform(joints[:, None])
    pose, pelvis = mr.move_parameters(actor30.full_pose(), joints[:, 0], transform)
    return pose, pelvis, transform


def _batches(items: list[tuple[int, int]], prompts: Sequence[Prompt], size: int) -> list[list[tuple[int, int]]]:
    """(prompt, sample) pairs grouped by the kind of their prompt, in order, cut into batches."""
    groups: dict[tuple, list] = {}
    for item in items:
        groups.setdefault(prompts[item[0]].kind(), []).append(item)
    return [g[i:i + size] for g in groups.values() for i in range(0, len(g), size)]


def _read(loaded: LoadedGenerator, prompt: Prompt) -> tuple[bool, bool]:
    """Whether the model reads the prompt's text and its action label: only conditions its task trained.

    A model trained on texts alone never learned its action embeddings (random
    vectors that would swamp the condition), so a label given beside a text
    (as the evaluation protocols give it) is left out.
    """
    trained = trained_conditions(loaded.config.data.task)
    return prompt.text is not None and "text" in trained, prompt.action is not None and "action" in trained


def _guidance(reads: tuple[bool, bool], scale: float) -> dict[str, float]:
    if reads[0]:
        return {"text": scale}
    if reads[1]:
        return {"action": scale}
    return {}


def _run_batch(loaded: LoadedGenerator, prompts: Sequence[Prompt], items: list[tuple[int, int]],
               lengths: list[int], actors: list[np.ndarray | None], known: list[np.ndarray | None],
               options: SamplingOptions, generator: torch.Generator, start: int = 0) -> list[np.ndarray]:
    """Sample one batch; actors: person-0 features (T_i, D) or None; known: person-1 features pinned (frames, D)."""
    model = loaded.model
    device = model.mean.device
    dim = model.rep.dim
    frames = max(lengths)
    b = len(items)
    kind = prompts[items[0][0]]
    mask = torch.zeros(b, frames, dtype=torch.bool)
    noise = torch.zeros(b, frames, 2, dim)
    for i, ((p, k), n) in enumerate(zip(items, lengths)):
        mask[i, :n] = True
        noise[i, :n] = _noise(options.seed, p, k, start, n, dim)
    cond = Conditions(batch=b)
    reads = _read(loaded, kind)
    if reads[0]:
        enc = loaded.text_encoder.encode([prompts[p].text for p, _ in items])
        cond = replace(cond, text=enc.sentence, tokens=enc.tokens, token_mask=enc.mask)
    if reads[1]:
        cond = replace(cond, action=torch.as_tensor([prompts[p].action for p, _ in items], dtype=torch.int64))
    known_pair = None
    if kind.actor is not None:
        partner = torch.zeros(b, frames, dim)
        values = torch.zeros(b, frames, 2, dim)
        pinned = torch.zeros(b, frames, 2, 1, dtype=torch.bool)
        for i, (act, kn) in enumerate(zip(actors, known)):
            partner[i, :len(act)] = torch.from_numpy(act)
            if kn is not None:
                values[i, :len(kn), 1] = torch.from_numpy(kn)
                pinned[i, :len(kn), 1] = True
        cond = replace(cond, partner=model.normalize(partner.to(device)))
        known_pair = (values.to(device), pinned.to(device))
    cond = Conditions(**{k: (v.to(device) if torch.is_tensor(v) else v) for k, v in vars(cond).items()})
    scale = options.guidance if options.guidance is not None else loaded.config.guidance
    out = model.sample(cond, mask.to(device), noise.to(device), guidance=_guidance(reads, scale), steps=options.steps,
                       eta=options.eta, generator=generator, known=known_pair)
    return [out[i, :n].float().cpu().numpy() for i, n in enumerate(lengths)]


def _smoothed(features: np.ndarray, options: SamplingOptions) -> np.ndarray:
    """Features (T, ...) at 30 fps low-passed along time at `options.smooth_hz` (unchanged when 0)."""
    if not options.smooth_hz:
        return features
    return lowpass(features, MODEL_FPS, options.smooth_hz).astype(np.float32)


def generate(loaded: LoadedGenerator, prompts: Sequence[Prompt], options: SamplingOptions) -> list[Generated]:
    """Generate `options.num` samples for every prompt (module doc); returned in (prompt, sample) order."""
    if not prompts:
        raise UsageError("nothing to generate: no prompt given")
    if len(prompts) > MAX_PROMPTS or not 1 <= options.num <= MAX_SAMPLES:
        raise UsageError(f"at most {MAX_PROMPTS} prompts and 1-{MAX_SAMPLES} samples per prompt")
    config = loaded.config
    window = config.window
    for prompt in prompts:
        if prompt.action is not None and not 0 <= prompt.action < config.denoiser.num_actions:
            raise UsageError(f"action must be 0-{config.denoiser.num_actions - 1}, not {prompt.action}")
        if (prompt.text is not None or prompt.action is not None) and prompt.actor is None \
                and not any(_read(loaded, prompt)):
            given = "a text" if prompt.text is not None else "an action label"
            raise UsageError(f"this model was trained for task {config.data.task!r}: it cannot read {given}")
        length = prompt.frames or options.frames
        if prompt.actor is None and not 1 <= length <= window:
            raise UsageError(f"length must be 1-{window} frames at 30 fps for this model, not {length}")
    if not 0 <= options.smooth_hz < MODEL_FPS / 2:
        raise UsageError(f"smoothing cutoff must be 0 (off) or below {MODEL_FPS / 2:g} Hz, not {options.smooth_hz:g}")
    if options.overlap is None:
        options = replace(options, overlap=max(window // 10, 1))
    if not 0 <= options.overlap < window // 2:
        raise UsageError(f"window overlap must be 0-{window // 2 - 1} frames, not {options.overlap}")
    generator = torch.Generator(device=loaded.model.mean.device).manual_seed(options.seed)
    items = [(p, k) for p in range(len(prompts)) for k in range(options.num)]
    results: dict[tuple[int, int], Generated] = {}
    actors = {p: actor_parameters(pr.actor) for p, pr in enumerate(prompts) if pr.actor is not None}
    for batch in _batches(items, prompts, options.batch_size):
        if prompts[batch[0][0]].actor is None:
            lengths = [prompts[p].frames or options.frames for p, _ in batch]
            outs = _run_batch(loaded, prompts, batch, lengths, [None] * len(batch), [None] * len(batch), options,
                              generator)
            outs = [_smoothed(f, options) for f in outs]
            if options.floor:
                outs = [mr.lifted_out_of_floor(f, loaded.model.rep) for f in outs]
            results.update({(p, k): Generated(p, k, f) for (p, k), f in zip(batch, outs)})
        else:
            results.update(_react(loaded, prompts, batch, actors, options, generator))
    return [results[item] for item in items]


def _react(loaded: LoadedGenerator, prompts: Sequence[Prompt], batch: list[tuple[int, int]], actors: dict,
           options: SamplingOptions, generator: torch.Generator) -> dict[tuple[int, int], Generated]:
    """Reactions of one batch, window by window (module doc)."""
    rep, window, overlap = loaded.model.rep, loaded.config.window, options.overlap
    total = {item: len(actors[item[0]][0]) for item in batch}
    reactor = {item: (np.zeros((n, 55, 3), np.float32), np.zeros((n, 3), np.float32)) for item, n in total.items()}
    start = 0
    while True:
        active = [item for item in batch if start == 0 or total[item] > start + overlap]
        if not active:
            break
        lengths, act_feats, known, transforms = [], [], [], []
        for item in active:
            pose, pelvis, _ = actors[item[0]]
            stop = min(start + window, total[item])
            pair_pose = np.stack([pose[start:stop], reactor[item][0][start:stop]], axis=1)
            pair_pelvis = np.stack([pelvis[start:stop], reactor[item][1][start:stop]], axis=1)
            pair_pose, pair_pelvis, transform = mr.recanonicalise(pair_pose, pair_pelvis)
            feats = mr.encode_parameters(pair_pose, pair_pelvis, rep)
            lengths.append(stop - start)
            act_feats.append(feats[:, 0])
            known.append(feats[:overlap - 1, 1] if start > 0 and overlap > 1 else None)
            transforms.append(transform)
        outs = _run_batch(loaded, prompts, active, lengths, act_feats, known, options, generator, start)
        for item, feats, transform, n in zip(active, outs, transforms, lengths):
            pose, trans = mr.decode(_smoothed(feats[:, 1], options), rep)
            pelvis = trans + mr.default_rest_joints()[mr.PELVIS]
            if options.floor:
                pelvis[:, 1] += mr.floor_lift(pose, pelvis)
            pose, pelvis = mr.move_parameters(pose, pelvis, invert_transform(transform))
            keep = slice(overlap if start > 0 else 0, n)
            reactor[item][0][start + keep.start:start + n] = pose[keep]
            reactor[item][1][start + keep.start:start + n] = pelvis[keep]
        start += window - overlap
        if all(total[item] <= start + overlap for item in batch):
            break
    out = {}
    for item in batch:
        pose, pelvis, transform = actors[item[0]]
        pair_pose = np.stack([pose, reactor[item][0]], axis=1)
        pair_pelvis = np.stack([pelvis, reactor[item][1]], axis=1)
        out[item] = Generated(item[0], item[1], mr.encode_parameters(pair_pose, pair_pelvis, rep), transform)
    return out


def parse_prompt_line(line: str, where: str) -> Prompt | None:
    """One line of a prompts file: `action: ID` (or a class name), `reaction: PATH [| text]`, or a text.

    Blank lines and lines starting with '#' give None. PATH is a person's npz
    (relative paths are taken from the folder of the prompts file by the caller).
    """
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    kind, _, rest = line.partition(":")
    kind = kind.strip().lower()
    if kind == "action":
        value = rest.strip()
        names = [n.lower() for n in ACTION_NAMES]
        if value.isdigit():
            return Prompt(action=int(value))
        if value.lower() in names:
            return Prompt(action=names.index(value.lower()))
        raise UsageError(f"{where}: unknown action {value!r} (an id 0-39 or a class name)")
    if kind == "reaction":
        path, _, text = rest.partition("|")
        return Prompt(text=text.strip() or None, source=path.strip())
    return Prompt(text=line)


def read_prompts(path: Path | str) -> list[Prompt]:
    """Prompts from a UTF-8 file, one per line (`parse_prompt_line`); reaction actors are read here."""
    from interx.data.raw import read_person
    from interx.data.safe_io import decode_utf8, read_text_bytes

    path = Path(path)
    prompts = []
    for number, line in enumerate(decode_utf8(read_text_bytes(path), path).split("\n"), start=1):
        prompt = parse_prompt_line(line, f"{path}:{number}")
        if prompt is not None and prompt.source is not None and prompt.actor is None:
            actor_path = Path(prompt.source)
            actor_path = actor_path if actor_path.is_absolute() else path.parent / actor_path
            prompt = replace(prompt, actor=read_person(actor_path), source=actor_path.parent.name)
        if prompt is not None:
            prompts.append(prompt)
    return prompts


@dataclass(frozen=True)
class PromptSet:
    """Prompts asked for on a command line, and the length asked for (frames at 30 fps, or None)."""

    prompts: list[Prompt]
    frames: int | None


def prompts_from_options(text: str | None = None, action: int | None = None, reaction_to: Path | str | None = None,
                         prompts_file: Path | str | None = None, frames: int | None = None,
                         seconds: float | None = None, fps_out: float = RAW_FPS) -> PromptSet:
    """The prompts of `interx generate`'s options: one prompt from --text/--action/--reaction-to
    (combinable), or a --prompts file; --frames or --seconds (not both)."""
    from interx.data.raw import read_person

    if frames is not None and seconds is not None:
        raise UsageError("give --frames or --seconds, not both")
    if seconds is not None:
        if seconds <= 0:
            raise UsageError(f"--seconds must be positive, not {seconds:g}")
        frames = max(int(round(seconds * MODEL_FPS)), 1)
    if frames is not None and frames <= 0:
        raise UsageError(f"--frames must be positive, not {frames}")
    if fps_out <= 0:
        raise UsageError(f"--fps-out must be positive, not {fps_out:g}")
    single = text is not None or action is not None or reaction_to is not None
    if prompts_file is not None:
        if single:
            raise UsageError("give --prompts alone, or --text/--action/--reaction-to, not both")
        return PromptSet(read_prompts(prompts_file), frames)
    if not single:
        raise UsageError("say what to generate: --text, --action, --reaction-to or --prompts")
    actor = read_person(reaction_to) if reaction_to is not None else None
    source = Path(reaction_to).parent.name if reaction_to is not None else None
    return PromptSet([Prompt(text=text, action=action, actor=actor, source=source)], frames)


def sequence_name(prompt_index: int, sample: int, action: int) -> str:
    """The output name of sample `sample` of prompt `prompt_index` (module doc)."""
    return format_name(900 + prompt_index // 1000, prompt_index % 1000, action, sample)


def _name_action(prompt: Prompt) -> int:
    if prompt.action is not None:
        return prompt.action
    if prompt.source is not None:
        try:
            return parse_name(prompt.source).action
        except InterxError:
            return 0
    return 0


def to_interactions(loaded: LoadedGenerator, prompts: Sequence[Prompt], samples: Sequence[Generated],
                    fps_out: float = RAW_FPS) -> list[Interaction]:
    """The samples as Interactions at `fps_out` (named and described as the module doc says).

    A reaction's P1 is its actor as given (at `fps_out`), P2 the generated reactor
    moved back into the actor's frame; both are cut to the same frame count.
    """
    out = []
    for s in samples:
        prompt = prompts[s.prompt]
        action = _name_action(prompt)
        texts = (prompt.text,) if prompt.text is not None else (f"{ACTION_NAMES[action]}.",)
        name = sequence_name(s.prompt, s.sample, action)
        meta = {"prompt": s.prompt, "sample": s.sample}
        inter = mr.to_interaction(s.features, loaded.model.rep, name, texts, prompt.action if prompt.action
                                  is not None else -1, fps_out, meta)
        if prompt.actor is not None:
            reactor = _to_world(inter.persons[1], s.transform)
            actor = prompt.actor if prompt.actor.fps == fps_out else resample_person(prompt.actor, fps_out)
            frames = min(actor.num_frames, reactor.num_frames)
            inter = replace(inter, persons=(actor.frames(slice(0, frames)), reactor.frames(slice(0, frames))),
                            actor=0)
        elif loaded.actor_first:
            inter = replace(inter, actor=0)
        out.append(inter)
    return out


def _to_world(person: PersonMotion, transform: np.ndarray) -> PersonMotion:
    """A default-body person moved from a canonical frame back by the inverse of `transform`."""
    pose = person.full_pose()
    pelvis = person.trans + mr.default_rest_joints()[mr.PELVIS]
    pose, pelvis = mr.move_parameters(pose, pelvis, invert_transform(transform))
    return PersonMotion.from_full_pose(pose, pelvis - mr.default_rest_joints()[mr.PELVIS], person.betas,
                                       person.gender, person.fps)


def write_generated(out_dir: Path | str, loaded: LoadedGenerator, prompts: Sequence[Prompt],
                    samples: Sequence[Generated], options: SamplingOptions, fps_out: float = RAW_FPS) -> list[str]:
    """Write the samples as a valid Inter-X folder (all in the test split; train and val empty) plus generation.json.

    Returns the names written. A non-empty `out_dir` is refused.
    """
    from interx.data.raw import write_release

    interactions = to_interactions(loaded, prompts, samples, fps_out)
    names = [i.name for i in interactions]
    write_release(out_dir, interactions, splits={"train": [], "val": [], "test": names})
    write_json(Path(out_dir) / MANIFEST, {
        "checkpoint": str(loaded.checkpoint.json_path), "step": loaded.checkpoint.step,
        "seed": options.seed, "guidance": options.guidance if options.guidance is not None else loaded.config.guidance,
        "steps": options.steps or loaded.config.sampling_steps, "eta": options.eta, "fps": fps_out,
        "floor": options.floor, "smooth_hz": options.smooth_hz,
        "sequences": [{"name": i.name, "prompt": s.prompt, "sample": s.sample, "text": prompts[s.prompt].text,
                       "action": prompts[s.prompt].action, "reaction_to": prompts[s.prompt].source,
                       "frames": i.num_frames} for i, s in zip(interactions, samples)],
    })
    return names
