"""Cosmos-style causal video tokenizers: continuous (CV) and discrete (DV, FSQ) latents of videos."""

from __future__ import annotations

from cosmos_flow.tokenizer.fsq import FSQ
from cosmos_flow.tokenizer.model import CausalVideoTokenizer, TokenizerConfig
from cosmos_flow.tokenizer.registry import TOKENIZER_CONFIGS, get_config
from cosmos_flow.tokenizer.saved import load_tokenizer, tokenizer_artifact
from cosmos_flow.tokenizer.wavelet import haar_patch, haar_unpatch

__all__ = [
    "FSQ",
    "TOKENIZER_CONFIGS",
    "CausalVideoTokenizer",
    "TokenizerConfig",
    "get_config",
    "haar_patch",
    "haar_unpatch",
    "load_tokenizer",
    "tokenizer_artifact",
]
