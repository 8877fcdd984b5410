"""Clip splitting: trimming at cuts, too-short shots kept as rejects, long shots split evenly."""

from __future__ import annotations

import numpy as np
import pytest

from cosmos_flow.curation.splitting import (
    TOO_SHORT,
    CandidateClip,
    ClipSplitParams,
    even_pieces,
    frames_at_least,
    frames_at_most,
    split_shots,
)


class Range:
    def __init__(self, start_frame: int, end_frame: int):
        self.start_frame, self.end_frame = start_frame, end_frame


def ranges(*pairs: tuple[int, int]) -> list[Range]:
    return [Range(start, end) for start, end in pairs]


def test_a_single_shot_video_is_one_untrimmed_clip():
    assert split_shots(ranges((0, 250)), fps=25, num_frames=250) == [CandidateClip(0, 250, 0)]


def test_trims_half_a_second_at_cuts_only():
    # 25 fps: 0.5 s is 12.5 frames, so 13 frames go, at the cut between the shots only.
    clips = split_shots(ranges((0, 100), (100, 250)), fps=25, num_frames=250)
    assert clips == [CandidateClip(0, 87, 0), CandidateClip(113, 250, 1)]


def test_shots_separated_by_a_transition_are_trimmed_on_both_sides_of_it():
    # Frames 100-109 are a dissolve, in no shot; the last shot ends before the video does.
    clips = split_shots(ranges((0, 100), (110, 240)), fps=25, num_frames=250)
    assert clips == [CandidateClip(0, 87, 0), CandidateClip(123, 227, 1)]


def test_a_shot_exactly_min_length_after_trimming_is_kept_and_one_frame_less_is_not():
    # 2 s at 25 fps is 50 frames; a middle shot loses 13 frames at each end.
    exact = split_shots(ranges((0, 100), (100, 176), (176, 300)), fps=25, num_frames=300)
    assert exact[1] == CandidateClip(113, 163, 1)
    short = split_shots(ranges((0, 100), (100, 175), (175, 300)), fps=25, num_frames=300)
    assert short[1] == CandidateClip(100, 175, 1, TOO_SHORT)
    assert not short[1].kept and short[0].kept and short[2].kept


def test_too_short_and_zero_length_shots_come_back_whole_as_rejects():
    clips = split_shots(ranges((0, 40), (40, 40), (40, 300)), fps=25, num_frames=300)
    assert clips == [CandidateClip(0, 40, 0, TOO_SHORT), CandidateClip(40, 40, 1, TOO_SHORT), CandidateClip(53, 300, 2)]


def test_long_shots_split_into_the_fewest_even_pieces():
    # 150 s at 25 fps, no cut: three pieces of exactly 50 s.
    clips = split_shots(ranges((0, 3750)), fps=25, num_frames=3750)
    assert [(clip.start_frame, clip.end_frame) for clip in clips] == [(0, 1250), (1250, 2500), (2500, 3750)]
    assert {clip.shot_index for clip in clips} == {0}
    # 60 s + 1 frame: two pieces, 751 and 750 frames.
    assert [clip.num_frames for clip in split_shots(ranges((0, 1501)), fps=25, num_frames=1501)] == [751, 750]
    # Exactly 60 s stays whole.
    assert split_shots(ranges((0, 1500)), fps=25, num_frames=1500) == [CandidateClip(0, 1500, 0)]


def test_ntsc_frame_rate_rounds_so_that_the_bounds_in_seconds_hold():
    fps = 30000 / 1001  # 29.97
    assert frames_at_least(0.5, fps) == 15  # 14.985 frames would trim less than 0.5 s
    assert frames_at_least(2.0, fps) == 60  # 59 frames last 1.969 s
    assert frames_at_most(60.0, fps) == 1798  # 1799 frames last 60.027 s
    # A middle shot with exactly 60 frames left after trimming is kept; 59 are not.
    kept = split_shots(ranges((0, 100), (100, 190), (190, 400)), fps=fps, num_frames=400)
    assert kept[1] == CandidateClip(115, 175, 1)
    rejected = split_shots(ranges((0, 100), (100, 189), (189, 400)), fps=fps, num_frames=400)
    assert rejected[1].reject_reason == TOO_SHORT


@pytest.mark.parametrize("fps", [25.0, 30000 / 1001, 24.0, 59.94, 7.5])
def test_invariants_on_random_shot_lists(fps):
    params = ClipSplitParams()
    rng = np.random.default_rng(int(fps * 100))
    for _ in range(50):
        lengths = rng.choice([0, 1, 30, 60, 61, 75, 500, 1800, 1801, 4000, 9000], size=rng.integers(1, 8))
        gaps = rng.choice([0, 0, 0, 5, 12], size=len(lengths))
        starts = np.cumsum(np.concatenate([[gaps[0] * rng.integers(0, 2)], lengths[:-1] + gaps[1:]]))
        shots = ranges(*[(int(start), int(start + length)) for start, length in zip(starts, lengths)])
        num_frames = int(starts[-1] + lengths[-1] + gaps[0] * rng.integers(0, 2))
        clips = split_shots(shots, fps=fps, num_frames=num_frames, params=params)

        assert sorted({clip.shot_index for clip in clips}) == list(range(len(shots)))  # every shot accounted for
        for index, shot in enumerate(shots):
            mine = [clip for clip in clips if clip.shot_index == index]
            if mine[0].reject_reason == TOO_SHORT:
                assert mine == [CandidateClip(shot.start_frame, shot.end_frame, index, TOO_SHORT)]
                continue
            assert all(clip.kept for clip in mine)
            for before, after in zip(mine, mine[1:]):
                assert before.end_frame == after.start_frame  # contiguous pieces
            assert max(clip.num_frames for clip in mine) - min(clip.num_frames for clip in mine) <= 1
            for clip in mine:
                assert params.min_clip_s - 1e-9 <= clip.num_frames / fps <= params.max_clip_s + 1e-9
            head = (mine[0].start_frame - shot.start_frame) / fps
            tail = (shot.end_frame - mine[-1].end_frame) / fps
            assert head == 0 if shot.start_frame == 0 else params.trim_s <= head < params.trim_s + 1 / fps
            assert tail == 0 if shot.end_frame == num_frames else params.trim_s <= tail < params.trim_s + 1 / fps


def test_even_pieces_cover_the_range_in_as_few_pieces_as_allowed():
    for length in range(1, 200):
        for max_length in (1, 7, 50, 199):
            pieces = even_pieces(10, 10 + length, max_length)
            sizes = [end - start for start, end in pieces]
            assert pieces[0][0] == 10 and pieces[-1][1] == 10 + length and sum(sizes) == length
            assert max(sizes) <= max_length and len(pieces) == -(-length // max_length) and max(sizes) - min(sizes) <= 1


def test_bad_inputs_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="fps"):
        split_shots(ranges((0, 10)), fps=0, num_frames=10)
    with pytest.raises(ValueError, match="shot 1"):
        split_shots(ranges((0, 10), (10, 20)), fps=25, num_frames=15)
    with pytest.raises(ValueError, match="shot 0"):
        split_shots(ranges((8, 5)), fps=25, num_frames=15)
    with pytest.raises(ValueError, match="twice min_clip_s"):
        split_shots(ranges((0, 10)), fps=25, num_frames=10, params=ClipSplitParams(min_clip_s=2.0, max_clip_s=3.0))
    # Just feasible: 99 frames max, 50 min: a 100-frame shot becomes two pieces of 50.
    params = ClipSplitParams(trim_s=0.0, min_clip_s=2.0, max_clip_s=3.96)
    assert [clip.num_frames for clip in split_shots(ranges((0, 100)), fps=25, num_frames=100, params=params)] == [
        50,
        50,
    ]
