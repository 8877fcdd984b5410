"""The simulation's ground truth is true: geometry, physics, masks, captions, determinism, splits."""

import re
from dataclasses import replace

import cv2
import numpy as np
import pytest

from cosmos_flow.simulation.camera import Lens, project
from cosmos_flow.simulation.engine import FLOOR_ID, GRAVITY, simulate
from cosmos_flow.simulation.episode_io import read_episode_folder
from cosmos_flow.simulation.runner import SimulationParams, render_all
from cosmos_flow.simulation.scenarios import SCENARIOS, camera_path, make_scene
from cosmos_flow.simulation.scene import PALETTE, CameraPath, ObjectSpec, Scene
from cosmos_flow.simulation.second_take import SecondTakeParams, second_take_scene
from cosmos_flow.simulation.splits import plan_episodes

FPS, SUBSTEPS, FRAMES = 12.0, 40, 17


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Two episodes of every scenario (one train, one test) rendered through the real runner."""
    root = tmp_path_factory.mktemp("sim") / "sim"
    params = SimulationParams(episodes={name: {"train": 1, "test": 1} for name in SCENARIOS}, progress=False)
    index = render_all(params, root)
    return root, index


def sphere_views(episode, min_pixels: int = 12):
    """(frame, object id, centre (3,)) for spheres fully in view and not occluded."""
    states = episode.states
    height, width = episode.seg.shape[1:]
    for row in states[states["shape"] == "sphere"].itertuples():
        mask = episode.seg[row.frame] == row.object_id
        if mask.sum() < min_pixels or mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any():
            continue
        centre = np.array([row.x, row.y, row.z])
        pixel, depth = project(centre, episode.intrinsics, episode.world_to_camera[row.frame])
        focal = episode.intrinsics[0, 0]
        expected_area = np.pi * (focal * row.extent_x / 2 / depth[0]) ** 2
        if mask.sum() >= 0.85 * expected_area:  # not hidden behind another object
            yield row.frame, row.object_id, centre, mask, pixel[0]


def test_every_scenario_writes_the_contracted_files(rendered):
    root, index = rendered
    assert sorted(index["scenario"].unique()) == sorted(SCENARIOS)
    for row in index.itertuples():
        episode = read_episode_folder(row.path)
        assert episode.rgb.shape == (FRAMES, 64, 64, 3) and episode.rgb.dtype == np.uint8
        assert episode.depth.dtype == np.float32 and episode.seg.dtype == np.int32
        assert episode.world_to_camera.shape == (FRAMES, 4, 4)
        assert episode.actions.shape == (FRAMES, 10) and episode.actions.dtype == np.float32
        assert len(episode.states) == FRAMES * row.num_objects
        assert episode.caption == row.caption and row.caption.endswith(".")
        assert (root / row.scenario / row.episode_id / "video.mp4").is_file()
        assert row.has_second_take == (row.split == "test")
    orbit_test = index[(index.scenario == "orbit") & (index.split == "test")].iloc[0]
    hires = read_episode_folder(f"{orbit_test.path}/hires")
    assert hires.rgb.shape == (FRAMES, 128, 128, 3)


def test_projected_sphere_centres_land_on_their_masks_and_depths_match(rendered):
    _, index = rendered
    checked = 0
    for row in index.itertuples():
        episode = read_episode_folder(row.path)
        for frame, object_id, centre, mask, pixel in sphere_views(episode):
            rows, cols = np.nonzero(mask)
            assert np.hypot(cols.mean() - pixel[0], rows.mean() - pixel[1]) <= 1.0
            u, v = np.round(pixel).astype(int)
            assert episode.seg[frame, v, u] == object_id
            camera = episode.world_to_camera[frame]
            centre_camera = camera[:3, :3] @ centre + camera[:3, 3]
            radius = episode.states.query("frame == @frame and object_id == @object_id")["extent_x"].iloc[0] / 2
            surface_depth = (np.linalg.norm(centre_camera) - radius) * centre_camera[2] / np.linalg.norm(centre_camera)
            assert episode.depth[frame, v, u] == pytest.approx(surface_depth, abs=0.02)
            checked += 1
    assert checked >= 20


def test_every_object_centre_projects_inside_its_own_mask_when_visible(rendered):
    _, index = rendered
    for row in index.itertuples():
        episode = read_episode_folder(row.path)
        for state in episode.states.itertuples():
            mask = episode.seg[state.frame] == state.object_id
            if mask.sum() < 30:  # barely visible: nothing to check
                continue
            pixel, _ = project([state.x, state.y, state.z], episode.intrinsics, episode.world_to_camera[state.frame])
            u, v = np.round(pixel[0]).astype(int)
            if 0 <= u < 64 and 0 <= v < 64 and episode.seg[state.frame, v, u] >= 0:
                # The centre may be hidden by another object, but never by background.
                assert episode.seg[state.frame, v, u] in set(episode.states["object_id"])


def test_masks_name_real_objects_and_hold_their_colour(rendered):
    _, index = rendered
    palette_names = list(PALETTE)
    palette = np.array([PALETTE[name] for name in palette_names])
    for row in index[index.scenario != "orbit"].itertuples():
        episode = read_episode_folder(row.path)
        ids = set(episode.states["object_id"])
        assert set(np.unique(episode.seg)) <= ids | {-1}
        objects = episode.states.drop_duplicates("object_id").set_index("object_id")
        for object_id, spec in objects.iterrows():
            if spec.role == "pusher":
                continue
            mask = episode.seg[0] == object_id
            if mask.sum() < 10:
                continue
            mean = episode.rgb[0][mask].astype(float).mean(axis=0)
            similarity = palette @ mean / (np.linalg.norm(palette, axis=1) * np.linalg.norm(mean))
            assert palette_names[int(similarity.argmax())] == spec.colour


def test_a_dropped_sphere_falls_freely_until_contact():
    height, radius = 1.0, 0.1
    ball = ObjectSpec("sphere", (radius,), "red", position=(0.0, 0.0, height), restitution=0.5)
    camera = camera_path("static", np.random.default_rng(0), FRAMES, (0, 0, 0.3), 1.6, -90, 20)
    episode = simulate(Scene("drop", [ball], camera), FRAMES, FPS, SUBSTEPS, [(32, 32)])
    first_impact = min(c.time_s for c in episode.contacts if FLOOR_ID in (c.body_a, c.body_b))
    states = episode.states
    times = states["frame"].to_numpy() / FPS
    before = times < first_impact
    assert before.sum() >= 4
    expected = height - GRAVITY * times[before] ** 2 / 2
    assert np.abs(states["z"].to_numpy()[before] - expected).max() <= 0.01 * height
    assert first_impact == pytest.approx(np.sqrt(2 * (height - radius) / GRAVITY), abs=2 / (FPS * SUBSTEPS))


def test_pushed_objects_only_move_after_the_pusher_touches_them():
    plans = [plan for plan in plan_episodes(3, {"push": {"train": 6}})]
    moved_after_contact = 0
    for plan in plans:
        scene = make_scene("push", plan.seed, FRAMES)
        episode = simulate(scene, FRAMES, FPS, SUBSTEPS, [(32, 32)])
        pusher = next(i for i, spec in enumerate(scene.objects) if spec.role == "pusher")
        states = episode.states.set_index(["object_id", "frame"])
        for object_id in range(len(scene.objects)):
            if object_id == pusher:
                continue
            touches = [
                c.frame
                for c in episode.contacts
                if object_id in (c.body_a, c.body_b) and max(c.body_a, c.body_b) >= 0 and min(c.body_a, c.body_b) >= 0
            ]
            first_touch = min(touches) if touches else FRAMES
            start = states.loc[(object_id, 0), ["x", "y", "z"]].to_numpy(float)
            for frame in range(min(first_touch, FRAMES - 1) + 1):
                position = states.loc[(object_id, frame), ["x", "y", "z"]].to_numpy(float)
                assert np.linalg.norm(position - start) < 2e-3, (plan.episode_id, object_id, frame)
            if (
                touches
                and np.linalg.norm(states.loc[(object_id, FRAMES - 1), ["x", "y", "z"]].to_numpy(float) - start) > 0.02
            ):
                moved_after_contact += 1
    assert moved_after_contact >= 3  # the pusher really pushes things


def test_push_actions_record_the_pusher_motion():
    scene = make_scene("push", 11, FRAMES)
    episode = simulate(scene, FRAMES, FPS, SUBSTEPS, [(32, 32)])
    pusher = next(i for i, spec in enumerate(scene.objects) if spec.role == "pusher")
    track = episode.states[episode.states.object_id == pusher][["x", "y"]].to_numpy()
    moved = np.diff(track, axis=0)
    commanded = episode.actions[:-1, :2]
    assert np.abs(moved - commanded).max() < 5e-3
    assert set(np.unique(episode.actions[:, 3])) <= {0.0, 1.0} and episode.actions[:, 3].any()


def _median_sampson_px(points_1, points_2, intrinsics, rotation, translation) -> float:
    skew = np.array(
        [
            [0, -translation[2], translation[1]],
            [translation[2], 0, -translation[0]],
            [-translation[1], translation[0], 0],
        ]
    )
    inverse_k = np.linalg.inv(intrinsics)
    fundamental = inverse_k.T @ skew @ rotation @ inverse_k
    h1, h2 = np.c_[points_1, np.ones(len(points_1))], np.c_[points_2, np.ones(len(points_2))]
    line2, line1 = (fundamental @ h1.T).T, (fundamental.T @ h2.T).T
    numerator = np.sum(h2 * line2, axis=1) ** 2
    return float(
        np.median(np.sqrt(numerator / (line2[:, 0] ** 2 + line2[:, 1] ** 2 + line1[:, 0] ** 2 + line1[:, 1] ** 2)))
    )


def test_orbit_ground_truth_geometry_explains_sift_matches():
    # An orbiting camera really translates, so the epipolar geometry tests the recorded translation too.
    episode = simulate(make_scene("orbit", 1, FRAMES, camera_motion="orbit"), FRAMES, FPS, SUBSTEPS, [(128, 128)])
    view, cameras = episode.views[128], episode.world_to_camera
    gray = [cv2.cvtColor(view.rgb[i], cv2.COLOR_RGB2GRAY) for i in (0, 6)]
    sift = cv2.SIFT_create()
    (k1, d1), (k2, d2) = (sift.detectAndCompute(image, None) for image in gray)
    matches = [m for m, n in cv2.BFMatcher().knnMatch(d1, d2, k=2) if m.distance < 0.75 * n.distance]
    assert len(matches) >= 20
    p1 = np.float64([k1[m.queryIdx].pt for m in matches])
    p2 = np.float64([k2[m.trainIdx].pt for m in matches])
    relative = cameras[6] @ np.linalg.inv(cameras[0])
    rotation, translation = relative[:3, :3], relative[:3, 3]
    assert np.linalg.norm(translation) > 0.05  # metres: the camera moved
    assert (
        _median_sampson_px(p1, p2, view.intrinsics, rotation, translation) < 0.5
    )  # pixels: sub-pixel for the typical match
    # A wrong translation (turned 90 degrees in the image plane) does not explain the matches.
    wrong = np.array([-translation[1], translation[0], translation[2]])
    assert _median_sampson_px(p1, p2, view.intrinsics, rotation, wrong) > 2.0


def test_captions_say_what_the_states_show(rendered):
    _, index = rendered
    for row in index.itertuples():
        episode = read_episode_folder(row.path)
        first = episode.states[episode.states.frame == 0].set_index("name")
        last = episode.states[episode.states.frame == FRAMES - 1].set_index("name")
        for name in first.index:
            moved = np.linalg.norm(
                last.loc[name, ["x", "y", "z"]].to_numpy(float) - first.loc[name, ["x", "y", "z"]].to_numpy(float)
            )
            if f"the {name} stays" in row.caption:
                assert moved < 0.03
            if f"the {name} rolls down" in row.caption or f"the {name} slides down" in row.caption:
                assert last.loc[name, "z"] < first.loc[name, "z"] - 0.05
        words = set(re.findall(r"[a-z]+", row.caption.lower()))
        for colour_word in PALETTE:
            assert (colour_word in words) == (colour_word in set(first["colour"])), row.caption


def test_same_seed_same_bytes_and_a_second_take_is_a_real_rerun(tmp_path):
    params = SimulationParams(episodes={"collide": {"test": 1}}, progress=False)
    first = render_all(params, tmp_path / "a").iloc[0]
    second = render_all(params, tmp_path / "b").iloc[0]
    for folder in ("", "take2"):
        for name in ("frames.npz", "actions.npy", "camera.json", "caption.txt"):
            assert (tmp_path / "a" / "collide" / first.episode_id / folder / name).read_bytes() == (
                tmp_path / "b" / "collide" / second.episode_id / folder / name
            ).read_bytes()
    take1 = read_episode_folder(first.path)
    take2 = read_episode_folder(f"{first.path}/take2")
    start1 = take1.states[take1.states.frame == 0][["x", "y"]].to_numpy()
    start2 = take2.states[take2.states.frame == 0][["x", "y"]].to_numpy()
    assert 5e-4 < np.abs(start1 - start2).max() < 2e-2  # millimetres, not the 1e-4 m of a near copy
    # The striker hits the other objects a little differently: the frames differ visibly, not by a few grey levels.
    difference = np.abs(take1.rgb.astype(int) - take2.rgb.astype(int))
    assert (difference.max(axis=-1) > 30).sum() > 20
    assert np.array_equal(take1.world_to_camera, take2.world_to_camera)  # the same camera films both takes


def test_splits_are_disjoint_and_stable_when_counts_grow():
    small = plan_episodes(0, {"drop": {"train": 5, "val": 2, "test": 3}})
    large = plan_episodes(0, {"drop": {"train": 50, "val": 2, "test": 3}})
    seeds = {split: {p.seed for p in small if p.split == split} for split in ("train", "val", "test")}
    assert (
        not (seeds["train"] & seeds["test"])
        and not (seeds["train"] & seeds["val"])
        and not (seeds["val"] & seeds["test"])
    )
    assert [p for p in small if p.split == "test"] == [p for p in large if p.split == "test"]
    assert [p for p in small if p.split == "train"] == [p for p in large if p.split == "train"][:5]
    assert plan_episodes(1, {"drop": {"test": 3}}) != [p for p in small if p.split == "test"]


def test_bad_parameters_are_refused_with_reasons():
    with pytest.raises(ValueError, match="1 \\+ a multiple of 8"):
        SimulationParams(num_frames=16)
    with pytest.raises(ValueError, match="unknown scenario"):
        SimulationParams(episodes={"juggle": {"train": 1}})
    with pytest.raises(ValueError, match="camera_motion.drop"):
        SimulationParams(camera_motion={"drop": "spin"})
    with pytest.raises(ValueError, match="unknown split"):
        plan_episodes(0, {"drop": {"training": 1}})


def test_a_second_take_sets_objects_up_again_within_a_rigs_repeatability_but_not_the_pusher():
    scene = make_scene("push", 5, FRAMES)
    again = second_take_scene(scene, 1, SecondTakeParams())
    for before, after in zip(scene.objects, again.objects):
        offset = np.subtract(after.position, before.position)
        if before.role == "pusher":
            assert after == before
            continue
        assert 0 < np.abs(offset[:2]).max() < 0.01 and offset[2] == 0  # along the floor, within millimetres
        assert after.friction != before.friction and abs(after.friction / before.friction - 1) < 0.25
        assert after.orientation != before.orientation and np.linalg.norm(after.orientation) == pytest.approx(1.0)
    striker = make_scene("collide", 2, FRAMES).objects[0]
    launched = second_take_scene(make_scene("collide", 2, FRAMES), 1, SecondTakeParams()).objects[0]
    speed, speed_again = np.linalg.norm(striker.linear_velocity), np.linalg.norm(launched.linear_velocity)
    assert (
        speed_again != speed
        and abs(speed_again / speed - 1) < 0.1
        and launched.linear_velocity[2] == striker.linear_velocity[2]
    )
    unchanged = second_take_scene(
        scene,
        1,
        SecondTakeParams(
            **dict.fromkeys(
                [
                    "position_sigma_m",
                    "yaw_sigma_deg",
                    "speed_sigma_fraction",
                    "direction_sigma_deg",
                    "friction_sigma_fraction",
                    "restitution_sigma_fraction",
                ],
                0.0,
            )
        ),
    )
    assert [(spec.position, spec.friction) for spec in unchanged.objects] == [
        (spec.position, spec.friction) for spec in scene.objects
    ]
    with pytest.raises(ValueError, match="position_sigma_m"):
        SecondTakeParams(position_sigma_m=-1.0)
    with pytest.raises(ValueError, match="unknown fields"):
        SimulationParams(second_take={"jitter_m": 1e-4})


def test_depth_buffer_conversion_is_metric():
    lens = Lens(near=0.1, far=10.0)
    assert lens.depth_from_zbuffer(np.array([0.0]))[0] == pytest.approx(0.1)
    assert lens.depth_from_zbuffer(np.array([1.0]))[0] == pytest.approx(10.0)


def test_moving_cameras_record_their_motion_as_actions():
    scene = make_scene("drop", 2, FRAMES, camera_motion="dolly")
    episode = simulate(scene, FRAMES, FPS, SUBSTEPS, [(32, 32)])
    assert np.abs(episode.actions[:-1, 4:7]).max() > 0  # camera translation per frame
    assert not episode.actions[-1].any()
    static = simulate(
        replace(
            scene,
            camera=CameraPath(scene.camera.eyes[:1].repeat(FRAMES, 0), scene.camera.targets[:1].repeat(FRAMES, 0)),
        ),
        FRAMES,
        FPS,
        SUBSTEPS,
        [(32, 32)],
    )
    assert np.abs(static.actions[:, 4:]).max() < 1e-9
