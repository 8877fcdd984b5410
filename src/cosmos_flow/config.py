"""Typed configuration: dataclasses built from the plain dicts of Kedro parameter files.

Nodes receive parameters as dicts (so kedro-mlflow logs them flattened, key by key) and turn them
into dataclasses here, where an unknown or missing key becomes one readable error.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """Parameters that do not fit their dataclass."""


def from_params(cls: type[T], params: dict[str, Any] | None, where: str) -> T:
    """Build dataclass `cls` from `params`; `where` names the parameters (e.g. "ingest") in errors."""
    params = dict(params or {})
    fields = {field.name for field in dataclasses.fields(cls)}
    unknown = sorted(set(params) - fields)
    if unknown:
        raise ConfigError(f"unknown parameter(s) {unknown} under `{where}`; known: {sorted(fields)}")
    try:
        return cls(**params)
    except TypeError as error:
        raise ConfigError(f"parameters under `{where}` are incomplete: {error}") from None
