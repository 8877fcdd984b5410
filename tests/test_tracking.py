import mlflow
import pytorch_lightning as pl
import torch
from mlflow.tracking import MlflowClient

from cosmos_flow.tracking import child_run_logger


class TinyRegressor(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, _):
        inputs, targets = batch
        loss = torch.nn.functional.mse_loss(self.layer(inputs), targets)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def test_lightning_logs_into_a_child_of_the_active_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may land in ./mlruns
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("tests")
    pl.seed_everything(0)
    data = torch.utils.data.TensorDataset(torch.randn(16, 2), torch.randn(16, 1))
    with mlflow.start_run(run_name="kedro run") as parent:
        with child_run_logger("train tiny") as logger:
            trainer = pl.Trainer(
                max_steps=4,
                logger=logger,
                log_every_n_steps=1,
                enable_checkpointing=False,
                enable_progress_bar=False,
                enable_model_summary=False,
            )
            trainer.fit(TinyRegressor(), torch.utils.data.DataLoader(data, batch_size=4))
        assert mlflow.active_run().info.run_id == parent.info.run_id  # the parent is still open
    client = MlflowClient(uri)
    child = client.get_run(logger.run_id)
    assert child.data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert child.info.status == "FINISHED" and child.info.run_name == "train tiny"
    assert len(client.get_metric_history(logger.run_id, "train_loss")) == 4
    assert client.get_run(parent.info.run_id).info.status == "FINISHED"
    assert not (tmp_path / "mlruns").exists()


def test_without_an_active_run_the_child_is_a_top_level_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'alone.db'}"
    with child_run_logger("standalone", tracking_uri=uri, experiment_name="tests") as logger:
        logger.log_metrics({"value": 1.0}, step=0)
    run = MlflowClient(uri).get_run(logger.run_id)
    assert "mlflow.parentRunId" not in run.data.tags and run.data.metrics == {"value": 1.0}
