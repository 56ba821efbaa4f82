"""Reference values for test/torch-nn.test.ts and test/torch-optim.test.ts, computed by PyTorch.

Run by hand after changing a case:

    .venv/bin/python scripts/torch-fixtures/nn_optim.py

Writes test/fixtures/torch/nn-optim.safetensors with these groups of keys:

    init.*      after manual_seed(0): Linear(3, 2), Conv2d(2, 3, 3), ConvTranspose2d(3, 2, 4,
                stride=2), Embedding(5, 3), Linear(4, 2, bias=False), created in that order
    seq.*       manual_seed(1): Sequential(Linear(4, 6), BatchNorm1d(6), LeakyReLU(0.2),
                Dropout(0.5), Linear(6, 2)) in training mode with the Dropout in eval; the input
                `seq.x`, the output, d(mean(out²))/d(each parameter), the running statistics
                after that forward, and the output of the whole model in eval
    bn2d.*      BatchNorm2d(3) with weight and bias from the file: two training forwards,
                running statistics, then an eval forward; `bn2d_cum.*` the same with momentum=None
    opt.<case>.* 20 steps on loss = mean((x·w + b − y)²) from w0, b0: the trajectory of w
                (20×5×3) and the final b; the metadata entry `opt.<case>` is the TypeScript
                constructor's options as JSON
"""

from __future__ import annotations

import json
import os

import torch
import torch.nn as nn
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "fixtures", "torch", "nn-optim.safetensors")

torch.set_num_threads(1)
tensors: dict[str, torch.Tensor] = {}
metadata: dict[str, str] = {}


def put(name: str, t: torch.Tensor) -> None:
    tensors[name] = t.detach().clone().contiguous()


# Default initialisation -------------------------------------------------------------------------
torch.manual_seed(0)
layers = {
    "linear": nn.Linear(3, 2),
    "conv": nn.Conv2d(2, 3, 3),
    "convt": nn.ConvTranspose2d(3, 2, 4, stride=2),
    "embedding": nn.Embedding(5, 3),
    "linear_nobias": nn.Linear(4, 2, bias=False),
}
for lname, layer in layers.items():
    for k, v in layer.state_dict().items():
        put(f"init.{lname}.{k}", v)

# A small Sequential: forward, backward, running statistics -------------------------------------
torch.manual_seed(1)
seq = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.LeakyReLU(0.2), nn.Dropout(0.5), nn.Linear(6, 2))
x = torch.randn(8, 4)
put("seq.x", x)
seq.train()
seq[3].eval()
out = seq(x)
(out**2).mean().backward()
put("seq.out", out)
for k, p in seq.named_parameters():
    put(f"seq.grad.{k}", p.grad)
for k, v in seq.state_dict().items():
    put(f"seq.state.{k}", v)
seq.eval()
with torch.no_grad():
    put("seq.eval_out", seq(x))

# BatchNorm2d ------------------------------------------------------------------------------------
g = torch.Generator().manual_seed(7)
bx1 = torch.randn(4, 3, 5, 5, generator=g) * 2 + 1
bx2 = torch.randn(4, 3, 5, 5, generator=g) - 0.5
bw = torch.rand(3, generator=g) + 0.5
bb = torch.randn(3, generator=g)
put("bn2d.x1", bx1)
put("bn2d.x2", bx2)
put("bn2d.weight", bw)
put("bn2d.bias", bb)
for case, momentum in (("bn2d", 0.1), ("bn2d_cum", None)):
    bn = nn.BatchNorm2d(3, momentum=momentum)
    with torch.no_grad():
        bn.weight.copy_(bw)
        bn.bias.copy_(bb)
    bn.train()
    put(f"{case}.train_out1", bn(bx1))
    put(f"{case}.train_out2", bn(bx2))
    for k, v in bn.state_dict().items():
        put(f"{case}.state.{k}", v)
    bn.eval()
    with torch.no_grad():
        put(f"{case}.eval_out", bn(bx1))

# Optimisers -------------------------------------------------------------------------------------
g = torch.Generator().manual_seed(11)
ox = torch.randn(16, 5, generator=g)
oy = torch.randn(16, 3, generator=g)
ow = torch.randn(5, 3, generator=g)
ob = torch.randn(3, generator=g)
for k, v in (("x", ox), ("y", oy), ("w0", ow), ("b0", ob)):
    put(f"opt.{k}", v)

CASES = {
    "adam": ("Adam", {"lr": 0.05}),
    "adam_wd": ("Adam", {"lr": 0.05, "betas": [0.8, 0.99], "weightDecay": 0.1}),
    "adam_amsgrad": ("Adam", {"lr": 0.05, "amsgrad": True, "eps": 1e-6}),
    "adam_max": ("Adam", {"lr": 0.01, "maximize": True}),
    "adamw": ("AdamW", {"lr": 0.05, "weightDecay": 0.1}),
    "sgd": ("SGD", {"lr": 0.05}),
    "sgd_momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}),
    "sgd_nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01}),
    "sgd_dampening": ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weightDecay": 0.1}),
}
RENAME = {"weightDecay": "weight_decay"}
for case, (kind, options) in CASES.items():
    w = ow.clone().requires_grad_()
    b = ob.clone().requires_grad_()
    kwargs = {RENAME.get(k, k): v for k, v in options.items()}
    opt = getattr(torch.optim, kind)([w, b], **kwargs)
    trajectory = []
    for _ in range(20):
        opt.zero_grad()
        ((ox @ w + b - oy) ** 2).mean().backward()
        opt.step()
        trajectory.append(w.detach().clone())
    put(f"opt.{case}.w", torch.stack(trajectory))
    put(f"opt.{case}.b", b)
    metadata[f"opt.{case}"] = json.dumps({"kind": kind, "options": options})

save_file(tensors, OUT, metadata=metadata)
print(f"wrote {OUT}: {len(tensors)} tensors, {os.path.getsize(OUT)} bytes")
