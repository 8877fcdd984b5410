"""The autoregressive world model: a Llama-style GPT over the discrete tokens of the DV video tokenizer.

- `gpt`: the network (`ARConfig`, `ARTransformer`); `registry`: its sizes, tiny to Cosmos-4B/12B.
- `sampling`: temperature / top-k / top-p and the KV-cache decoding loop; `objective`: the loss.
- `data`, `lightning`, `train`: training one stage (video, then Video2World with text).
- `saved`: model folders; `generate`: the `WorldModel` that turns frames into frames; `samples`:
  sample videos of a trained stage; `cli`: `cosmos-flow generate ar`.
"""
