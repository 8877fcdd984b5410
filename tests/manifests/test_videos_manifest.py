import pandas as pd
import pytest

from cosmos_flow.manifests.contracts import CONTRACTS, ContractError, conform, empty_table
from cosmos_flow.manifests.validation import ManifestValidationError, validate, videos_expectations
from cosmos_flow.manifests.videos import VideoSource, build_videos_manifest, summarize_videos
from cosmos_flow.video.samples import SAMPLE_VIDEOS, sample_video_path


def test_bad_inputs_are_quarantined_with_sentences_and_good_ones_listed(bad_input_corpus):
    sources = [VideoSource(path, "user") for path, _ in bad_input_corpus.values()]
    videos, quarantine = build_videos_manifest(sources, progress=False)

    readable = {str(path) for path, ok in bad_input_corpus.values() if ok}
    unreadable = {str(path) for path, ok in bad_input_corpus.values() if not ok}
    assert set(videos["path"]) == readable
    assert set(quarantine["path"]) == unreadable
    assert (quarantine["stage"] == "ingest").all()
    for row in quarantine.itertuples():
        assert row.reason.endswith(".") and len(row.reason.split()) >= 4, row.reason
    reasons = dict(zip(quarantine["path"], quarantine["reason"]))
    assert "is empty (0 bytes)" in reasons[str(bad_input_corpus["zero_byte"][0])]
    assert "truncated" in reasons[str(bad_input_corpus["truncated"][0])]
    assert "no video stream" in reasons[str(bad_input_corpus["audio_only"][0])]
    assert list(videos.columns[: len(CONTRACTS["videos"])]) == list(CONTRACTS["videos"])
    validate(videos, "videos", videos_expectations())


def test_sample_videos_make_a_valid_manifest_with_stable_ids():
    sources = [VideoSource(sample_video_path(name), "sample") for name in SAMPLE_VIDEOS]
    first, quarantine = build_videos_manifest(sources, progress=False)
    second, _ = build_videos_manifest(sources, progress=False)
    assert len(first) == 5 and quarantine.empty
    assert list(first["video_id"]) == list(second["video_id"])
    validate(first, "videos", videos_expectations())
    metrics = summarize_videos(first, quarantine)
    assert metrics["videos"] == 5 and metrics["videos_sample"] == 5 and metrics["quarantined"] == 0
    assert metrics["total_frames"] == first["num_frames"].sum()


def test_a_copy_of_a_video_is_quarantined_naming_the_one_kept(tmp_path, bikes_path):
    copy = tmp_path / "bikes again.mp4"
    copy.write_bytes(bikes_path.read_bytes())
    videos, quarantine = build_videos_manifest(
        [VideoSource(bikes_path, "sample"), VideoSource(copy, "user")], progress=False
    )
    assert list(videos["path"]) == [str(bikes_path)]
    assert "same content as" in quarantine["reason"][0] and str(bikes_path) in quarantine["reason"][0]


def test_nothing_to_ingest_gives_empty_tables_with_the_contract_columns():
    videos, quarantine = build_videos_manifest([], progress=False)
    assert videos.empty and quarantine.empty
    assert list(videos.columns) == list(CONTRACTS["videos"])
    validate(videos, "videos", videos_expectations())


def test_validation_names_each_failed_expectation():
    sources = [VideoSource(sample_video_path(name), "sample") for name in ("bikes", "carphone_pristine")]
    videos, _ = build_videos_manifest(sources, progress=False)
    broken = pd.concat([videos, videos.iloc[:1]], ignore_index=True)
    broken.loc[1, "fps"] = -5.0
    with pytest.raises(ManifestValidationError) as caught:
        validate(broken, "videos", videos_expectations())
    message = str(caught.value)
    assert "3 expectation(s)" in message
    assert "expect_column_values_to_be_unique on column 'video_id'" in message
    assert "expect_column_values_to_be_between on column 'fps'" in message and "-5.0" in message


def test_contracts_check_columns_and_types():
    with pytest.raises(ContractError, match="lacks"):
        conform(pd.DataFrame({"path": ["a"]}), "quarantine")
    table = conform(pd.DataFrame({"reason": ["x."], "path": ["a"], "stage": ["ingest"], "extra": [1]}), "quarantine")
    assert list(table.columns) == ["path", "stage", "reason", "extra"]
    assert str(empty_table("videos")["width"].dtype) == "int64"
    with pytest.raises(ValueError, match="source must be one of"):
        VideoSource(sample_video_path("bikes"), "youtube")
