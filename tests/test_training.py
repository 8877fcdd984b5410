"""The training harness: it runs the steps it is asked for, resumes an interrupted run where it stopped, clips
gradients and refuses settings that cannot work."""

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from cosmos_flow.training import FitSettings, LoaderData, fit


class LineFit(pl.LightningModule):
    """y = w·x by plain SGD: small enough to compare weights exactly."""

    def __init__(self, learning_rate: float = 0.1):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(3))
        self.learning_rate = learning_rate

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        return ((inputs @ self.weight - targets) ** 2).mean()

    def validation_step(self, batch, batch_idx):
        inputs, targets = batch
        self.log("val_loss", ((inputs @ self.weight - targets) ** 2).mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.learning_rate)


def _data(scale: float = 1.0) -> LoaderData:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(64, 3, generator=generator)
    targets = inputs @ torch.tensor([1.0, -2.0, 0.5]) * scale
    # One batch of everything: each step sees the same data, so a run resumed mid-epoch can end exactly where an
    # uninterrupted one does (the harness restores weights, optimizer and step, not the position in the data).
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=64)
    return LoaderData(loader, DataLoader(TensorDataset(inputs[:8], targets[:8]), batch_size=8))


def _settings(**overrides) -> FitSettings:
    return FitSettings(**{"max_steps": 4, "val_every_steps": 2, "accelerator": "cpu", **overrides})


def test_fit_runs_the_steps_asked_for_and_learns():
    module = LineFit()
    result = fit(module, _data(), _settings(max_steps=6), has_validation=True)
    assert result.steps == 6 and result.step_seconds > 0 and result.wall_seconds >= result.step_seconds
    assert torch.dot(module.weight.detach(), torch.tensor([1.0, -2.0, 0.5])) > 1.0  # moved towards the true line


def test_an_interrupted_fit_resumes_from_its_last_checkpoint_and_ends_where_an_uninterrupted_one_does(tmp_path):
    whole = LineFit()
    fit(whole, _data(), _settings(max_steps=6), has_validation=False)

    first = LineFit()
    assert fit(first, _data(), _settings(max_steps=4, checkpoint_dir=str(tmp_path)), has_validation=False).steps == 4
    resumed = LineFit()
    result = fit(resumed, _data(), _settings(max_steps=6, checkpoint_dir=str(tmp_path)), has_validation=False)
    assert result.steps == 2
    torch.testing.assert_close(resumed.weight, whole.weight)
    assert [path.name for path in tmp_path.iterdir()] == ["last.ckpt"]
    assert (
        fit(LineFit(), _data(), _settings(max_steps=6, checkpoint_dir=str(tmp_path)), has_validation=False).steps == 0
    )  # finished: returns at once


def test_gradient_clipping_bounds_each_update():
    module = LineFit(learning_rate=1.0)
    fit(module, _data(scale=1000.0), _settings(max_steps=1, gradient_clip_norm=0.01), has_validation=False)
    assert module.weight.detach().norm() == pytest.approx(0.01, rel=1e-4)  # one SGD step of lr 1 on a clipped gradient


class WeightLog(pl.Callback):
    """The weights after every training step."""

    def __init__(self):
        self.weights = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.weights.append(pl_module.weight.detach().clone())


def test_an_ema_run_ends_with_the_moving_average_of_the_weights_after_each_step():
    raw, steps = WeightLog(), 5
    fit(LineFit(), _data(), _settings(max_steps=steps), has_validation=False, callbacks=[raw])
    averaged = LineFit()
    fit(averaged, _data(), _settings(max_steps=steps, ema_decay=0.8), has_validation=False)
    expected = torch.zeros(3)  # the starting weights
    for weight in raw.weights:
        expected = 0.8 * expected + 0.2 * weight
    torch.testing.assert_close(averaged.weight.detach(), expected)
    assert not torch.allclose(averaged.weight.detach(), raw.weights[-1])  # not simply the last weights


def test_a_resumed_ema_run_keeps_averaging_where_it_stopped(tmp_path):
    whole = LineFit()
    fit(whole, _data(), _settings(max_steps=6, ema_decay=0.8), has_validation=False)
    fit(LineFit(), _data(), _settings(max_steps=4, ema_decay=0.8, checkpoint_dir=str(tmp_path)), has_validation=False)
    resumed = LineFit()
    fit(resumed, _data(), _settings(max_steps=6, ema_decay=0.8, checkpoint_dir=str(tmp_path)), has_validation=False)
    torch.testing.assert_close(resumed.weight, whole.weight)


@pytest.mark.parametrize(
    "overrides",
    [
        {"max_steps": 0},
        {"val_every_steps": 0},
        {"log_every_steps": 0},
        {"gradient_clip_norm": 0.0},
        {"ema_decay": 1.0},
        {"ema_decay": -0.1},
    ],
)
def test_settings_that_cannot_work_are_refused(overrides):
    with pytest.raises(ValueError):
        _settings(**overrides)
