"""Nodes of the diffusion pipeline: training clip table (the tokenizer pipeline's) → latents → caption embeddings →
Text2World → Video2World → saved models with cards → metrics and sample videos."""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import asdict, dataclass, field

import pandas as pd

from cosmos_flow.config import from_params
from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, video2world_from
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.lightning import SampleVideoCallback, condition_sampling_from
from cosmos_flow.diffusion.report import model_card
from cosmos_flow.diffusion.samplers import SamplingParams, sample_clips
from cosmos_flow.diffusion.saved import diffusion_artifact
from cosmos_flow.diffusion.train import DiffusionTrainParams, LatentTextData, text2world_denoiser, train_diffusion
from cosmos_flow.model_store import ModelArtifact
from cosmos_flow.nn.text_encoder import CaptionEmbeddings
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.torch_threads import torch_threads
from cosmos_flow.tracking import child_run_logger
from cosmos_flow.video.media import SampleVideo, side_by_side
from cosmos_flow.worldmodel.inputs import LatentDataSettings, caption_embeddings, encode_training_clips
from cosmos_flow.worldmodel.latents import LatentClips

log = logging.getLogger(__name__)

TOKENIZER_NAME = "tokenizer_cv"  # the catalog entry the latents come from


@dataclass
class DiffusionPipelineParams:
    seed: int = 0
    data: dict = field(default_factory=dict)  # LatentDataSettings
    text_encoder: dict = field(default_factory=lambda: {"kind": "minilm", "max_tokens": 32})
    model: dict = field(default_factory=lambda: {"size": "tiny", "overrides": {}})
    edm: dict = field(default_factory=dict)  # EDMConfig
    condition: dict = field(default_factory=dict)  # ConditionSampling (Video2World training)
    sampling: dict = field(default_factory=dict)  # SamplingParams: the defaults saved with the models
    t2w: dict = field(default_factory=dict)  # {"train": DiffusionTrainParams}
    v2w: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)  # SampleSettings
    torch_threads: int | None = None  # CPU threads for torch in the heavy nodes (None: torch's default)


@dataclass
class SampleSettings:
    clips: int = 2  # clips per sample video (validation captions, and their first latent frames for Video2World)
    every_n_steps: int = 0  # sample videos to MLflow during training every this many steps (0: after the last step)
    fps: float = 12.0
    steps: int | None = None  # sampling steps for the sample videos (None: `sampling.steps`)
    condition_latent_frames: int = 2  # Video2World samples condition on this many latent frames (2 = 9 frames)


def _params(diffusion: dict) -> DiffusionPipelineParams:
    return from_params(DiffusionPipelineParams, diffusion, "diffusion")


def _data(params: DiffusionPipelineParams) -> LatentDataSettings:
    return from_params(LatentDataSettings, params.data, "diffusion.data")


def _samples(params: DiffusionPipelineParams) -> SampleSettings:
    return from_params(SampleSettings, params.samples, "diffusion.samples")


def _sampling(params: DiffusionPipelineParams) -> SamplingParams:
    return from_params(SamplingParams, params.sampling, "diffusion.sampling")


def _sample_video_sampling(params: DiffusionPipelineParams) -> SamplingParams:
    """The sampling of the sample videos: the models' defaults, with `samples.steps` when set (cheaper)."""
    steps = _samples(params).steps
    sampling = _sampling(params)
    return sampling if steps is None else SamplingParams(**{**asdict(sampling), "steps": steps})


def _train_params(params: DiffusionPipelineParams, stage: str) -> DiffusionTrainParams:
    return from_params(
        DiffusionTrainParams,
        {"seed": params.seed, **getattr(params, stage).get("train", {})},
        f"diffusion.{stage}.train",
    )


def _condition_sampling_settings(params: DiffusionPipelineParams) -> dict:
    """`condition` without `held_frame_anchor`, which decides the model's inputs, not how conditions are drawn."""
    return {name: value for name, value in params.condition.items() if name != "held_frame_anchor"}


def encode_latents(table: pd.DataFrame, tokenizer_cv: ModelArtifact, diffusion: dict) -> LatentClips:
    """The train and val clips through the CV tokenizer, once: training reads latents, never pixels (anchored
    Video2World: also each clip's held frames, one per condition length it trains on or shows in sample videos)."""
    params = _params(diffusion)
    held = _held_condition_latents(params) if _held_frame_anchor(params) else []
    with torch_threads(params.torch_threads):
        return encode_training_clips(
            tokenizer_cv, table, _data(params), kind="cv", tokenizer_name=TOKENIZER_NAME, held_condition_latents=held
        )


def embed_captions(latents: LatentClips, diffusion: dict) -> CaptionEmbeddings:
    """Each distinct caption through the frozen text encoder, once."""
    return caption_embeddings(_params(diffusion).text_encoder, latents.captions)


def _split(latents: LatentClips, embeddings: CaptionEmbeddings) -> tuple[LatentTextData, LatentTextData]:
    return LatentTextData.from_clips(latents.subset(["train"]), embeddings), LatentTextData.from_clips(
        latents.subset(["val"]), embeddings
    )


def _sample_callback(
    stage: str, data: LatentTextData, tokenizer, params: DiffusionPipelineParams
) -> SampleVideoCallback:
    """Sample videos of the first validation clips' captions (Video2World: from their first latent frames)."""
    settings = _samples(params)
    sampling = _sample_video_sampling(params)
    count = min(settings.clips, len(data))
    condition, held = _sample_condition(stage, data, count, settings, params)
    return SampleVideoCallback(
        tokenizer,
        data.context[:count],
        data.context_mask[:count],
        tuple(data.latents.shape[1:]),
        sampling,
        settings.every_n_steps,
        settings.fps,
        stage,
        params.seed,
        condition,
        held,
    )


def _held_condition_latents(params: DiffusionPipelineParams) -> list[int]:
    """The condition lengths an anchored model needs held frames for: training draws and sample videos."""
    trained = condition_sampling_from(_condition_sampling_settings(params)).latent_frames
    return sorted({*trained, _samples(params).condition_latent_frames})


def _held_frame_anchor(params: DiffusionPipelineParams) -> bool:
    return bool(params.condition.get("held_frame_anchor", False))


def _sample_condition(
    stage: str, data: LatentTextData, count: int, settings: SampleSettings, params: DiffusionPipelineParams
):
    """(condition latents, held frames) of the first `count` clips for sample videos; (None, None) for Text2World."""
    if stage != "v2w":
        return None, None
    frames = settings.condition_latent_frames
    held = data.held_for(frames)[:count] if _held_frame_anchor(params) else None
    return data.latents[:count, :, :frames], held


def _train_stage(
    stage: str,
    denoiser: DiffusionDenoiser,
    latents: LatentClips,
    embeddings: CaptionEmbeddings,
    tokenizer_cv: ModelArtifact,
    params: DiffusionPipelineParams,
):
    train, val = _split(latents, embeddings)
    train_params = _train_params(params, stage)
    condition = condition_sampling_from(_condition_sampling_settings(params)) if stage == "v2w" else None
    samples = _sample_callback(stage, val if len(val) else train, load_tokenizer(tokenizer_cv), params)
    with torch_threads(params.torch_threads), child_run_logger(f"diffusion_{stage}") as logger:
        logger.log_hyperparams({"model": params.model})  # the module logs its DiT, EDM and training settings itself
        result = train_diffusion(denoiser, train, val, train_params, condition, logger=logger, samples=samples)
    summary = {
        **result.summary,
        "parameters": float(sum(p.numel() for p in result.denoiser.parameters())),
        "train_clips": float(len(train)),
        "val_clips": float(len(val)),
    }
    return result.denoiser, summary


def train_text2world(
    latents: LatentClips, embeddings: CaptionEmbeddings, tokenizer_cv: ModelArtifact, diffusion: dict
) -> tuple[DiffusionDenoiser, dict]:
    """Text2World from scratch, its latents normalized with the training clips' per-channel statistics."""
    params = _params(diffusion)
    denoiser = text2world_denoiser(
        latents.subset(["train"]).latents,
        embeddings.embeddings.shape[-1],
        params.model.get("size", "tiny"),
        params.model.get("overrides", {}),
        EDMConfig(**params.edm),
    )
    return _train_stage("t2w", denoiser, latents, embeddings, tokenizer_cv, params)


def train_video2world(
    text2world: DiffusionDenoiser,
    latents: LatentClips,
    embeddings: CaptionEmbeddings,
    tokenizer_cv: ModelArtifact,
    diffusion: dict,
) -> tuple[DiffusionDenoiser, dict]:
    """Video2World, initialized from the Text2World weights (the new input channels' weights start at zero)."""
    params = _params(diffusion)
    return _train_stage(
        "v2w", video2world_from(text2world, _held_frame_anchor(params)), latents, embeddings, tokenizer_cv, params
    )


def _package(
    stage: str,
    denoiser: DiffusionDenoiser,
    summary: dict,
    latents: LatentClips,
    embeddings: CaptionEmbeddings,
    diffusion: dict,
) -> ModelArtifact:
    params = _params(diffusion)
    data = _data(params)
    data_summary = {
        "clips": latents.clip_counts(),
        "frames": data.frames,
        "size": data.size,
        "tokenizer": TOKENIZER_NAME,
    }
    train = asdict(_train_params(params, stage))
    artifact = diffusion_artifact(
        denoiser,
        stage,
        embeddings.encoder_spec,
        data.frames,
        (data.size, data.size),
        _samples(params).fps,
        _sampling(params),
        extra_config={"metrics": summary, "train": train},
    )
    artifact.card = model_card(f"diffusion_{stage}", artifact.config, data_summary, train, summary)
    return artifact


def package_text2world(
    denoiser: DiffusionDenoiser, summary: dict, latents: LatentClips, embeddings: CaptionEmbeddings, diffusion: dict
) -> ModelArtifact:
    return _package("t2w", denoiser, summary, latents, embeddings, diffusion)


def package_video2world(
    denoiser: DiffusionDenoiser, summary: dict, latents: LatentClips, embeddings: CaptionEmbeddings, diffusion: dict
) -> ModelArtifact:
    return _package("v2w", denoiser, summary, latents, embeddings, diffusion)


def sample_videos(
    text2world: DiffusionDenoiser,
    video2world: DiffusionDenoiser,
    latents: LatentClips,
    embeddings: CaptionEmbeddings,
    tokenizer_cv: ModelArtifact,
    diffusion: dict,
) -> tuple[dict[str, SampleVideo], dict[str, float]]:
    """The final sample video of each stage (the first validation captions; Video2World continues their first
    latent frames), side by side, and the seconds each sample took."""
    params = _params(diffusion)
    settings = _samples(params)
    train, val = _split(latents, embeddings)
    shown = val if len(val) else train
    count = min(settings.clips, len(shown))
    device = _data(params).torch_device()  # where the final samples are drawn (training follows its own `accelerator`)
    tokenizer = load_tokenizer(tokenizer_cv).to(device)
    context, context_mask = shown.context[:count].to(device), shown.context_mask[:count].to(device)
    videos, seconds = {}, {}
    for stage, denoiser in (("t2w", text2world), ("v2w", video2world)):
        condition, held = _sample_condition(stage, shown, count, settings, params)
        on_device = copy.deepcopy(denoiser).to(device)  # the trained module stays where the save nodes expect it
        with torch_threads(params.torch_threads):
            started = time.perf_counter()
            clips = sample_clips(
                on_device,
                tokenizer,
                context,
                context_mask,
                tuple(shown.latents.shape[1:]),
                params.seed,
                _sample_video_sampling(params),
                condition,
                held,
            )
            seconds[f"{stage}_seconds_per_sample"] = (time.perf_counter() - started) / count
        videos[f"diffusion_{stage}"] = SampleVideo(side_by_side(clips), settings.fps)
    return videos, seconds


def report(t2w_summary: dict, v2w_summary: dict, sampling_seconds: dict[str, float]) -> dict[str, float]:
    """Flat metrics of both stages (t2w_* and v2w_*) and of their final samples."""
    metrics = {f"t2w_{name}": value for name, value in t2w_summary.items()}
    metrics.update({f"v2w_{name}": value for name, value in v2w_summary.items()})
    return metrics | sampling_seconds
