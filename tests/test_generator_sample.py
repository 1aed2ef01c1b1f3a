"""Sampling: same seed same bytes across processes, valid Inter-X output, reactions (long ones by windows)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from generator_fixtures import interx_command, tiny_cache, trained_run

from interx.data.raw import read_interaction, read_person
from interx.data.safe_io import read_npz, write_npz
from interx.data.types import PersonMotion
from interx.data.validate import validate_release
from interx.errors import UsageError
from interx.eval.interaction import jitter
from interx.eval.protocols import MODEL_FPS, GenerationRequest, ModelGenerator
from interx.eval.quality import lowpass
from interx.features import model_repr as mr
from interx.features.cache import open_cache
from interx.models.generator_sampling import (Prompt, SamplingOptions, generate, parse_prompt_line,
                                              prompts_from_options, read_prompts, sequence_name, to_interactions,
                                              write_generated)
from interx.models.generator_train import load_generator, samples_name_the_actor

TEXT = "two people shake hands"   # in the run's text store: no encoder is loaded


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tmp_path_factory.getbasetemp()


@pytest.fixture(scope="module")
def loaded(base):
    return load_generator(trained_run(base))


@pytest.fixture(scope="module")
def actor_file(base):
    return tiny_cache(base).parent / "release" / "motions" / "G001T000A001R000" / "P1.npz"


def _arrays(folder):
    return {p.relative_to(folder).as_posix(): (read_npz(p) if p.suffix == ".npz" else p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "generation.json"}


def test_the_same_seed_gives_the_same_files_in_fresh_processes(base, tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        done = interx_command("generate", "--checkpoint", str(trained_run(base)), "--text", TEXT, "--action", "1",
                              "--num", "2", "--steps", "4", "--frames", "12", "--seed", "5", "--out", str(out))
        assert done.returncode == 0, done.stderr[-2000:]
        assert "G900T000A001R000" in done.stdout and "s per sequence" in done.stdout
        outs.append(_arrays(out))
    assert outs[0].keys() == outs[1].keys() and "motions/G900T000A001R001/P2.npz" in outs[0]
    for key, value in outs[0].items():
        other = outs[1][key]
        if isinstance(value, dict):
            assert value.keys() == other.keys() and all(value[k].tobytes() == other[k].tobytes() for k in value)
        else:
            assert value == other, key


def test_samples_do_not_depend_on_batching_and_seeds_matter(loaded):
    prompts = [Prompt(text=TEXT), Prompt(action=4, frames=9)]
    together = generate(loaded, prompts, SamplingOptions(num=2, steps=3, frames=12, batch_size=8))
    alone = generate(loaded, prompts, SamplingOptions(num=2, steps=3, frames=12, batch_size=1))
    for a, b in zip(together, alone):
        np.testing.assert_allclose(a.features, b.features, atol=1e-5)
    assert [g.features.shape[0] for g in together] == [12, 12, 9, 9]
    other = generate(loaded, prompts, SamplingOptions(num=2, steps=3, frames=12, seed=1))
    assert not np.allclose(other[0].features, together[0].features)
    assert not np.allclose(together[0].features, together[1].features)


def test_written_sequences_are_a_valid_release_at_120_and_30_fps(loaded, tmp_path):
    prompts = [Prompt(text=TEXT), Prompt(action=2)]
    options = SamplingOptions(num=1, steps=2, frames=10)
    samples = generate(loaded, prompts, options)
    for fps in (120.0, 30.0):
        out = tmp_path / f"fps{int(fps)}"
        names = write_generated(out, loaded, prompts, samples, options, fps)
        assert names == [sequence_name(0, 0, 0), sequence_name(1, 0, 2)] == ["G900T000A000R000", "G900T001A002R000"]
        report = validate_release(out)
        assert report.ok, [p for p in report.problems if p.severity == "error"]
        inter = read_interaction(out / "motions" / names[1], out)
        assert inter.fps == fps and inter.num_frames == (37 if fps == 120 else 10)
        assert inter.texts == ("Wave.",) and inter.action == 2
        assert inter.actor == 0                                # trained with the actor first: P1 acts
        manifest = json.loads((out / "generation.json").read_text())
        assert manifest["guidance"] == loaded.config.guidance and manifest["steps"] == 2
        assert manifest["sequences"][0]["text"] == TEXT


def test_a_model_trained_where_no_actor_was_known_names_no_actor(base, tmp_path):
    """The tiny release names every actor, so its run counts them; the same run with a count of 0 (a release without
    interaction_order.pkl: every item was swapped at random) must not claim that P1 acts."""
    run = trained_run(base)
    stats = read_npz(run / "stats.npz")
    assert int(stats["actors_known"]) == sum(a is not None for a in open_cache(tiny_cache(base)).split("train").actors)
    assert int(stats["actors_known"]) > 0
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    write_npz(copy / "stats.npz", {**stats, "actors_known": np.array(0)})
    unknown = load_generator(copy)
    prompts = [Prompt(text=TEXT)]
    samples = generate(unknown, prompts, SamplingOptions(steps=2, frames=8))
    assert not unknown.actor_first and load_generator(run).actor_first
    assert to_interactions(unknown, prompts, samples)[0].actor is None


def test_an_evaluation_row_samples_at_the_guidance_and_steps_it_is_given(base):
    """`interx evaluate --guidance G --steps N`: the row is exactly what sampling at G and N gives, and says so."""
    run = trained_run(base)
    request = GenerationRequest(texts=(TEXT,), actions=(1,), lengths=(10,), names=("G001T000A001R000",))
    row = ModelGenerator(run, guidance=2.0, steps=3)
    assert row.name == "run (guidance 2, steps 3)" and ModelGenerator(run).name == "run"
    got = row.generate(request, seed=7)[0]
    prompts = [Prompt(text=TEXT, action=1, frames=10, source="G001T000A001R000")]
    samples = generate(row.loaded, prompts, SamplingOptions(seed=7, guidance=2.0, steps=3))
    want = to_interactions(row.loaded, prompts, samples, fps_out=MODEL_FPS)[0]
    for person, expected in zip(got.persons, want.persons):
        np.testing.assert_array_equal(person.trans, expected.trans)
    assert row.loaded.config.guidance != 2.0
    at_default = ModelGenerator(run, steps=3).generate(request, seed=7)[0]
    assert not np.allclose(at_default.persons[1].trans, got.persons[1].trans)


def test_samples_are_the_unsmoothed_ones_low_passed_and_jitter_less(loaded):
    """smooth_hz = 6: each sample is exactly its smooth_hz = 0 twin through the 6 Hz zero-phase low-pass, so its
    decoded body's mean jerk drops; a cutoff at or over 15 Hz (half of 30 fps) is refused."""
    prompts = [Prompt(text=TEXT, frames=32)]
    options = SamplingOptions(num=2, steps=3, floor=False)
    rough = generate(loaded, prompts, replace(options, smooth_hz=0.0))
    smooth = generate(loaded, prompts, options)
    for r, s in zip(rough, smooth):
        np.testing.assert_allclose(s.features, lowpass(r.features, 30.0, 6.0), atol=1e-5)
        jerk = [jitter(np.moveaxis(mr.decoded_joints(f, loaded.model.rep), 1, 0), 30.0).mean()
                for f in (r.features, s.features)]
        assert jerk[1] < jerk[0]
    with pytest.raises(UsageError, match="below 15 Hz"):
        generate(loaded, prompts, replace(options, smooth_hz=15.0))


def test_a_reaction_keeps_the_actor_exactly_and_fits_its_frames(loaded, actor_file, tmp_path):
    actor = read_person(actor_file)
    prompts = prompts_from_options(reaction_to=actor_file, text=TEXT)
    assert prompts.prompts[0].source == "G001T000A001R000"
    options = SamplingOptions(steps=2)
    samples = generate(loaded, prompts.prompts, options)
    assert samples[0].features.shape[0] == 25                     # 100 frames at 120 fps
    inter = to_interactions(loaded, prompts.prompts, samples)[0]
    assert inter.name == "G900T000A001R000" and inter.actor == 0 and inter.num_frames == 97
    np.testing.assert_array_equal(inter.persons[0].trans, actor.trans[:97])
    np.testing.assert_array_equal(inter.persons[0].full_pose(), actor.full_pose()[:97])
    reactor = inter.persons[1]
    assert np.isfinite(reactor.trans).all() and np.abs(reactor.trans - actor.trans[:97]).max() < 20.0
    slow = to_interactions(loaded, prompts.prompts, samples, 30.0)[0]
    np.testing.assert_array_equal(slow.persons[0].trans, actor.trans[::4])


def test_an_actor_longer_than_the_window_is_answered_window_by_window(loaded, actor_file):
    short = read_person(actor_file)
    long = PersonMotion.from_full_pose(np.concatenate([short.full_pose(), short.full_pose()[::-1]]),
                                       np.concatenate([short.trans, short.trans[::-1]]), short.betas)
    assert long.num_frames == 200                                  # 50 frames at 30 fps > the window of 32
    prompt = [Prompt(actor=long)]
    options = SamplingOptions(steps=2, overlap=8)
    first, again = generate(loaded, prompt, options), generate(loaded, prompt, options)
    assert first[0].features.shape[0] == 50 and np.isfinite(first[0].features).all()
    assert mr.decoded_joints(first[0].features[:, 1], loaded.model.rep)[..., 1].min() >= -1e-5   # out of the floor
    np.testing.assert_array_equal(first[0].features, again[0].features)
    with pytest.raises(UsageError, match="overlap"):
        generate(loaded, prompt, replace(options, overlap=16))


def test_prompt_lines_and_files(actor_file, tmp_path):
    assert parse_prompt_line("  # a comment", "f:1") is None
    assert parse_prompt_line("Two people hug.", "f:1") == Prompt(text="Two people hug.")
    assert parse_prompt_line("action: 7", "f:1") == Prompt(action=7)
    assert parse_prompt_line("action: high-five", "f:1") == Prompt(action=16)
    with pytest.raises(UsageError, match="f:3"):
        parse_prompt_line("action: juggle", "f:3")
    folder = actor_file.parent.parent
    (folder.parent / "prompts.txt").write_text(f"a text\n\nreaction: motions/{actor_file.parent.name}/P1.npz | waves\n")
    prompts = read_prompts(folder.parent / "prompts.txt")
    assert prompts[0] == Prompt(text="a text") and prompts[1].text == "waves"
    assert prompts[1].actor.num_frames == 100 and prompts[1].source == actor_file.parent.name
    with pytest.raises(UsageError, match="not both"):
        prompts_from_options(text="x", prompts_file=folder.parent / "prompts.txt")
    with pytest.raises(UsageError, match="say what"):
        prompts_from_options()
    assert prompts_from_options(text="x", seconds=2.0).frames == 60


def test_impossible_requests_are_usage_errors(loaded):
    with pytest.raises(UsageError, match="length"):
        generate(loaded, [Prompt(text=TEXT)], SamplingOptions(frames=33))
    with pytest.raises(UsageError, match="action"):
        generate(loaded, [Prompt(action=40)], SamplingOptions())


def test_generated_bodies_are_raised_out_of_the_floor_unless_asked_not_to(loaded):
    prompts = [Prompt(text=TEXT), Prompt(action=3)]
    options = SamplingOptions(frames=24, steps=4, seed=1)
    raw = generate(loaded, prompts, replace(options, floor=False))
    lifted = generate(loaded, prompts, options)
    for r, f in zip(raw, lifted):
        np.testing.assert_allclose(f.features, mr.lifted_out_of_floor(r.features, loaded.model.rep), atol=1e-6)
        assert mr.decoded_joints(f.features, loaded.model.rep)[..., 1].min() >= -1e-5


def test_only_a_model_trained_with_the_actor_first_names_p1_the_actor(loaded):
    prompts = [Prompt(text=TEXT)]
    samples = generate(loaded, prompts, SamplingOptions(steps=2, frames=10))
    random_order = replace(loaded.config, data=replace(loaded.config.data, actor_first=False))
    assert loaded.config.data.actor_first and loaded.actor_first
    assert to_interactions(loaded, prompts, samples)[0].actor == 0
    assert not samples_name_the_actor(random_order, loaded.run_dir)
    assert to_interactions(replace(loaded, actor_first=False), prompts, samples)[0].actor is None


def test_samples_are_no_longer_than_the_training_windows(loaded):
    """Frame positions past the training windows never trained: the window is the shorter of the two lengths."""
    trained_on_20 = replace(loaded, config=replace(loaded.config, data=replace(loaded.config.data, max_frames=20)))
    assert trained_on_20.config.window == 20 and loaded.config.window == 32
    with pytest.raises(UsageError, match="1-20 frames"):
        generate(trained_on_20, [Prompt(text=TEXT)], SamplingOptions(frames=21))
    assert generate(trained_on_20, [Prompt(text=TEXT)], SamplingOptions(frames=20, steps=2))[0].features.shape[0] == 20


def test_a_model_reads_only_the_conditions_its_task_trained(loaded):
    """An evaluation protocol hands a label beside each text: a text-only model must not read that label (its action
    embeddings never trained), a model trained on both must; a label alone to a text-only model is refused."""
    text_only = replace(loaded, config=replace(loaded.config, data=replace(loaded.config.data, task="text")))
    options = SamplingOptions(frames=12, seed=3)

    def features(model, prompt):
        return generate(model, [prompt], options)[0].features

    both, text = Prompt(text=TEXT, action=5), Prompt(text=TEXT)
    np.testing.assert_array_equal(features(text_only, both), features(text_only, text))
    assert not np.array_equal(features(loaded, both), features(loaded, text))   # 4 steps: a small effect
    with pytest.raises(UsageError, match="cannot read an action label"):
        generate(text_only, [Prompt(action=5)], options)
