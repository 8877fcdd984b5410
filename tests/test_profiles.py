"""The parameter profiles (conf/base, conf/bench, conf/gpu) as Kedro loads them, merged key by key."""

from pathlib import Path

import pytest
from kedro.config import OmegaConfigLoader

from cosmos_flow.settings import CONFIG_LOADER_ARGS

CONF = Path(__file__).resolve().parents[1] / "conf"


def parameters(env: str) -> dict:
    loader = OmegaConfigLoader(conf_source=str(CONF), **{**CONFIG_LOADER_ARGS, "default_run_env": env})
    return loader["parameters"]


@pytest.mark.parametrize("env", ["base", "bench", "gpu"])
def test_both_world_model_families_read_the_same_text_encoder(env):
    # The autoregressive model cross-attends to the frozen encoder the diffusion model uses: same kind, same tokens.
    loaded = parameters(env)
    assert loaded["autoregressive"]["text_encoder"] == loaded["diffusion"]["text_encoder"]


def test_profiles_override_only_the_keys_they_name():
    base, gpu = parameters("base"), parameters("gpu")
    assert gpu["tokenizer"]["cv"]["config"] == "cosmos-cv-8x8x8"
    assert (
        gpu["tokenizer"]["dv"]["train"]["spread_weight"] == base["tokenizer"]["dv"]["train"]["spread_weight"]
    )  # kept from base
