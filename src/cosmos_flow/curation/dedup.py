"""Near-duplicate removal, as in Cosmos's curation: k-means on clip embeddings, then cosine
similarity within each cluster; clips at least 1 - epsilon similar are collapsed onto one.

Within a cluster, clips are visited from the highest resolution down (width * height, ties broken
by clip id so the result never depends on input order). A clip similar enough to one already kept
becomes a duplicate of the most similar kept clip; otherwise it is kept. So every group of
near-duplicates keeps its highest-resolution member, and every `duplicate_of` names a kept clip
that is itself within epsilon, never a chain of small steps away.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

LOGGER = logging.getLogger(__name__)

DUPLICATE = "duplicate"


@dataclass(frozen=True)
class DedupParams:
    """Parameters of deduplication (one Kedro parameter group)."""

    epsilon: float = 0.01  # near-duplicates have cosine similarity >= 1 - epsilon
    clips_per_cluster: int = 64  # k = ceil(number of clips / clips_per_cluster)
    seed: int = 0
    n_init: int = 3  # k-means restarts


@dataclass(frozen=True)
class DedupResult:
    """Per clip, in input order: its k-means cluster and the kept clip it duplicates (or None)."""

    cluster_ids: np.ndarray  # int (N,)
    duplicate_of: list[str | None]

    def reject_reasons(self) -> list[str | None]:
        return [DUPLICATE if original is not None else None for original in self.duplicate_of]


def cluster_embeddings(embeddings: np.ndarray, params: DedupParams = DedupParams()) -> np.ndarray:
    """k-means cluster id of each (unit-length) embedding, k from the number of clips."""
    count = len(embeddings)
    distinct = len(np.unique(embeddings.round(6), axis=0))
    k = max(1, min(math.ceil(count / params.clips_per_cluster), distinct))
    if k == 1:
        return np.zeros(count, dtype=np.int64)
    kmeans = KMeans(n_clusters=k, n_init=params.n_init, random_state=params.seed)
    return kmeans.fit_predict(embeddings).astype(np.int64)


def deduplicate(
    embeddings: np.ndarray,
    clip_ids: Sequence[str],
    widths: Sequence[int],
    heights: Sequence[int],
    params: DedupParams = DedupParams(),
) -> DedupResult:
    """Cluster the clips and mark near-duplicates; see the module docstring.

    embeddings: (N, D) float, one row per clip (normalized here to unit length);
    clip_ids, widths, heights: per clip, the id and the original resolution.
    """
    embeddings = np.asarray(embeddings, dtype=np.float64)
    if not (len(embeddings) == len(clip_ids) == len(widths) == len(heights)):
        raise ValueError(
            f"deduplicate needs one embedding, id, width and height per clip; got {len(embeddings)} embeddings, "
            f"{len(clip_ids)} ids, {len(widths)} widths, {len(heights)} heights"
        )
    if len(set(clip_ids)) != len(clip_ids):
        raise ValueError("clip ids must be unique")
    duplicate_of: list[str | None] = [None] * len(clip_ids)
    if len(embeddings) == 0:
        return DedupResult(cluster_ids=np.zeros(0, dtype=np.int64), duplicate_of=duplicate_of)

    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    cluster_ids = cluster_embeddings(unit, params)
    threshold = 1.0 - params.epsilon
    for cluster in np.unique(cluster_ids):
        members = sorted(np.flatnonzero(cluster_ids == cluster), key=lambda i: (-widths[i] * heights[i], clip_ids[i]))
        kept: list[int] = []
        for index in members:
            if kept:
                similarities = unit[kept] @ unit[index]
                best = int(np.argmax(similarities))
                if similarities[best] >= threshold:
                    duplicate_of[index] = clip_ids[kept[best]]
                    continue
            kept.append(index)
    LOGGER.info(
        "dedup: %d clips in %d clusters, %d near-duplicates",
        len(clip_ids),
        len(np.unique(cluster_ids)),
        sum(original is not None for original in duplicate_of),
    )
    return DedupResult(cluster_ids=cluster_ids, duplicate_of=duplicate_of)
