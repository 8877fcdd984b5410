"""Nodes of the tokenizer pipeline: clip table (shared with the world models) → train → evaluate on held-out clips →
saved model + card."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from cosmos_flow.config import from_params
from cosmos_flow.manifests.training_clips import load_clip_frames, training_clip_table
from cosmos_flow.model_store import ModelArtifact
from cosmos_flow.tokenizer.data import TokenizerDataModule, TokenizerDataParams
from cosmos_flow.tokenizer.evaluate import evaluate_tokenizer
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.report import quality_chart, tokenizer_card
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.tokenizer.train import TokenizerTrainParams, train_tokenizer
from cosmos_flow.tracking import child_run_logger


@dataclass
class TokenizerPipelineParams:
    seed: int = 0
    real_test_fraction: float = (
        0.3  # share of real source videos held out, whole (stable hash of video_id), for every model pipeline
    )
    data: dict = field(default_factory=dict)  # TokenizerDataParams
    evaluation: dict = field(default_factory=lambda: {"max_frames": 17, "clips_per_scenario": 4, "max_short_side": 96})
    cv: dict = field(
        default_factory=dict
    )  # {"config": registry name, "overrides": {...}, "train": TokenizerTrainParams}
    dv: dict = field(default_factory=dict)
    checkpoint_root: str | None = None  # resume interrupted training from here (None: no checkpoints)


def _params(tokenizer: dict) -> TokenizerPipelineParams:
    return from_params(TokenizerPipelineParams, tokenizer, "tokenizer")


def build_training_clip_table(
    clips: pd.DataFrame, videos: pd.DataFrame, episodes: pd.DataFrame, tokenizer: dict
) -> pd.DataFrame:
    """The training clip table of every model pipeline: built here once, so all models hold out the same clips."""
    params = _params(tokenizer)
    return training_clip_table(clips, videos, episodes, real_test_fraction=params.real_test_fraction, seed=params.seed)


def _checkpoint_dir(root: str | None, kind: str, settings: dict, table: pd.DataFrame) -> str | None:
    """A folder per (settings, training clips): a rerun with anything changed starts afresh, not from a stale
    checkpoint."""
    if root is None:
        return None
    fingerprint = json.dumps(settings, sort_keys=True) + ",".join(sorted(table["clip_id"]))
    return str(Path(root) / f"tokenizer_{kind}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:12]}")


def train(kind: str, table: pd.DataFrame, tokenizer: dict) -> CausalVideoTokenizer:
    """Train the `kind` ("cv" or "dv") tokenizer on the train split, validating on the val split, logged to a child
    MLflow run."""
    params = _params(tokenizer)
    head = getattr(params, kind)
    config = get_config(head["config"], **head.get("overrides", {}))
    data = from_params(TokenizerDataParams, {"seed": params.seed, **params.data}, "tokenizer.data")
    train_params = from_params(
        TokenizerTrainParams, {"seed": params.seed, **head.get("train", {})}, f"tokenizer.{kind}.train"
    )
    settings = {"config": config.to_dict(), "data": asdict(data), "train": asdict(train_params)}
    train_params.checkpoint_dir = _checkpoint_dir(params.checkpoint_root, kind, settings, table)
    with child_run_logger(f"tokenizer_{kind}") as logger:
        logger.log_hyperparams({"config": head["config"], "data": asdict(data)})
        return train_tokenizer(config, train_params, TokenizerDataModule(table, data), logger=logger)


def evaluate(model: CausalVideoTokenizer, table: pd.DataFrame, tokenizer: dict) -> dict[str, float]:
    """Quality on held-out test clips, simulated and real separately, each beside the equal-size baseline."""
    settings = _params(tokenizer).evaluation
    test = table[table["split"] == "test"]
    held_out = {
        "sim": test[test["scenario"] != "real"].groupby("scenario").head(settings["clips_per_scenario"]),
        "real": test[test["scenario"] == "real"],
    }
    metrics: dict[str, float] = {}
    for name, rows in held_out.items():
        if rows.empty:
            continue
        clips = [
            load_clip_frames(row, settings["max_short_side"], settings["max_frames"]) for _, row in rows.iterrows()
        ]
        for key, value in evaluate_tokenizer(model, clips, max_frames=settings["max_frames"]).items():
            metrics[f"{name}_{key}"] = value
        metrics[f"{name}_clips"] = float(len(clips))
    return metrics


def package(
    kind: str, model: CausalVideoTokenizer, metrics: dict[str, float], table: pd.DataFrame, tokenizer: dict
) -> ModelArtifact:
    """The saved model: weights, config, and a card with its training data and held-out quality."""
    params = _params(tokenizer)
    counts = table.groupby(["split", "scenario"]).size()
    data_summary = {
        "clips": {f"{split}/{scenario}": int(count) for (split, scenario), count in counts.items()},
        **params.data,
    }
    card = tokenizer_card(
        f"tokenizer_{kind}", model.config.to_dict(), getattr(params, kind).get("train", {}), data_summary, metrics
    )
    return tokenizer_artifact(model, card=card, extra_config={"metrics": metrics})


def report(cv_metrics: dict[str, float], dv_metrics: dict[str, float]) -> tuple[dict[str, float], Figure]:
    """Flat metrics (cv_sim_psnr, dv_real_ssim, ...) and the PSNR chart against the baseline."""
    by_model = {"cv": cv_metrics, "dv": dv_metrics}
    flat = {f"{name}_{key}": value for name, metrics in by_model.items() for key, value in metrics.items()}
    return flat, quality_chart(by_model)
