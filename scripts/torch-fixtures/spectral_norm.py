"""Reference values for the spectral-norm layers (test/torch-spectral-norm.test.ts), computed by
PyTorch's torch.nn.utils.spectral_norm.

Run by hand after changing a case:

    .venv/bin/python scripts/torch-fixtures/spectral_norm.py

Writes test/fixtures/torch/spectral-norm.safetensors. For each layer <name> in conv (Conv2d(2, 3,
3, stride=2, padding=1)), linear (Linear(4, 3)) and embedding (Embedding(5, 4)), after
manual_seed(0):

    <name>.init.*     the state dict as built (weight_orig, weight_u, weight_v, bias)
    <name>.x          the input
    <name>.y<i>       the output of the i-th of three forwards in training mode (each advances u, v)
    <name>.after.*    the state dict after them
    <name>.grad       d(sum(y2²))/d(weight_orig), through σ
    <name>.eval       the output in evaluation mode (u and v as they stand; no iteration)
"""

from __future__ import annotations

import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "fixtures", "torch", "spectral-norm.safetensors")

torch.set_num_threads(1)
tensors: dict[str, torch.Tensor] = {}


def put(name: str, t: torch.Tensor) -> None:
    tensors[name] = t.detach().clone().contiguous()


cases = {
    "conv": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1), lambda: torch.randn(2, 2, 5, 5)),
    "linear": (lambda: nn.Linear(4, 3), lambda: torch.randn(6, 4)),
    "embedding": (lambda: nn.Embedding(5, 4), lambda: torch.tensor([0, 3, 1, 4, 3])),
}
for name, (make, make_x) in cases.items():
    torch.manual_seed(0)
    layer = nn.utils.spectral_norm(make())
    for k, v in layer.state_dict().items():
        put(f"{name}.init.{k}", v)
    x = make_x()
    put(f"{name}.x", x)
    layer.train()
    for i in range(3):
        y = layer(x)
        put(f"{name}.y{i}", y)
    (grad,) = torch.autograd.grad(y.pow(2).sum(), [layer.weight_orig])
    put(f"{name}.grad", grad)
    for k, v in layer.state_dict().items():
        put(f"{name}.after.{k}", v)
    layer.eval()
    with torch.no_grad():
        put(f"{name}.eval", layer(x))

save_file(tensors, OUT)
print(f"wrote {OUT}: {len(tensors)} tensors")
