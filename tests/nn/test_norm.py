"""RMSNorm: the values of torch's nn.RMSNorm, its state_dict, and half-precision inputs."""

import torch

from cosmos_flow.nn.norm import RMSNorm


def test_matches_torch_rmsnorm_and_loads_its_weights():
    torch.manual_seed(0)
    reference = torch.nn.RMSNorm(24, eps=1e-6)
    torch.nn.init.normal_(reference.weight)
    norm = RMSNorm(24)
    norm.load_state_dict(reference.state_dict())
    x = torch.randn(3, 5, 24) * 4
    torch.testing.assert_close(norm(x), reference(x), rtol=1e-5, atol=1e-5)


def test_bfloat16_inputs_are_normalized_in_float32_and_keep_their_dtype():
    torch.manual_seed(0)
    x = torch.randn(4, 64) * 100
    out = RMSNorm(64)(x.bfloat16())
    assert out.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), RMSNorm(64)(x.bfloat16().float()), rtol=1e-2, atol=1e-2)
    assert torch.allclose(out.float().pow(2).mean(-1), torch.ones(4), atol=0.02)
