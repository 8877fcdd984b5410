"""Parameters of a configuration profile for the benchmark scripts: conf/base merged with conf/<env>
key by key, as Kedro merges them (settings.py's soft merge). Run as `python bench/<script>.py`,
which puts this folder on sys.path."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def profile_parameters(name: str, env: str = "base") -> dict:
    """The `name` block of conf/base/parameters_<name>.yml, with conf/<env>/parameters_<name>.yml merged over it."""
    parameters = yaml.safe_load((ROOT / f"conf/base/parameters_{name}.yml").read_text())[name]
    override_file = ROOT / f"conf/{env}/parameters_{name}.yml"
    if env != "base" and override_file.is_file():
        parameters = merged(parameters, yaml.safe_load(override_file.read_text()).get(name, {}))
    return parameters


def merged(base: dict, override: dict) -> dict:
    """`override` merged into `base` key by key."""
    result = dict(base)
    for key, value in override.items():
        result[key] = (
            merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) else value
        )
    return result
