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


@pytest.mark.parametrize(
    "overrides", [{"max_steps": 0}, {"val_every_steps": 0}, {"log_every_steps": 0}, {"gradient_clip_norm": 0.0}]
)
def test_settings_that_cannot_work_are_refused(overrides):
    with pytest.raises(ValueError):
        _settings(**overrides)
