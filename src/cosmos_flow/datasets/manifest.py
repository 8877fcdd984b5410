"""Manifests as parquet, checked against their column contracts on every load and save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset

from cosmos_flow.manifests.contracts import CONTRACTS, conform, empty_table


class ManifestDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """A parquet table that must carry the columns of a named contract (see manifests.contracts).

    missing_ok: load an absent file as an empty table (for optional inputs, such as simulation
    episodes when the simulation has not been run).
    """

    def __init__(self, filepath: str, contract: str, missing_ok: bool = False, metadata: dict[str, Any] | None = None):
        if contract not in CONTRACTS:
            raise ValueError(f"unknown manifest contract {contract!r}; known: {sorted(CONTRACTS)}")
        self._filepath = Path(filepath)
        self._contract = contract
        self._missing_ok = missing_ok
        self.metadata = metadata

    def load(self) -> pd.DataFrame:
        if self._missing_ok and not self._filepath.exists():
            return empty_table(self._contract)
        return conform(pd.read_parquet(self._filepath), self._contract, where=str(self._filepath))

    def save(self, data: pd.DataFrame) -> None:
        table = conform(data, self._contract, where=f"the table saved to {self._filepath}")
        self._filepath.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(self._filepath, index=False)

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "contract": self._contract}
