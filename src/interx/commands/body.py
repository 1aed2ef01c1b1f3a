"""Body commands: `interx joints`."""

from __future__ import annotations

from pathlib import Path

import typer

from interx.cli_app import app, console


@app.command("joints")
def joints(
    path: Path = typer.Argument(..., metavar="FILE",
                                help="One person's SMPL-X file (P1.npz or P2.npz of the raw layout)."),
    out: Path = typer.Option(..., "--out", help="Output .npy: float32 (T, 55, 3) world joints, meters."),
    smplx_model: Path | None = typer.Option(
        None, "--smplx-model", metavar="DIR",
        help="Folder holding SMPLX_NEUTRAL.npz (and SMPLX_MALE.npz, SMPLX_FEMALE.npz); "
             "default: the built-in skeleton."),
    neutral: bool = typer.Option(False, "--neutral",
                                 help="Ignore the file's gender and betas (neutral body, zero betas), "
                                      "as the official processing does."),
) -> int:
    """Write a person's world joints at the file's own frame rate."""
    from interx.body.model import person_joints
    from interx.body.smplx_model import body_model
    from interx.data.raw import read_person
    from interx.data.safe_io import write_npy

    body = body_model(smplx_model, neutral=neutral)
    person = read_person(path)
    result = person_joints(person, body)  # (T, 55, 3) float32
    write_npy(out, result)
    console.print(f"wrote {out}: {result.shape[0]} frames x {result.shape[1]} joints at {person.fps:g} fps "
                  f"({body.name} body)", soft_wrap=True)
    return 0
