"""Bootstrap intervals: stratified resamples, coverage of a known mean, overlap."""

import numpy as np
import pytest

from cosmos_flow.evaluation.intervals import (
    intervals_overlap,
    percentile_interval,
    resampled_means,
    stratified_resamples,
)


def test_resamples_stay_inside_their_stratum_and_repeat_with_the_seed():
    strata = np.array(["drop", "drop", "push", "push", "push"])
    draws = stratified_resamples(strata, resamples=200, seed=3)
    assert draws.shape == (200, 5)
    assert set(np.unique(draws[:, :2])) == {0, 1} and set(np.unique(draws[:, 2:])) == {2, 3, 4}
    assert np.array_equal(draws, stratified_resamples(strata, resamples=200, seed=3))
    assert not np.array_equal(draws, stratified_resamples(strata, resamples=200, seed=4))


def test_the_interval_of_a_mean_has_the_textbook_width_and_covers_the_mean():
    values = np.random.default_rng(0).normal(5.0, 2.0, 400)
    low, high = percentile_interval(resampled_means(values, stratified_resamples(np.zeros(400), 2000, seed=0)))
    # Normal theory: mean ± 1.96 σ / √n = ± 0.196.
    assert low < 5.0 < high and high - low == pytest.approx(2 * 1.96 * 2.0 / 20, rel=0.15)
    assert low == pytest.approx(values.mean() - 0.196, abs=0.05)


def test_nans_are_left_out_and_one_episode_collapses_the_interval():
    values = np.array([[1.0, np.nan], [3.0, np.nan]])
    means = resampled_means(values, np.array([[0, 0], [1, 1], [0, 1]]))
    assert means[:, 0].tolist() == [1.0, 3.0, 2.0] and np.isnan(means[:, 1]).all()
    low, high = percentile_interval(resampled_means(np.array([0.7]), stratified_resamples(np.zeros(1), 50)))
    assert low == high == pytest.approx(0.7)


def test_intervals_overlap_when_they_share_a_point():
    assert intervals_overlap((0.0, 1.0), (1.0, 2.0)) and intervals_overlap((0.0, 3.0), (1.0, 2.0))
    assert not intervals_overlap((0.0, 0.9), (1.0, 2.0)) and not intervals_overlap((2.1, 3.0), (1.0, 2.0))
