import numpy as np
import pandas as pd
import pytest
import torch
from mlflow.tracking import MlflowClient
from pytorch_lightning.loggers import Logger

from cosmos_flow.tokenizer.data import TokenizerDataModule, TokenizerDataParams
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.train import TokenizerTrainParams, train_tokenizer
from cosmos_flow.tracking import child_run_logger

FRAMES, SIZE = 9, 32


class MetricRecorder(Logger):
    """Keeps every logged metric and hyperparameter in memory."""

    def __init__(self):
        super().__init__()
        self.history: list[tuple[int, dict]] = []
        self.params: dict = {}

    @property
    def name(self) -> str:
        return "recorder"

    @property
    def version(self) -> int:
        return 0

    def log_hyperparams(self, params, *args, **kwargs) -> None:
        self.params.update(dict(params))

    def log_metrics(self, metrics, step=None) -> None:
        self.history.append((step, dict(metrics)))

    def series(self, name: str) -> list[tuple[int, float]]:
        return [(step, metrics[name]) for step, metrics in self.history if name in metrics]


def _moving_square(rng: np.random.Generator) -> np.ndarray:
    """A bright square sliding over a dark background: (FRAMES, SIZE, SIZE, 3) uint8."""
    frames = np.empty((FRAMES, SIZE, SIZE, 3), np.uint8)
    frames[:] = rng.integers(10, 50, 3, dtype=np.uint8)
    colour, side = rng.integers(150, 256, 3, dtype=np.uint8), int(rng.integers(8, 14))
    (y, x), (dy, dx) = rng.integers(0, SIZE - side, 2), rng.integers(-2, 3, 2)
    for t in range(FRAMES):
        top, left = np.clip([y + dy * t, x + dx * t], 0, SIZE - side)
        frames[t, top : top + side, left : left + side] = colour
    return frames


@pytest.fixture(scope="module")
def datamodule(tmp_path_factory) -> TokenizerDataModule:
    folder = tmp_path_factory.mktemp("squares")
    rng = np.random.default_rng(0)
    rows = []
    for index, split in enumerate(["train"] * 4 + ["val"] * 2):
        path = folder / f"clip{index}.npz"
        np.savez(path, rgb=_moving_square(rng))
        rows.append({"clip_id": f"clip{index}", "path": None, "frames_path": str(path), "split": split})
    params = TokenizerDataParams(frames=FRAMES, crop=SIZE, batch_size=2, image_batch_size=2, val_clips=2)
    return TokenizerDataModule(pd.DataFrame(rows), params)


def _params(**overrides) -> TokenizerTrainParams:
    settings = {
        "max_steps": 20,
        "learning_rate": 1e-2,
        "warmup_steps": 2,
        "val_every_steps": 10,
        "log_every_steps": 1,
        "accelerator": "cpu",
    }
    return TokenizerTrainParams(**{**settings, **overrides})


def test_training_lowers_the_loss(datamodule):
    recorder = MetricRecorder()
    model = train_tokenizer(get_config("cv-tiny-8x8x8"), _params(), datamodule, logger=recorder)
    assert isinstance(model, CausalVideoTokenizer) and not model.training
    assert next(model.parameters()).device.type == "cpu"
    losses = [value for _, value in recorder.series("train/loss")]
    assert len(losses) == 20
    assert np.mean(losses[-3:]) < 0.8 * np.mean(losses[:3])
    assert {"train/mse", "train/l1", "train/ssim_loss", "train/gradient", "train/image_loss"} <= {
        name for _, metrics in recorder.history for name in metrics
    }
    psnrs = [value for _, value in recorder.series("val/psnr")]
    assert len(psnrs) == 2 and psnrs[1] > psnrs[0]
    assert recorder.params["tokenizer_parameters"] == sum(p.numel() for p in model.parameters())


def test_discrete_tokenizer_logs_codebook_usage(datamodule):
    recorder = MetricRecorder()
    model = train_tokenizer(
        get_config("dv-tiny-8x8x8"), _params(max_steps=4, val_every_steps=4), datamodule, logger=recorder
    )
    usage = [value for _, value in recorder.series("train/codebook_usage")]
    assert len(usage) == 4 and all(0 < value <= 1 for value in usage)
    [val_usage] = [value for _, value in recorder.series("val/codebook_usage")]
    [perplexity] = [value for _, value in recorder.series("val/perplexity")]
    codes_used = val_usage * model.quantizer.codebook_size
    assert 0 < val_usage <= 1 and 1 <= perplexity <= codes_used + 1e-6  # perplexity is at most the number of codes used


def test_the_spread_term_is_trained_and_logged_for_discrete_tokenizers_only(datamodule):
    recorder = MetricRecorder()
    train_tokenizer(
        get_config("dv-tiny-8x8x8"),
        _params(max_steps=3, val_every_steps=3, spread_weight=0.1),
        datamodule,
        logger=recorder,
    )
    spreads = [value for _, value in recorder.series("train/code_spread")]
    assert len(spreads) == 3 and all(-1 <= value <= 0 for value in spreads)
    continuous = MetricRecorder()
    train_tokenizer(
        get_config("cv-tiny-8x8x8"),
        _params(max_steps=2, val_every_steps=2, spread_weight=0.1),
        datamodule,
        logger=continuous,
    )
    assert continuous.series("train/code_spread") == []
    with pytest.raises(ValueError, match="spread_weight"):
        _params(spread_weight=-1)


def test_gradients_are_clipped_to_the_given_norm(datamodule, monkeypatch):
    norms, step = [], torch.optim.AdamW.step

    def recording_step(optimizer, *args, **kwargs):
        gradients = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        norms.append(float(torch.nn.utils.get_total_norm(gradients)))
        return step(optimizer, *args, **kwargs)

    monkeypatch.setattr(torch.optim.AdamW, "step", recording_step)
    recorder = MetricRecorder()
    train_tokenizer(
        get_config("cv-tiny-8x8x8"),
        _params(max_steps=3, val_every_steps=3, gradient_clip_norm=0.01),
        datamodule,
        logger=recorder,
    )
    unclipped = [value for _, value in recorder.series("train/grad_norm")]
    assert len(norms) == 3 and max(norms) <= 0.01 * 1.001
    assert len(unclipped) == 3 and min(unclipped) > 0.01  # what was clipped, as logged
    with pytest.raises(ValueError, match="gradient_clip_norm"):
        _params(gradient_clip_norm=0)


def test_adamw_runs_with_the_given_betas(datamodule, monkeypatch):
    seen, init = [], torch.optim.AdamW.__init__

    def recording_init(optimizer, params, *args, **kwargs):
        init(optimizer, params, *args, **kwargs)
        seen.append(optimizer.defaults["betas"])

    monkeypatch.setattr(torch.optim.AdamW, "__init__", recording_init)
    train_tokenizer(get_config("cv-tiny-8x8x8"), _params(max_steps=1, val_every_steps=1, betas=[0.8, 0.95]), datamodule)
    assert seen == [(0.8, 0.95)]
    assert _params().betas == (0.9, 0.99)
    for bad in ([0.9], [0.9, 1.0], 0.9, ["a", 0.9]):
        with pytest.raises(ValueError, match="betas"):
            _params(betas=bad)


def test_training_resumes_from_the_last_checkpoint(datamodule, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    config = get_config("cv-tiny-8x8x8")
    train_tokenizer(config, _params(max_steps=3, val_every_steps=2, checkpoint_dir=str(checkpoints)), datamodule)
    checkpoint = torch.load(checkpoints / "last.ckpt", weights_only=True)  # plain data only
    assert checkpoint["global_step"] == 3  # saved at the end, though 2 does not divide 3

    recorder = MetricRecorder()
    model = train_tokenizer(
        config, _params(max_steps=6, val_every_steps=2, checkpoint_dir=str(checkpoints)), datamodule, logger=recorder
    )
    steps = [step for step, _ in recorder.series("train/loss")]
    assert len(steps) == 3 and min(steps) >= 3  # only the 3 new steps ran
    checkpoint = torch.load(checkpoints / "last.ckpt", weights_only=True)
    assert checkpoint["global_step"] == 6 and [path.name for path in checkpoints.iterdir()] == ["last.ckpt"]
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, checkpoint["state_dict"][f"tokenizer.{name}"])

    again = MetricRecorder()
    train_tokenizer(
        config, _params(max_steps=6, val_every_steps=2, checkpoint_dir=str(checkpoints)), datamodule, logger=again
    )
    assert again.series("train/loss") == []  # a finished run returns at once


def test_mlflow_gets_metrics_and_reconstruction_samples(datamodule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is relative: keep it in tmp_path
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    with child_run_logger("tokenizer test", tracking_uri=uri) as logger:
        train_tokenizer(get_config("dv-tiny-8x8x8"), _params(max_steps=2, val_every_steps=2), datamodule, logger=logger)
    client = MlflowClient(uri)
    run = client.get_run(logger.run_id)
    assert {"val/psnr", "val/ssim", "val/l1", "val/codebook_usage", "val/perplexity", "train/loss"} <= set(
        run.data.metrics
    )
    assert int(run.data.params["tokenizer_parameters"]) > 0
    artifacts = sorted(item.path for item in client.list_artifacts(logger.run_id, "reconstructions"))
    assert artifacts == ["reconstructions/step0000002.mp4", "reconstructions/step0000002.png"]


def test_frames_must_suit_the_tokenizer(tmp_path):
    path = tmp_path / "clip.npz"
    np.savez(path, rgb=np.zeros((9, 32, 32, 3), np.uint8))
    table = pd.DataFrame([{"clip_id": "c", "path": None, "frames_path": str(path), "split": "train"}])
    module = TokenizerDataModule(table, TokenizerDataParams(frames=8, crop=32))
    with pytest.raises(ValueError, match="1\\+8k frames"):
        train_tokenizer(get_config("cv-tiny-8x8x8"), _params(), module)
