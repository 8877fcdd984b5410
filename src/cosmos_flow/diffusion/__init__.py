"""The diffusion world model (Cosmos's first family): a DiT over continuous tokenizer latents, trained with EDM.

- `edm`: preconditioning, training noise levels, loss weight, sampling schedule, σ buckets.
- `dit`: the network (patches, RoPE + learned positions, AdaLN(-LoRA), QK-norm, cross-attention to text).
- `denoiser`: the DiT inside EDM preconditioning, latent normalization and Video2World frame conditioning.
- `objective`: the training loss (Text2World and Video2World); `samplers`: Euler/Heun and classifier-free guidance.
- `registry`: named sizes, tiny to Cosmos-14B; `lightning`, `train`: Lightning training of one stage.
- `saved`, `generate`, `cli`: saved models, generation (the `WorldModel` protocol), `cosmos-flow generate diffusion`.
"""
