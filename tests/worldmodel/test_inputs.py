"""The world models' shared inputs: training clips through a saved tokenizer of the right kind, captions embedded
once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from cosmos_flow.tokenizer import CausalVideoTokenizer, get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.worldmodel.inputs import LatentDataSettings, caption_embeddings, encode_training_clips

SETTINGS = LatentDataSettings(frames=9, size=32, encode_batch_size=2, device="cpu", progress=False)


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> pd.DataFrame:
    """Three sim-like clips (frames.npz), one per split."""
    folder = tmp_path_factory.mktemp("episodes")
    rng = np.random.default_rng(0)
    rows = []
    for clip_id, split in (("a", "train"), ("b", "val"), ("c", "test")):
        path = folder / clip_id / "frames.npz"
        path.parent.mkdir()
        np.savez(path, rgb=rng.integers(0, 256, (9, 32, 32, 3), dtype=np.uint8))
        rows.append(
            {
                "clip_id": clip_id,
                "path": str(path.parent / "video.mp4"),
                "frames_path": str(path),
                "split": split,
                "scenario": "drop",
                "caption": f"clip {clip_id}",
            }
        )
    return pd.DataFrame(rows)


def _saved_tokenizer(kind: str):
    torch.manual_seed(0)
    return tokenizer_artifact(CausalVideoTokenizer(get_config(f"{kind}-tiny-8x8x8")))


def test_settings_resolve_the_device():
    assert SETTINGS.torch_device() == torch.device("cpu")
    assert LatentDataSettings().torch_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("kind", ["cv", "dv"])
def test_train_and_val_clips_are_encoded_by_a_tokenizer_of_the_right_kind(table, kind):
    clips = encode_training_clips(
        _saved_tokenizer(kind), table, SETTINGS, kind=kind, tokenizer_name=f"tokenizer_{kind}"
    )
    assert clips.clip_ids == ["a", "b"] and clips.splits == ["train", "val"] and (clips.frames, clips.size) == (9, 32)
    assert clips.tokenizer_config["kind"] == kind
    assert (clips.indices is not None) == (kind == "dv")  # token indices only from a discrete tokenizer


def test_a_tokenizer_of_the_wrong_kind_is_refused_by_name(table):
    with pytest.raises(ValueError, match="reads discrete tokens, but tokenizer_dv is a cv tokenizer; train a dv one"):
        encode_training_clips(_saved_tokenizer("cv"), table, SETTINGS, kind="dv", tokenizer_name="tokenizer_dv")
    with pytest.raises(ValueError, match="tokenizer kind must be one of"):
        encode_training_clips(_saved_tokenizer("cv"), table, SETTINGS, kind="continuous", tokenizer_name="tokenizer_cv")


def test_each_distinct_caption_is_embedded_once():
    embeddings = caption_embeddings(
        {"kind": "minilm", "max_tokens": 8}, ["a ball falls", "a box slides", "a ball falls"]
    )
    assert embeddings.captions == ["a ball falls", "a box slides"]
    assert embeddings.embeddings.shape[:2] == (2, 8) and embeddings.encoder_spec["kind"] == "minilm"
