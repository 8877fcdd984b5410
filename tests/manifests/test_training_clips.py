import numpy as np
import pandas as pd
import pytest

from cosmos_flow.manifests.training_clips import TRAINING_CLIP_COLUMNS, load_clip_frames, training_clip_table
from cosmos_flow.video import write_video

SIM_SPLITS = {
    "drop_train_0000": ("drop", "train"),
    "drop_val_0000": ("drop", "val"),
    "push_test_0000": ("push", "test"),
}


def _tables(num_real: int = 10):
    """(clips, videos, episodes): three sim clips, `num_real` real ones, and two clips that were not kept."""
    videos, clips, episodes = [], [], []
    for index, (episode_id, (scenario, split)) in enumerate(SIM_SPLITS.items()):
        video_id = f"sim{index}"
        videos.append({"video_id": video_id, "source": "sim", "episode_id": episode_id})
        clips.append({"clip_id": f"{video_id}_clip", "video_id": video_id, "path": f"clips/{video_id}.mp4",
                      "kept": True, "caption": None,
                      "num_frames": 17, "fps": 12.0, "width": 64, "height": 64})  # fmt: skip
        episodes.append(
            {
                "episode_id": episode_id,
                "scenario": scenario,
                "split": split,
                "path": f"sim/{scenario}/{episode_id}",
                "caption": f"caption of {episode_id}",
            }
        )
    for index in range(num_real):
        video_id = f"real{index}"
        videos.append({"video_id": video_id, "source": "sample", "episode_id": None})
        clips.append({"clip_id": f"{video_id}_clip", "video_id": video_id, "path": f"clips/{video_id}.mp4",
                      "kept": True, "caption": "a street",
                      "num_frames": 60, "fps": 25.0, "width": 160, "height": 90})  # fmt: skip
    for clip_id, video_id in (("rejected_sim", "sim0"), ("rejected_real", "real0")):
        clips.append(
            {
                "clip_id": clip_id,
                "video_id": video_id,
                "path": None,
                "kept": False,
                "caption": None,
                "num_frames": 3,
                "fps": 25.0,
                "width": 64,
                "height": 64,
            }
        )
    return pd.DataFrame(clips), pd.DataFrame(videos), pd.DataFrame(episodes)


def test_kept_clips_only_with_the_contract_columns():
    clips, videos, episodes = _tables()
    table = training_clip_table(clips, videos, episodes)
    assert list(table.columns) == list(TRAINING_CLIP_COLUMNS)
    assert len(table) == 13 and not table["clip_id"].str.startswith("rejected").any()


def test_sim_clips_take_their_episode_split_and_frames():
    clips, videos, episodes = _tables()
    table = training_clip_table(clips, videos, episodes).set_index("clip_id")
    for index, (episode_id, (scenario, split)) in enumerate(SIM_SPLITS.items()):
        row = table.loc[f"sim{index}_clip"]
        assert (row["split"], row["scenario"], row["episode_id"], row["source"]) == (split, scenario, episode_id, "sim")
        assert row["frames_path"] == f"sim/{scenario}/{episode_id}/frames.npz"
        assert row["caption"] == f"caption of {episode_id}"  # the missing curation caption is filled from the episode


def test_real_clips_split_by_a_stable_hash():
    clips, videos, episodes = _tables()
    table = training_clip_table(clips, videos, episodes, real_test_fraction=0.3)
    real = table[table["scenario"] == "real"]
    assert set(real["source"]) == {"sample"} and real["frames_path"].isna().all() and real["episode_id"].isna().all()
    assert (real["split"] == "test").sum() == 3 and (real["split"] == "train").sum() == 7
    # The same inputs in another order give the same split; another seed gives another one.
    shuffled = training_clip_table(clips.sample(frac=1.0, random_state=1), videos, episodes, real_test_fraction=0.3)
    pd.testing.assert_frame_equal(shuffled, table)
    other = training_clip_table(clips, videos, episodes, real_test_fraction=0.3, seed=5)
    assert set(other.loc[other["split"] == "test", "clip_id"]) != set(real.loc[real["split"] == "test", "clip_id"])


def test_at_least_one_real_test_clip_and_fraction_checked():
    clips, videos, episodes = _tables(num_real=2)
    table = training_clip_table(clips, videos, episodes, real_test_fraction=0.1)
    assert sorted(table.loc[table["scenario"] == "real", "split"]) == ["test", "train"]
    with pytest.raises(ValueError, match="real_test_fraction"):
        training_clip_table(clips, videos, episodes, real_test_fraction=1.0)


def _real_videos(clips_per_video: list[int]):
    """(clips, videos): real videos "v0", "v1", ... with the given numbers of kept clips each."""
    videos, clips = [], []
    for index, count in enumerate(clips_per_video):
        video_id = f"v{index}"
        videos.append({"video_id": video_id, "source": "sample", "episode_id": None})
        for clip in range(count):
            clips.append({"clip_id": f"{video_id}_{clip:02d}", "video_id": video_id,
                          "path": f"clips/{video_id}_{clip}.mp4", "kept": True, "caption": "a street",
                          "num_frames": 60, "fps": 25.0, "width": 160, "height": 90})  # fmt: skip
    return pd.DataFrame(clips), pd.DataFrame(videos)


def test_real_clips_of_one_video_never_straddle_splits():
    clips, videos = _real_videos([6, 5, 7, 4, 6, 5])
    for seed in range(8):
        table = training_clip_table(clips, videos, None, real_test_fraction=0.3, seed=seed).merge(
            clips[["clip_id", "video_id"]], on="clip_id"
        )
        splits_per_video = table.groupby("video_id")["split"].nunique()
        assert (splits_per_video == 1).all(), f"seed {seed}: a video gives clips to both train and test"


def test_real_test_share_counts_videos_not_clips():
    # One long video with most clips and five short ones: 30% of six videos is two videos, whatever their clip counts.
    clips, videos = _real_videos([30, 1, 1, 1, 1, 1])
    for seed in range(8):
        table = training_clip_table(clips, videos, None, real_test_fraction=0.3, seed=seed).merge(
            clips[["clip_id", "video_id"]], on="clip_id"
        )
        per_video = table.groupby("video_id")["split"].first()
        assert (per_video == "test").sum() == 2 and (per_video == "train").sum() == 4


def test_real_video_split_is_deterministic_and_seeded():
    clips, videos = _real_videos([3] * 10)
    table = training_clip_table(clips, videos, None, real_test_fraction=0.3, seed=0)
    # The same split from shuffled inputs, and (SHA-256, not hash()) the ranking is pinned for seed 0.
    shuffled = training_clip_table(
        clips.sample(frac=1.0, random_state=3),
        videos.sample(frac=1.0, random_state=4),
        None,
        real_test_fraction=0.3,
        seed=0,
    )
    pd.testing.assert_frame_equal(shuffled, table)
    test_videos = sorted({clip_id.split("_")[0] for clip_id in table.loc[table["split"] == "test", "clip_id"]})
    assert test_videos == ["v3", "v5", "v9"]  # the three first by sha256("0:<video_id>")
    other = training_clip_table(clips, videos, None, real_test_fraction=0.3, seed=5)
    assert set(other.loc[other["split"] == "test", "clip_id"]) != set(table.loc[table["split"] == "test", "clip_id"])


def test_a_single_real_video_goes_to_train_whole():
    clips, videos = _real_videos([5])
    table = training_clip_table(clips, videos, None, real_test_fraction=0.9)
    assert set(table["split"]) == {"train"}


@pytest.mark.parametrize(
    "episodes", [None, pd.DataFrame(columns=["episode_id", "scenario", "split", "path", "caption"])]
)
def test_without_episodes_sim_clips_are_split_like_real_ones(episodes):
    clips, videos, _ = _tables()
    table = training_clip_table(clips, videos, episodes)
    assert set(table["scenario"]) == {"real"} and set(table["split"]) == {"train", "test"}
    assert table["frames_path"].isna().all()
    assert set(table.loc[table["source"] == "sim", "episode_id"]) == set(SIM_SPLITS)


def test_load_clip_frames_reads_the_lossless_episode_frames(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (5, 64, 48, 3), dtype=np.uint8)
    np.savez_compressed(tmp_path / "frames.npz", rgb=rgb, depth=np.zeros((5, 64, 48), np.float32))
    row = {"frames_path": str(tmp_path / "frames.npz"), "path": "unused.mp4"}
    np.testing.assert_array_equal(load_clip_frames(row, None), rgb)
    np.testing.assert_array_equal(load_clip_frames(pd.Series(row), 64), rgb)
    assert load_clip_frames(row, 24).shape == (5, 32, 24, 3)


def test_load_clip_frames_decodes_and_shrinks_an_mp4(tmp_path):
    frames = np.zeros((6, 90, 160, 3), np.uint8)
    frames[:, 20:70, 40:120] = 200  # a bright box survives H.264 and area resizing
    path = write_video(tmp_path / "clip.mp4", frames, fps=25)
    row = pd.Series({"frames_path": None, "path": str(path)})
    full = load_clip_frames(row, None)
    assert full.shape == (6, 90, 160, 3) and abs(float(full.mean()) - float(frames.mean())) < 3
    small = load_clip_frames(row, 45)
    assert small.shape == (6, 44, 80, 3)  # short side at most 45, even sides, aspect kept
    assert small[:, 22, 40].mean() > 150 and small[:, 2, 2].mean() < 30
