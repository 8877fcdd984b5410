"""Flat metrics as JSON (DVC metrics) that are also logged to the active MLflow run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import mlflow
from kedro.io import AbstractDataset


class MetricsDataset(AbstractDataset[dict[str, float], dict[str, float]]):
    """A `{"name": number}` JSON file; on save the same numbers go to the active MLflow run, if any, as
    `<prefix>/<name>`: every pipeline logs to the same run, and without its prefix one pipeline's `v2w_val_loss`
    would overwrite another's (MLflow's UI groups the metrics by the prefix too).

    Non-finite numbers are written as null in JSON (JSON has no NaN) and skipped in MLflow.
    """

    def __init__(self, filepath: str, prefix: str, metadata: dict[str, Any] | None = None):
        if not prefix or "/" in prefix:
            raise ValueError(f"the MLflow prefix of {filepath} must be a non-empty name without '/', got {prefix!r}")
        self._filepath = Path(filepath)
        self._prefix = prefix
        self.metadata = metadata

    def load(self) -> dict[str, float]:
        return json.loads(self._filepath.read_text())

    def save(self, data: dict[str, float]) -> None:
        bad = {
            name: value
            for name, value in data.items()
            if not isinstance(value, (int, float)) or isinstance(value, bool)
        }
        if bad:
            raise ValueError(f"metrics for {self._filepath} must be numbers; these are not: {bad}")
        finite = {name: float(value) for name, value in data.items() if math.isfinite(value)}
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        as_json = {name: (value if math.isfinite(value) else None) for name, value in data.items()}
        self._filepath.write_text(json.dumps(as_json, indent=2, sort_keys=True) + "\n")
        if mlflow.active_run() is not None and finite:
            mlflow.log_metrics({f"{self._prefix}/{name}": value for name, value in finite.items()})

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "prefix": self._prefix}
