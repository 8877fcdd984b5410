"""Nodes of the autoregressive pipeline: training clip table (the tokenizer pipeline's) -> DV tokens -> caption
embeddings -> stage 1 (video) -> stage 2 (Video2World, text) -> saved models with cards -> metrics and sample videos."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import pandas as pd

from cosmos_flow.autoregressive.data import TokenClips, training_captions
from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.lightning import VAL_CONDITION_LATENTS
from cosmos_flow.autoregressive.samples import continue_clips
from cosmos_flow.autoregressive.sampling import SamplingParams
from cosmos_flow.autoregressive.saved import ServingSpec, ar_artifact, default_card
from cosmos_flow.autoregressive.train import ARTrainParams, stage_config, train_stage
from cosmos_flow.config import from_params
from cosmos_flow.model_store import ModelArtifact
from cosmos_flow.nn.text_encoder import CaptionEmbeddings
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.tracking import child_run_logger
from cosmos_flow.video.media import SampleVideo
from cosmos_flow.worldmodel.inputs import LatentDataSettings, caption_embeddings, encode_training_clips
from cosmos_flow.worldmodel.latents import LatentClips

log = logging.getLogger(__name__)

TOKENIZER_NAME = "tokenizer_dv"  # the catalog entry (and sibling model folder) the models read tokens from
STAGE_RUN_NAMES = {"video": "ar_video", "v2w": "ar_v2w"}


@dataclass
class AutoregressivePipelineParams:
    seed: int = 0
    data: dict = field(default_factory=dict)  # LatentDataSettings
    text_encoder: dict = field(default_factory=lambda: {"kind": "minilm", "max_tokens": 32})
    model: dict = field(default_factory=dict)  # ModelSettings
    sampling: dict = field(default_factory=dict)  # SamplingParams: the defaults saved with the models
    video: dict = field(default_factory=dict)  # {"train": ARTrainParams} of stage 1
    v2w: dict = field(default_factory=dict)  # {"train": ARTrainParams} of stage 2
    samples: dict = field(default_factory=dict)  # SampleSettings


@dataclass
class ModelSettings:
    size: str = "tiny"  # cosmos_flow.autoregressive.registry.AR_SIZES
    overrides: dict = field(default_factory=dict)  # ARConfig fields


@dataclass
class SampleSettings:
    clips: int = 2  # validation clips continued per stage
    condition_latent_frames: int = 2  # shared with the truth: 2 latent frames = 9 video frames
    fps: float = 12.0


def _params(autoregressive: dict) -> AutoregressivePipelineParams:
    return from_params(AutoregressivePipelineParams, autoregressive, "autoregressive")


def _data(params: AutoregressivePipelineParams) -> LatentDataSettings:
    return from_params(LatentDataSettings, params.data, "autoregressive.data")


def _sampling(params: AutoregressivePipelineParams) -> SamplingParams:
    return from_params(SamplingParams, params.sampling, "autoregressive.sampling")


def _samples(params: AutoregressivePipelineParams) -> SampleSettings:
    return from_params(SampleSettings, params.samples, "autoregressive.samples")


def _train_params(params: AutoregressivePipelineParams, stage: str) -> ARTrainParams:
    return from_params(
        ARTrainParams, {"seed": params.seed, **getattr(params, stage).get("train", {})}, f"autoregressive.{stage}.train"
    )


def _held_condition_latents(params: AutoregressivePipelineParams) -> list[int]:
    """The condition lengths an anchored model needs held frames for: training draws, validation and samples."""
    model = from_params(ModelSettings, params.model, "autoregressive.model")
    if not model.overrides.get("held_frame_anchor", False):
        return []
    lengths = {VAL_CONDITION_LATENTS, _samples(params).condition_latent_frames}
    for stage in ("video", "v2w"):
        lengths |= set(_train_params(params, stage).condition_latents)
    return sorted(lengths)


def encode_tokens(table: pd.DataFrame, tokenizer_dv: ModelArtifact, autoregressive: dict) -> LatentClips:
    """The train and val clips through the DV tokenizer, once: training reads token indices, never pixels."""
    params = _params(autoregressive)
    return encode_training_clips(
        tokenizer_dv,
        table,
        _data(params),
        kind="dv",
        tokenizer_name=TOKENIZER_NAME,
        held_condition_latents=_held_condition_latents(params),
    )


def embed_captions(tokens: LatentClips, autoregressive: dict) -> CaptionEmbeddings:
    """Each distinct caption through the frozen text encoder (the one the diffusion model reads), once."""
    return caption_embeddings(_params(autoregressive).text_encoder, training_captions(tokens.captions))


def _train(
    stage: str,
    tokens: LatentClips,
    embeddings: CaptionEmbeddings | None,
    tokenizer_dv: ModelArtifact,
    params: AutoregressivePipelineParams,
    init_from: ARTransformer | None = None,
) -> tuple[ARTransformer, dict]:
    """Train one stage in a child MLflow run."""
    train, val = (
        TokenClips.from_latents(tokens.subset(["train"]), embeddings),
        TokenClips.from_latents(tokens.subset(["val"]), embeddings),
    )
    model = from_params(ModelSettings, params.model, "autoregressive.model")
    codebook_size = int(load_tokenizer(tokenizer_dv).quantizer.codebook_size)
    text_dim = None if embeddings is None else embeddings.embeddings.shape[-1]
    config = stage_config(
        model.size, model.overrides, codebook_size, tuple(tokens.indices.shape[1:]), init_from, text_dim
    )
    with child_run_logger(STAGE_RUN_NAMES[stage]) as logger:
        logger.log_hyperparams({"transformer": config.to_dict()})
        result = train_stage(config, _train_params(params, stage), train, val, logger=logger, init_from=init_from)
        summary = {**result.metrics, "train_clips": float(len(train)), "val_clips": float(len(val))}
        logger.log_metrics({f"final/{name}": value for name, value in summary.items()})
    return result.model, summary


def train_video(tokens: LatentClips, tokenizer_dv: ModelArtifact, autoregressive: dict) -> tuple[ARTransformer, dict]:
    """Stage 1 from scratch: the next video token from the past video tokens."""
    return _train("video", tokens, None, tokenizer_dv, _params(autoregressive))


def train_video2world(
    video_model: ARTransformer,
    tokens: LatentClips,
    embeddings: CaptionEmbeddings,
    tokenizer_dv: ModelArtifact,
    autoregressive: dict,
) -> tuple[ARTransformer, dict]:
    """Stage 2 from stage 1's weights, with cross-attention to the captions (zero-initialized outputs)."""
    return _train("v2w", tokens, embeddings, tokenizer_dv, _params(autoregressive), init_from=video_model)


def sample_videos(
    video_model: ARTransformer,
    v2w_model: ARTransformer,
    tokens: LatentClips,
    embeddings: CaptionEmbeddings,
    tokenizer_dv: ModelArtifact,
    autoregressive: dict,
) -> tuple[dict[str, SampleVideo], dict[str, float]]:
    """Each stage continues the first validation clips from their first latent frames: one video per clip (the
    tokenizer's reconstruction | the continuation), and each stage's generation speed."""
    params = _params(autoregressive)
    settings = _samples(params)
    tokenizer = load_tokenizer(tokenizer_dv)
    videos, speeds = {}, {}
    for stage, model, texts in (("video", video_model, None), ("v2w", v2w_model, embeddings)):
        train, val = (
            TokenClips.from_latents(tokens.subset(["train"]), texts),
            TokenClips.from_latents(tokens.subset(["val"]), texts),
        )
        samples = continue_clips(
            model,
            tokenizer,
            val if len(val) else train,
            settings.clips,
            settings.condition_latent_frames,
            _sampling(params),
            params.seed,
        )
        for index, video in enumerate(samples.videos):
            videos[f"{STAGE_RUN_NAMES[stage]}_{index}"] = SampleVideo(video, settings.fps)
        speeds[f"{stage}_generation_tokens_per_s"] = samples.tokens_per_second
    return videos, speeds


def _package(
    stage: str,
    model: ARTransformer,
    summary: dict,
    tokens: LatentClips,
    text_encoder: dict | None,
    autoregressive: dict,
) -> ModelArtifact:
    params = _params(autoregressive)
    data = _data(params)
    tc = int(tokens.tokenizer_config["temporal_compression"])
    spec = ServingSpec(
        stage, TOKENIZER_NAME, (data.size, data.size), tc, _samples(params).fps, _sampling(params), text_encoder
    )
    clips = (
        f"{len(tokens)} clips of {data.frames} frames at {data.size}x{data.size} "
        f"(split/scenario: {tokens.clip_counts()})"
    )
    trained_on = f"{clips}; training: {asdict(_train_params(params, stage))}"
    return ar_artifact(model, spec, card=default_card(model.config, spec, trained_on, summary))


def package_video(model: ARTransformer, summary: dict, tokens: LatentClips, autoregressive: dict) -> ModelArtifact:
    return _package("video", model, summary, tokens, None, autoregressive)


def package_video2world(
    model: ARTransformer, summary: dict, tokens: LatentClips, embeddings: CaptionEmbeddings, autoregressive: dict
) -> ModelArtifact:
    return _package("v2w", model, summary, tokens, embeddings.encoder_spec, autoregressive)


def report(video_summary: dict, v2w_summary: dict, sampling_speeds: dict[str, float]) -> dict[str, float]:
    """Both stages' numbers, flat (video_* and v2w_*), with their generation speeds."""
    metrics = {f"video_{name}": float(value) for name, value in video_summary.items()}
    metrics.update({f"v2w_{name}": float(value) for name, value in v2w_summary.items()})
    return metrics | {name: float(value) for name, value in sampling_speeds.items()}
