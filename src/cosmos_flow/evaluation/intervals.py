"""95% bootstrap confidence intervals of means over episodes.

The unit of resampling is the episode: one resample draws, within each stratum (a scenario), as
many episodes as the stratum has, with replacement. Every source of one table cell group is
resampled with the *same* draws (a paired bootstrap), so a statistic that compares two sources
(the Physics-IQ-style score against physical variance) keeps their pairing. Intervals are the
2.5th and 97.5th percentiles of the resampled statistic (the percentile bootstrap); with a single
episode they collapse to the mean itself.
"""

from __future__ import annotations

import warnings

import numpy as np

LEVEL = 0.95
RESAMPLES = 1000


def stratified_resamples(strata: np.ndarray, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """(resamples, n) episode indices: each row resamples every stratum's own episodes with replacement."""
    strata = np.asarray(strata)
    rng = np.random.default_rng(seed)
    draws = np.empty((resamples, len(strata)), dtype=np.int64)
    for stratum in dict.fromkeys(strata.tolist()):  # first-seen order: the same draws for the same table
        members = np.flatnonzero(strata == stratum)
        draws[:, members] = rng.choice(members, size=(resamples, len(members)), replace=True)
    return draws


def episode_means(values: np.ndarray) -> np.ndarray:
    """Means over episodes (the first axis) of values (n, ...); NaNs left out, NaN where every value is NaN."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) == 0:
        return np.full(values.shape[1:], np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=0)


def resampled_means(values: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Means over episodes of each resample: values (n, ...) and draws (B, n) give (B, ...); NaNs left out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a resample of NaNs only has a NaN mean
        return np.nanmean(np.asarray(values, dtype=np.float64)[draws], axis=1)


def percentile_interval(samples: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) percentiles of resampled statistics (B, ...) along the first axis; NaN resamples left out."""
    tail = 100.0 * (1.0 - level) / 2.0
    samples = np.asarray(samples, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN bounds
        low, high = np.nanpercentile(samples, [tail, 100.0 - tail], axis=0)
    return low, high


def intervals_overlap(first: tuple[float, float], second: tuple[float, float]) -> bool:
    """Whether two closed intervals (low, high) share a point."""
    return first[0] <= second[1] and second[0] <= first[1]
