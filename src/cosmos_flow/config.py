"""Typed configuration: dataclasses built from the plain dicts of Kedro parameter files.

Nodes receive parameters as dicts (so kedro-mlflow logs them flattened, key by key) and turn them
into dataclasses here, where an unknown or missing key becomes one readable error.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")


# The end of the sentence for a saved model's config that does not fit its dataclass.
SAVED_CONFIG_HINT = ": it was saved by another version of cosmos-flow, or is not such a config"


class ConfigError(ValueError):
    """Parameters that do not fit their dataclass."""


def from_dict(cls: type[T], values: dict[str, Any] | None, what: str, hint: str = "") -> T:
    """Build dataclass `cls` from `values`, refusing keys it does not have and lacking ones it needs.

    `what` names the dict in the error (e.g. "the parameters under `ingest`", "tokenizer config"); `hint` ends the
    sentence (e.g. where a saved config with unknown keys may come from). Every config and parameter set of the
    project is read through here, so an unknown key is always the same one readable error.
    """
    values = dict(values or {})
    fields = dataclasses.fields(cls)
    known = sorted(field.name for field in fields)
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"{what} has unknown fields {unknown}{hint}; known: {known}")
    missing = [
        field.name
        for field in fields
        if field.default is dataclasses.MISSING
        and field.default_factory is dataclasses.MISSING
        and field.name not in values
    ]
    if missing:
        raise ConfigError(f"{what} lacks the fields {missing}{hint}")
    return cls(**values)


def from_params(cls: type[T], params: dict[str, Any] | None, where: str) -> T:
    """Build dataclass `cls` from `params`; `where` names the parameters (e.g. "ingest") in errors."""
    return from_dict(cls, params, f"the parameter block `{where}`")
