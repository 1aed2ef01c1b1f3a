"""Exchanging motion with other tools: `interx import bvh|intergen`, `interx export bvh|intergen|amass|mesh`."""

from __future__ import annotations

from pathlib import Path

import typer

from interx.cli_app import console, export_app, import_app

_APPEND_HELP = "Write into a non-empty folder (existing files are never overwritten)."
_SMPLX_HELP = "Folder with the SMPL-X model files (SMPLX_NEUTRAL.npz ...): rest joints from the real body model."


def _body(smplx_model: Path | None):
    if smplx_model is None:
        return None
    from interx.body.smplx_model import body_model

    return body_model(smplx_model)


def _out_dir(out: Path, append: bool) -> Path:
    from interx.data.safe_io import prepare_output_dir

    return prepare_output_dir(out, append)


@import_app.command("bvh")
def import_bvh(
    files: list[Path] = typer.Argument(..., metavar="A.bvh B.bvh", help="The two people of one capture (P1, P2)."),
    out: Path = typer.Option(..., "--out", metavar="ROOT", help="The Inter-X folder to write the sequence into."),
    name: str = typer.Option(..., "--name", help="Sequence name GgggTtttAaaaRrrr."),
    text: list[str] = typer.Option(..., "--text", help="A description of the interaction (repeat for more)."),
    action: int | None = typer.Option(None, "--action", metavar="ID", help="Class id; must agree with the name."),
    fps_out: float = typer.Option(120.0, "--fps-out", help="Frame rate of the written sequence."),
    scale: float | None = typer.Option(None, "--scale", metavar="M",
                                       help="Meters per file unit (default: recognised from the skeleton's height)."),
    skip_frames: int = typer.Option(0, "--skip-frames", metavar="N", help="Drop the first N frames (e.g. a T-pose)."),
    up: str = typer.Option("auto", "--up", help="The files' up axis: auto, y, z, -z, ..."),
    convention: str = typer.Option("auto", "--convention",
                                   help="Joint names: auto, cmu, mixamo, daz, motive or smplx."),
    split: str = typer.Option("test", "--split", help="Official split to list it in: train, val, test or none."),
    append: bool = typer.Option(False, "--append", help="Add to a non-empty Inter-X folder."),
) -> int:
    """Retarget a two-person BVH capture onto SMPL-X and write it as an Inter-X sequence."""
    from interx.data.retarget import import_bvh_pair
    from interx.errors import UsageError

    if len(files) != 2:
        raise UsageError(f"give exactly two BVH files (one per person), not {len(files)}")
    report = import_bvh_pair(files, out, name, text, action=action, fps_out=fps_out, scale=scale,
                             skip_frames=skip_frames, up=up, convention=convention,
                             split=None if split == "none" else split, append=append)
    for note in report.notes:
        console.print(f"note: {note}")
    for number, (path, person) in enumerate(zip(files, report.people), start=1):
        console.print(f"P{number} {path}: {person.convention} names, {person.unit} ({person.scale:.6g} m per unit), "
                      f"up {person.up}, stature {person.stature:.3f} m")
        console.print(f"  {'joint':<16}{'source':<20}{'mean mm':>9}{'max mm':>9}")
        for joint, (mean, worst) in person.errors.items():
            console.print(f"  {joint:<16}{person.joint_map[joint]:<20}{1000 * mean:9.1f}{1000 * worst:9.1f}")
    console.print(f"wrote {Path(out) / 'motions' / report.name}: {report.frames} frames at {report.fps:g} fps")
    return 0


@export_app.command("bvh")
def export_bvh(
    sequence: Path = typer.Argument(..., metavar="ROOT/motions/SEQ", help="The sequence folder."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="Folder for SEQ_P1.bvh and SEQ_P2.bvh."),
    joints: str = typer.Option("all", "--joints", help="all (55 joints) or body_hands (52: no jaw, eyes)."),
    order: str = typer.Option("ZYX", "--order", help="Rotation channel order: ZYX or XYZ."),
    smplx_model: Path | None = typer.Option(None, "--smplx-model", metavar="DIR", help=_SMPLX_HELP),
    append: bool = typer.Option(False, "--append", help=_APPEND_HELP),
) -> int:
    """Write both people as BVH files on the SMPL-X skeleton (meters, y up; Blender imports them as they are)."""
    from interx.data.bvh import export_sequence_bvh

    paths = export_sequence_bvh(sequence, _out_dir(out, append), body=_body(smplx_model), joints=joints, order=order)
    for path in paths:
        console.print(f"wrote {path}")
    return 0


@export_app.command("intergen")
def export_intergen(
    source: Path = typer.Argument(..., metavar="CACHE_OR_ROOT", help="An interx cache or an Inter-X folder."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="The InterHuman-layout folder to write."),
    smplx_model: Path | None = typer.Option(None, "--smplx-model", metavar="DIR", help=_SMPLX_HELP),
    append: bool = typer.Option(False, "--append", help=_APPEND_HELP),
) -> int:
    """Write the folder InterGen's data loader reads (motions_processed/person1|2, annots, split lists)."""
    from interx.data.intergen import export_intergen as run

    result = run(source, out, body=_body(smplx_model), append=append)
    for note in result.notes:
        console.print(f"note: {note}")
    sizes = ", ".join(f"{split} {len(names)}" for split, names in result.splits.items())
    console.print(f"wrote {result.count} sequences to {result.out} at 30 fps (listed: {sizes})")
    return 0


@import_app.command("intergen")
def import_intergen(
    folder: Path = typer.Argument(..., metavar="DIR", help="An InterGen/InterHuman folder."),
    out: Path = typer.Option(..., "--out", metavar="ROOT", help="The Inter-X folder to write."),
    group: int = typer.Option(0, "--group", help="Group number of the names given to non-Inter-X ids."),
    action: int = typer.Option(0, "--action", metavar="ID", help="Class id written for non-Inter-X ids."),
    append: bool = typer.Option(False, "--append", help="Add to a non-empty Inter-X folder."),
) -> int:
    """Read an InterGen/InterHuman folder into an Inter-X folder (30 fps; see interx.data.intergen for what is lost)."""
    from interx.data.intergen import import_intergen as run

    result = run(folder, out, group=group, action=action, append=append)
    for identifier, name in result.names.items():
        error = result.errors.get(name, float("nan"))
        console.print(f"{identifier} -> {name} (body joints {1000 * error:.2f} mm from the file's positions)")
    for identifier in result.skipped:
        console.print(f"{identifier}: on the ignore list, skipped")
    console.print(f"wrote {len(result.names)} sequences to {out}")
    return 0


@export_app.command("amass")
def export_amass(
    sequence: Path = typer.Argument(..., metavar="ROOT/motions/SEQ", help="The sequence folder."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="Folder for SEQ_P1.npz and SEQ_P2.npz."),
    layout: str = typer.Option("smplx", "--layout",
                               help="smplx (165 pose values, the SMPL-X Blender add-on) or smplh (156, aitviewer "
                                    "from_amass)."),
    append: bool = typer.Option(False, "--append", help=_APPEND_HELP),
) -> int:
    """Write both people as AMASS-style npz (poses, trans, betas, gender, mocap_framerate; y up)."""
    from interx.data.amass import export_sequence_amass

    for path in export_sequence_amass(sequence, _out_dir(out, append), layout=layout):
        console.print(f"wrote {path}")
    return 0


@export_app.command("mesh")
def export_mesh(
    sequence: Path = typer.Argument(..., metavar="ROOT/motions/SEQ", help="The sequence folder."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="Folder for the meshes."),
    smplx_model: Path = typer.Option(..., "--smplx-model", metavar="DIR", help=_SMPLX_HELP),
    fmt: str = typer.Option("obj", "--format", help="obj (one file per frame and person) or gltf (one .glb)."),
    every: int = typer.Option(1, "--every", metavar="N", help="Keep every N-th frame."),
    append: bool = typer.Option(False, "--append", help=_APPEND_HELP),
) -> int:
    """Write per-frame SMPL-X meshes of both people (OBJ files or an animated glTF)."""
    from interx.body.smplx_model import SmplxBody
    from interx.viz.mesh_export import export_sequence_meshes

    paths = export_sequence_meshes(sequence, _out_dir(out, append), SmplxBody(smplx_model), fmt=fmt, every=every)
    console.print(f"wrote {len(paths)} files to {out}")
    return 0
