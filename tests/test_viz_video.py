"""Skeleton videos: files, frame counts, sizes, colours in the pixels, contact, trimming, the CLI."""

from __future__ import annotations

import numpy as np
import pytest
from viz_data import TEXTS, interaction, write_root

from interx.body.model import interaction_joints
from interx.cli_app import main
from interx.viz.camera import camera_basis, frame_scene, project
from interx.viz.clip import MotionClip, at_fps, cut, parse_seconds, resample_index, synchronise
from interx.viz.collection import load_clip
from interx.viz.contact import touching
from interx.viz.style import CONTACT_COLOR, PERSON_COLORS, rgb
from interx.viz.video import render_video

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")

PANEL = 160


def clip_of(frames=20, fps=30.0, gap=1.5, title="truth", texts=TEXTS) -> MotionClip:
    it = interaction(frames=frames, fps=fps, gap=gap, texts=texts)
    return MotionClip(interaction_joints(it), fps, title, it.texts)


def decoded(path) -> tuple[tuple[int, int], list[np.ndarray]]:
    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    return (w, h), [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in gen]


def count_near(image: np.ndarray, color: str, tol: float = 60.0) -> int:
    return int((np.linalg.norm(image.astype(float) - rgb(color), axis=-1) < tol).sum())


# --- clips, resampling, trimming ---------------------------------------------------------

def test_resample_index_takes_every_fourth_frame_from_120_fps():
    assert resample_index(9, 120.0, 30.0).tolist() == [0, 4, 8]
    assert resample_index(10, 120.0, 30.0).tolist() == [0, 4, 8]
    assert resample_index(5, 30.0, 30.0).tolist() == [0, 1, 2, 3, 4]
    assert resample_index(3, 30.0, 60.0).tolist() == [0, 0, 1, 1, 2]


def test_cut_and_sync_give_known_frame_counts():
    clip = clip_of(frames=30)
    assert cut(clip, 0.5, 1.0).num_frames == 15
    assert cut(clip, None, 0.1).num_frames == 3
    short = clip.take(np.arange(10))
    padded = synchronise([clip, short], "pad")
    assert [c.num_frames for c in padded] == [30, 30]
    assert np.array_equal(padded[1].joints[-1], short.joints[-1])
    assert [c.num_frames for c in synchronise([clip, short], "trim")] == [10, 10]
    assert at_fps(clip_of(frames=9, fps=120.0), 30.0).num_frames == 3


@pytest.mark.parametrize("text", ["1", "a:b", "2:1", "-1:2", "1:2:3"])
def test_parse_seconds_rejects_bad_spans(text):
    from interx.errors import UsageError
    with pytest.raises(UsageError):
        parse_seconds(text)


def test_parse_seconds_open_ends():
    assert parse_seconds("1.5:") == (1.5, None)
    assert parse_seconds(":2") == (None, 2.0)


# --- contact and camera ------------------------------------------------------------------

def test_contact_only_when_the_pair_is_close():
    gap = np.where(np.arange(20) < 10, 3.0, 0.2)
    contact, parts = touching(interaction_joints(interaction(frames=20, gap=gap)))
    assert not contact[:10].any() and contact[10:].all()
    assert not parts[:10].any() and parts[10:].any(axis=(1, 2)).all()


def test_front_view_puts_p1_left_and_sees_the_target_at_the_centre():
    joints = interaction_joints(interaction(frames=5, gap=1.5))   # P1 at -z, P2 at +z
    eye, basis, floor = frame_scene(joints, "front")
    xy, depth = project(joints, eye, basis)
    assert (xy[:, 0, 0, 0] < xy[:, 1, 0, 0]).all()                 # pelvis of P1 left of P2's
    assert (depth > 0).all()
    assert floor == pytest.approx(joints[..., 1].min())
    target = eye[0] + 5.0 * basis[0, 2]
    centre, _ = project(target[None, None], eye[:1], basis[:1])
    assert np.allclose(centre, 0.0, atol=1e-9)


def test_camera_basis_is_orthonormal_for_every_view():
    basis = camera_basis(np.array([0.0, 1.0, 2.5]), np.array([0.2, np.pi / 2, -0.3]))
    assert np.allclose(basis @ np.swapaxes(basis, -1, -2), np.eye(3), atol=1e-12)
    right, up, forward = basis[:, 0], basis[:, 1], basis[:, 2]
    assert np.allclose(np.cross(right, up), -forward)               # x right, y up, looking down -z
    assert np.allclose(right[:, 1], 0.0)                            # the horizon stays level


# --- videos ------------------------------------------------------------------------------

def test_mp4_has_the_frames_size_and_both_people_colours(tmp_path):
    out = render_video([clip_of(frames=20)], tmp_path / "a.mp4", fps=30, panel_px=PANEL)
    assert out.is_file()
    frames, secs = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 20 and secs == pytest.approx(20 / 30, abs=0.05)
    (w, h), images = decoded(out)
    assert w == PANEL and h > PANEL and h % 16 == 0
    middle = images[10]
    assert count_near(middle, PERSON_COLORS[0]) > 30
    assert count_near(middle, PERSON_COLORS[1]) > 30
    assert count_near(middle, CONTACT_COLOR) == 0


def test_contact_frames_are_drawn_red(tmp_path):
    gap = np.where(np.arange(20) < 10, 3.0, 0.2)
    out = render_video([clip_of(frames=20, gap=gap)], tmp_path / "c.mp4", fps=30, panel_px=PANEL)
    _, images = decoded(out)
    assert count_near(images[3], CONTACT_COLOR) < 5
    assert count_near(images[15], CONTACT_COLOR) > 40


def test_gif_output(tmp_path):
    out = render_video([clip_of(frames=8, fps=10.0)], tmp_path / "a.gif", fps=10, panel_px=96)
    assert out.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8


def test_compare_panels_side_by_side_in_sync(tmp_path):
    truth = clip_of(frames=20, title="truth")
    generated = clip_of(frames=12, title="generated", texts=("another text",))
    out = render_video([truth, generated], tmp_path / "p.mp4", fps=30, panel_px=PANEL, sync="pad", view="orbit")
    (w, _), images = decoded(out)
    assert w == 2 * PANEL and len(images) == 20
    left, right = images[5][:, :PANEL], images[5][:, PANEL:]
    for half in (left, right):
        assert count_near(half, PERSON_COLORS[0]) > 20 and count_near(half, PERSON_COLORS[1]) > 20
    out = render_video([truth, generated], tmp_path / "t.mp4", fps=30, panel_px=PANEL, sync="trim")
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 12


def test_bad_output_suffix_is_a_usage_error(tmp_path):
    from interx.errors import UsageError
    with pytest.raises(UsageError):
        render_video([clip_of(frames=3)], tmp_path / "a.avi")
    assert not (tmp_path / "a.avi").exists()


# --- inputs and the command line ---------------------------------------------------------

def test_load_clip_from_folder_and_root_name(tmp_path):
    root = write_root(tmp_path / "data", [interaction("G001T000A002R000", frames=12, fps=120.0)])
    by_folder = load_clip(str(root / "motions" / "G001T000A002R000"))
    by_name = load_clip(f"{root}:G001T000A002R000")
    assert by_folder.texts == TEXTS and by_folder.fps == 120.0 and by_folder.num_frames == 12
    assert np.array_equal(by_folder.joints, by_name.joints)


def test_cli_render_trims_seconds(tmp_path, capsys):
    root = write_root(tmp_path / "data", [interaction("G001T000A002R000", frames=40, fps=120.0)])
    seq = root / "motions" / "G001T000A002R000"
    out = tmp_path / "v.mp4"
    status = main(["render", str(seq), "--out", str(out), "--seconds", "0.1:0.2", "--size", "96",
                   "--compare", f"{root}:G001T000A002R000"])
    assert status == 0 and out.is_file()
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 3   # t = 0.100, 0.133, 0.167 at 30 fps


def test_cli_bad_input_is_one_line_exit_1(tmp_path, capsys):
    status = main(["render", str(tmp_path / "missing"), "--out", str(tmp_path / "v.mp4")])
    err = capsys.readouterr().err
    assert status == 1
    assert err.count("\n") == 1 and err.startswith("interx: error:") and "missing" in err
    assert not (tmp_path / "v.mp4").exists()


def test_cli_bad_seconds_is_a_usage_error(tmp_path, capsys):
    root = write_root(tmp_path / "data", [interaction("G001T000A002R000", frames=10)])
    status = main(["render", f"{root}:G001T000A002R000", "--out", str(tmp_path / "v.mp4"), "--seconds", "2:1"])
    assert status == 2 and capsys.readouterr().err.count("\n") == 1


def test_cli_render_with_a_smplx_model(tmp_path):
    pytest.importorskip("interx.body.smplx_model")
    from interx.body.fake_smplx import write_fake_smplx

    model = tmp_path / "smplx"
    model.mkdir()
    write_fake_smplx(model / "SMPLX_NEUTRAL.npz", np.random.default_rng(0), num_dirs=20, num_vertices=400,
                     num_faces=600)
    root = write_root(tmp_path / "data", [interaction("G001T000A002R000", frames=6)])
    out = tmp_path / "v.mp4"
    assert main(["render", f"{root}:G001T000A002R000", "--out", str(out), "--size", "96",
                 "--smplx-model", str(model)]) == 0
    assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 6


def test_load_clip_from_a_cache_entry(tmp_path):
    pytest.importorskip("interx.features.cache")
    from viz_data import write_cache

    cache, names = write_cache(tmp_path)
    clip = load_clip(f"{cache}:val:{names[1]}")
    assert clip.fps == 30.0 and clip.num_frames == 30 and clip.texts == TEXTS and clip.title == "cache:val"
    assert np.array_equal(load_clip(f"{cache}:{names[1]}").joints, clip.joints)   # any split
    from interx.errors import DataError
    with pytest.raises(DataError):
        load_clip(f"{cache}:train:{names[1]}")                                    # not in that split
