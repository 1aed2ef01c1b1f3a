"""Evaluation commands: `interx train evaluator`, `interx evaluate text2interaction|reaction|action2interaction`,
`interx quality`."""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import typer

from interx.cli_app import app, console, err_console, evaluate_app, train_app

_DATA = typer.Option(..., "--data", metavar="CACHE", help="A preprocessed cache (interx preprocess).")
_SPLIT = typer.Option("test", "--split", help="Split to evaluate on.")
_CHECKPOINT = typer.Option([], "--checkpoint", metavar="RUN", help="A generator run: one row (repeat for more).")
_GENERATED = typer.Option([], "--generated", metavar="DIR",
                          help="A folder of generated sequences named as the split's: one row (repeat for more).")
_PROTOCOL = typer.Option("official", "--protocol", help="official (regenerate every replication) or quick.")
_OUT = typer.Option(..., "--out", metavar="REPORT.json", help="The JSON report (a .md table is written beside it).")
_SEED = typer.Option(0, "--seed", metavar="S", help="Seed of every random draw.")
_BATCH = typer.Option(None, "--batch-size", metavar="B", help="R-precision batch size (default 32, the official).")
_REPS = typer.Option(None, "--replications", metavar="N", help="Replications (default 20, the official).")
_QUICK = typer.Option(512, "--quick-size", metavar="N", help="quick: sequences generated once.")
_MM_TEXTS = typer.Option(None, "--mm-texts", metavar="N",
                         help="MultiModality texts (default 100 official, 20 quick).")
_MM_GENERATIONS = typer.Option(None, "--mm-generations", metavar="G",
                               help="MultiModality generations per text (default 30).")
_NO_INTERACTION = typer.Option(False, "--no-interaction", help="Skip the interaction metrics.")
_DEVICE = typer.Option("cpu", "--device", help="cpu or cuda.")
_GUIDANCE = typer.Option(None, "--guidance", metavar="G",
                         help="Guidance scale of the --checkpoint rows (default: each model's own).")
_STEPS = typer.Option(None, "--steps", metavar="N", help="DDIM steps of the --checkpoint rows (default: the model's).")


@train_app.command("evaluator")
def train_evaluator_command(
    data: Path = _DATA,
    out: Path = typer.Option(..., "--out", metavar="RUN", help="The run folder: config, checkpoints, log."),
    config: str = typer.Option("default", "--config", metavar="NAME", help="Preset: default or tiny."),
    max_steps: int | None = typer.Option(None, "--max-steps", metavar="N", help="Optimizer steps to train for."),
    checkpoint_every: int | None = typer.Option(None, "--checkpoint-every", metavar="N",
                                                help="Write a checkpoint every N steps."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the run's last complete checkpoint."),
    seed: int | None = typer.Option(None, "--seed", metavar="S", help="Seed of the run (weights, batches)."),
) -> int:
    """Train the project's contrastive text-motion evaluator; report retrieval on val."""
    from interx.features.cache import open_cache
    from interx.models.evaluator_contrastive import preset
    from interx.models.evaluator_train import train_evaluator
    from interx.train import ConsoleProgress

    settings = preset(config)
    changes = {k: v for k, v in dict(max_steps=max_steps, checkpoint_every=checkpoint_every, seed=seed).items()
               if v is not None}
    settings = replace(settings, train=replace(settings.train, **changes))
    result = train_evaluator(open_cache(data), out, settings, resume=resume, observer=ConsoleProgress(console, resume))
    console.print(f"run {out}: step {result.step}, checkpoint {result.checkpoint}", soft_wrap=True)
    if result.retrieval is not None:
        r = result.retrieval
        console.print(f"val retrieval ({r['sequences']} sequences, batch {r['batch_size']}): "
                      f"R-precision top-1 {r['top1']:.3f} top-2 {r['top2']:.3f} top-3 {r['top3']:.3f} "
                      f"(chance top-1 {r['chance_top1']:.3f}), MM-Dist {r['mm_dist']:.3f}; "
                      f"whole-split top-1 {r['retrieval_top1']:.3f} top-5 {r['retrieval_top5']:.3f}", soft_wrap=True)
    return 0


def _config(protocol: str, seed: int, batch_size: int | None, replications: int | None, quick_size: int,
            mm_texts: int | None, mm_generations: int | None, no_interaction: bool):
    from interx.eval.embedding import INTERX
    from interx.eval.protocols import ProtocolConfig

    changes = {k: v for k, v in dict(batch_size=batch_size, replications=replications,
                                     mm_generations=mm_generations).items() if v is not None}
    if mm_texts is not None and protocol == "official":
        changes["mm_texts"] = mm_texts
    quick_mm = {} if mm_texts is None else {"quick_mm_texts": mm_texts}
    return ProtocolConfig(protocol=protocol, settings=replace(INTERX, **changes), seed=seed, quick_size=quick_size,
                          interaction=not no_interaction, **quick_mm)


def _generators(checkpoints: list[Path], generated: list[Path], device: str, guidance: float | None,
                steps: int | None) -> list:
    from interx.eval.protocols import FolderGenerator, ModelGenerator

    models = [ModelGenerator(run, device=device, guidance=guidance, steps=steps) for run in checkpoints]
    return models + [FolderGenerator(d) for d in generated]


def _finish(report: dict, out: Path) -> None:
    from interx.eval.report import markdown_table, write_report

    markdown = write_report(report, out)
    console.print(markdown_table(report["rows"]), soft_wrap=True)
    for note in report["settings"].get("warnings", ()):
        err_console.print(f"note: {note}", soft_wrap=True)
    console.print(f"report written to {out} and {markdown}", soft_wrap=True)


def _embedding_command(task: str, data: Path, split: str, checkpoint: list[Path], generated: list[Path],
                       evaluator: str, protocol: str, seed: int, batch_size: int | None, replications: int | None,
                       quick_size: int, mm_texts: int | None, mm_generations: int | None, no_interaction: bool,
                       device: str, guidance: float | None, steps: int | None, out: Path) -> int:
    from interx.eval import protocols
    from interx.features.cache import open_cache
    from interx.models.evaluator import load_evaluator

    cache = open_cache(data)
    run = protocols.evaluate_text2interaction if task == "text2interaction" else protocols.evaluate_reaction
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report's notes are printed by _finish
        report = run(cache.split(split), load_evaluator(evaluator, device),
                     _generators(checkpoint, generated, device, guidance, steps),
                     _config(protocol, seed, batch_size, replications, quick_size, mm_texts, mm_generations,
                             no_interaction),
                     class_names=cache.action_names, progress=lambda m: err_console.print(m, soft_wrap=True))
    _finish(report, out)
    return 0


def _embedding_task_command(task: str, summary: str):
    """The typer command of one embedding task (text2interaction and reaction share every option)."""

    def command(
        data: Path = _DATA, split: str = _SPLIT, checkpoint: list[Path] = _CHECKPOINT,
        generated: list[Path] = _GENERATED,
        evaluator: str = typer.Option(..., "--evaluator", metavar="RUN|official:DIR",
                                      help="The project's evaluator run, or official:DIR for the official one."),
        protocol: str = _PROTOCOL, seed: int = _SEED, batch_size: int | None = _BATCH,
        replications: int | None = _REPS, quick_size: int = _QUICK, mm_texts: int | None = _MM_TEXTS,
        mm_generations: int | None = _MM_GENERATIONS, no_interaction: bool = _NO_INTERACTION,
        device: str = _DEVICE, guidance: float | None = _GUIDANCE, steps: int | None = _STEPS, out: Path = _OUT,
    ) -> int:
        return _embedding_command(task, data, split, checkpoint, generated, evaluator, protocol, seed,
                                  batch_size, replications, quick_size, mm_texts, mm_generations, no_interaction,
                                  device, guidance, steps, out)

    command.__doc__ = summary
    return evaluate_app.command(task)(command)


_embedding_task_command(
    "text2interaction", "The official text-to-interaction table: ground truth, shuffled texts and one row per model.")
_embedding_task_command(
    "reaction",
    "The reaction table: embedding metrics of the pair, contact F1 and synchronisation against the real reactor.")


@evaluate_app.command("action2interaction")
def evaluate_action2interaction(
    data: Path = _DATA, split: str = _SPLIT, checkpoint: list[Path] = _CHECKPOINT, generated: list[Path] = _GENERATED,
    evaluator: Path = typer.Option(..., "--evaluator", metavar="RUN",
                                   help="A recogniser run (interx train recognizer)."),
    protocol: str = _PROTOCOL, seed: int = _SEED, batch_size: int | None = _BATCH, replications: int | None = _REPS,
    quick_size: int = _QUICK, mm_texts: int | None = _MM_TEXTS, mm_generations: int | None = _MM_GENERATIONS,
    no_interaction: bool = _NO_INTERACTION, device: str = _DEVICE, guidance: float | None = _GUIDANCE,
    steps: int | None = _STEPS, out: Path = _OUT,
) -> int:
    """The action-to-interaction table: recognition accuracy, FID, diversity, multimodality on recogniser features."""
    from interx.eval.protocols import RecognizerJudge, evaluate_action2interaction as run
    from interx.features.cache import open_cache

    cache = open_cache(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report's notes are printed by _finish
        report = run(cache.split(split), RecognizerJudge(evaluator),
                     _generators(checkpoint, generated, device, guidance, steps),
                     _config(protocol, seed, batch_size, replications, quick_size, mm_texts, mm_generations,
                             no_interaction),
                     class_names=cache.action_names, progress=lambda m: err_console.print(m, soft_wrap=True))
    _finish(report, out)
    return 0


@app.command("quality")
def quality(
    source: Path = typer.Argument(..., metavar="ROOT|CACHE", help="A raw or processed release, or a cache."),
    json_file: Path | None = typer.Option(None, "--json", metavar="FILE", help="Also write the full audit as JSON."),
    fix: str | None = typer.Option(None, "--fix", help="'fingers': write a copy with low-pass filtered fingers "
                                                       "(instead of auditing)."),
    out: Path | None = typer.Option(None, "--out", metavar="ROOT2", help="With --fix: the new release folder."),
    cutoff: float = typer.Option(6.0, "--cutoff-hz", metavar="HZ", help="Low-pass cutoff of jitter and the fix."),
    worst: int = typer.Option(10, "--worst", metavar="N", help="Sequences listed per worst list."),
) -> int:
    """Audit interpenetration, finger jitter and foot skating per sequence and class; or fix noisy fingers.

    Exit status 1 when some sequences could not be read (they are listed), else 0.
    """
    from rich.progress import Progress

    from interx.errors import UsageError
    from interx.eval.quality import METRICS, QualitySettings, audit, fix_fingers

    settings = QualitySettings(cutoff_hz=cutoff, worst=worst)
    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("fixing" if fix else "auditing", total=None)
        tick = lambda done, total: bar.update(task, completed=done, total=total)  # noqa: E731
        if fix is not None:
            if fix != "fingers":
                raise UsageError(f"--fix knows only 'fingers', not {fix!r}")
            if out is None:
                raise UsageError("--fix fingers needs --out ROOT2, the folder to write the fixed copy into")
            result = fix_fingers(source, out, settings, progress=tick)
        else:
            result = audit(source, settings, progress=tick)
    if fix is not None:
        for problem in result["copied_unchanged"]:
            console.print(f"{problem['name']}: copied unchanged: {problem['problem']}", soft_wrap=True)
        console.print(f"wrote {result['out']}: fingers smoothed ({cutoff:g} Hz) in {result['fixed']} sequences, "
                      f"{len(result['copied_unchanged'])} copied unchanged", soft_wrap=True)
        return 1 if result["copied_unchanged"] else 0
    for problem in result["errors"]:
        console.print(f"{problem['name']}: {problem['problem']}", soft_wrap=True)
    console.print(f"{result['kind']} {result['source']}: {result['count']} sequences audited, "
                  f"{len(result['errors'])} unreadable", soft_wrap=True)
    for metric in METRICS:
        if metric in result["summary"]:
            console.print(f"  mean {metric}: {result['summary'][metric]:.4g}", soft_wrap=True)
    for label, entries in result["worst"].items():
        console.print(f"worst {label}: " + ", ".join(f"{e['name']} ({list(e.values())[1]:.3g})" for e in entries),
                      soft_wrap=True)
    if json_file is not None:
        from interx.data.safe_io import write_json

        write_json(json_file, result)
        console.print(f"audit written to {json_file}", soft_wrap=True)
    return 1 if result["errors"] else 0
