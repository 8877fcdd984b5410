"""The one reading of dicts into dataclasses: unknown keys and missing ones are one readable error each."""

from dataclasses import dataclass, field

import pytest

from cosmos_flow.config import ConfigError, from_dict, from_params


@dataclass
class Settings:
    steps: int
    rate: float = 0.1
    names: list = field(default_factory=list)


def test_known_keys_build_the_dataclass_with_its_defaults():
    assert from_dict(Settings, {"steps": 3}, "settings") == Settings(steps=3, rate=0.1, names=[])


def test_an_unknown_key_is_refused_with_the_known_ones():
    with pytest.raises(ConfigError, match=r"settings has unknown fields \['stpes'\]; known: \['names', 'rate'"):
        from_dict(Settings, {"stpes": 3}, "settings")


def test_a_missing_required_key_is_named_and_defaulted_ones_are_not():
    with pytest.raises(ConfigError, match=r"saved config lacks the fields \['steps'\]: saved elsewhere$"):
        from_dict(Settings, {"rate": 0.2}, "saved config", ": saved elsewhere")


def test_parameters_name_where_they_were_read():
    with pytest.raises(ConfigError, match=r"the parameter block `diffusion.train` has unknown fields \['lr'\]"):
        from_params(Settings, {"steps": 1, "lr": 0.1}, "diffusion.train")
    assert from_params(Settings, {"steps": 2}, "x").steps == 2
