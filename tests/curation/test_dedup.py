"""Clip embeddings and near-duplicate removal on real clips cut from the sample videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cosmos_flow.curation.dedup import DUPLICATE, DedupParams, cluster_embeddings, deduplicate
from cosmos_flow.curation.embedding import VisualDescriptorEmbedder, embed_clips, make_embedder
from cosmos_flow.video import cut_clip, probe, read_frames
from cosmos_flow.video.samples import sample_video_path

ANALYSIS_SHORT_SIDE = 128
# Ten distinct clips: different segments of the sample videos (several of the same video).
DISTINCT = {
    "bikes_000": ("bikes", 0, 50),
    "bikes_060": ("bikes", 60, 110),
    "bikes_120": ("bikes", 120, 170),
    "bikes_190": ("bikes", 190, 240),
    "test_1000": ("test", 1000, 1050),
    "test_2000": ("test", 2000, 2050),
    "test_3000": ("test", 3000, 3050),
    "bigbuckbunny_000": ("bigbuckbunny", 0, 50),
    "bigbuckbunny_070": ("bigbuckbunny", 70, 120),
    "carphone_000": ("carphone_pristine", 0, 50),
}
# Re-encoded at half the resolution and a much lower bitrate: near-duplicates of the originals.
REENCODED = {"bikes_000_small": "bikes_000", "test_2000_small": "test_2000", "carphone_000_small": "carphone_000"}


def analysis_size(path: Path) -> tuple[int, int] | None:
    """The size the pipeline decodes a clip at: shorter side 128 (never enlarged)."""
    info = probe(path)
    scale = ANALYSIS_SHORT_SIDE / min(info.width, info.height)
    return (round(info.width * scale / 2) * 2, round(info.height * scale / 2) * 2) if scale < 1 else None


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, tuple[np.ndarray, int, int]]:
    """clip id -> (analysis frames: every third frame, width, height) for every clip.

    The distinct clips are decoded straight from the sample videos; the copies are cut and
    re-encoded with ffmpeg at half the resolution and crf 35.
    """
    folder = tmp_path_factory.mktemp("dedup")
    clips = {}
    for clip_id, (name, start, end) in DISTINCT.items():
        source = sample_video_path(name)
        info = probe(source)
        clips[clip_id] = (read_frames(source, start, end, size=analysis_size(source))[::3], info.width, info.height)
    for clip_id, original in REENCODED.items():
        name, start, end = DISTINCT[original]
        _, width, height = clips[original]
        path = cut_clip(
            sample_video_path(name),
            folder / f"{clip_id}.mp4",
            start,
            end,
            size=(width // 4 * 2, height // 4 * 2),
            crf=35,
        )
        info = probe(path)
        clips[clip_id] = (read_frames(path, size=analysis_size(path))[::3], info.width, info.height)
    return clips


@pytest.fixture(scope="module")
def embeddings(clips) -> dict[str, np.ndarray]:
    rows = embed_clips(frames for frames, _, _ in clips.values())
    return dict(zip(clips, rows, strict=True))


def test_embeddings_are_unit_vectors_of_the_stated_size(embeddings):
    embedder = VisualDescriptorEmbedder()
    for vector in embeddings.values():
        assert vector.shape == (embedder.dim,) and vector.dtype == np.float32
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_reencoding_at_half_resolution_keeps_the_embedding(embeddings):
    for copy, original in REENCODED.items():
        assert float(embeddings[copy] @ embeddings[original]) >= 0.99, copy


def test_distinct_clips_are_clearly_apart(embeddings):
    vectors = np.stack([embeddings[clip_id] for clip_id in DISTINCT])
    similarities = vectors @ vectors.T
    np.fill_diagonal(similarities, -1.0)
    assert similarities.max() <= 0.95


def test_reencoded_copies_are_duplicates_of_their_originals(clips, embeddings):
    ids = list(clips)
    result = deduplicate(
        np.stack([embeddings[clip_id] for clip_id in ids]),
        ids,
        widths=[clips[clip_id][1] for clip_id in ids],
        heights=[clips[clip_id][2] for clip_id in ids],
        params=DedupParams(clips_per_cluster=4),
    )
    duplicate_of = dict(zip(ids, result.duplicate_of, strict=True))
    for copy, original in REENCODED.items():
        assert duplicate_of[copy] == original
    assert all(duplicate_of[clip_id] is None for clip_id in DISTINCT)  # the originals are kept, none merged
    assert len(np.unique(result.cluster_ids)) == 4  # ceil(13 clips / 4 per cluster)
    assert result.reject_reasons().count(DUPLICATE) == len(REENCODED)


def test_the_highest_resolution_copy_is_kept_whatever_the_order():
    rng = np.random.default_rng(0)
    base = rng.normal(size=32)
    near = base + rng.normal(scale=0.01, size=(4, 32))  # four near-identical embeddings
    ids, widths, heights = ["d", "a", "c", "b"], [320, 640, 640, 160], [180, 360, 360, 90]
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        result = deduplicate(
            near[order], [ids[i] for i in order], [widths[i] for i in order], [heights[i] for i in order]
        )
        by_id = dict(zip([ids[i] for i in order], result.duplicate_of, strict=True))
        # a and c tie on resolution: the id breaks the tie.
        assert by_id == {"a": None, "b": "a", "c": "a", "d": "a"}


def test_duplicates_point_at_kept_clips_not_along_chains():
    """b is within epsilon of a and of c, but a and c are not: c stays, b goes to a."""
    angle = np.arccos(1 - 0.008)  # just inside epsilon = 0.01
    directions = [0.0, angle, 2 * angle]
    vectors = np.array([[np.cos(t), np.sin(t)] for t in directions])
    result = deduplicate(vectors, ["a", "b", "c"], [300, 200, 100], [300, 200, 100])
    assert result.duplicate_of == [None, "a", None]


def test_epsilon_is_a_parameter():
    vectors = np.array([[1.0, 0.0], [0.97, np.sqrt(1 - 0.97**2)]])
    assert deduplicate(vectors, ["a", "b"], [2, 1], [2, 1]).duplicate_of == [None, None]
    assert deduplicate(vectors, ["a", "b"], [2, 1], [2, 1], DedupParams(epsilon=0.05)).duplicate_of == [None, "a"]


def test_clustering_is_seeded_and_sized_by_clips_per_cluster():
    vectors = np.random.default_rng(1).normal(size=(50, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    params = DedupParams(clips_per_cluster=10, seed=3)
    first, second = cluster_embeddings(vectors, params), cluster_embeddings(vectors, params)
    assert np.array_equal(first, second) and len(np.unique(first)) == 5


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="one embedding, id, width and height per clip"):
        deduplicate(np.ones((2, 3)), ["a"], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="unique"):
        deduplicate(np.ones((2, 3)), ["a", "a"], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="visual_descriptor"):
        make_embedder("siglip")
    assert make_embedder("visual_descriptor", thumbnail_size=8).dim == 4 * 8 * 8 + 3 * 16 + 8
    assert deduplicate(np.zeros((0, 3)), [], [], []).duplicate_of == []
