"""Reference values for the GAN training step of test/ml-models.test.ts, computed by PyTorch.

Run by hand after changing a case:

    .venv/bin/python scripts/torch-fixtures/gan_step.py

The 28×28×1 'dcgan' architecture (the DCGAN of TensorFlow's tutorial, bench/reference/dcgan_step.py)
built after manual_seed(11), generator then discriminator, then Keras's initialisation
(xavier_uniform_ weights, zero biases) applied to each network's Linear, Conv2d and
ConvTranspose2d layers in module order, as `createGan` does; real = tanh(randn(8, 1, 28, 28))
drawn next; Adam(lr=1e-4) for each network. Each of 3 steps starts from manual_seed(100 + step)
and is the tutorial's step: one noise batch, one generator pass, the discriminator (dropout on)
on the real and the generated images, each loss differentiated for its own network's parameters
only, then the discriminator's and the generator's Adam steps.

Writes test/fixtures/torch/gan-step.safetensors:

    losses              3×2 float64: (D loss, G loss) of each step
    grad.<net>.<name>   the first SAMPLE elements (flattened) of each parameter's gradient in the
                        first step; <net> is `generator` or `discriminator`, <name> PyTorch's
                        parameter name (`0.weight`…)
    gradnorm.<net>      per parameter (in named_parameters order) the L2 norm of that gradient
The metadata entry `names.<net>` lists the parameter names in order (JSON).
"""

from __future__ import annotations

import json
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench", "reference"))
from dcgan_step import build  # noqa: E402

OUT = os.path.join(ROOT, "test", "fixtures", "torch", "gan-step.safetensors")
SAMPLE = 256

torch.set_num_threads(1)


def keras_init(module: nn.Module) -> None:
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


torch.manual_seed(11)
gen, disc = build()
keras_init(gen)
keras_init(disc)
real = torch.randn(8, 1, 28, 28).tanh()
gen.train()
disc.train()
nets = {"generator": gen, "discriminator": disc}
gp, dp = list(gen.parameters()), list(disc.parameters())
opt_g, opt_d = torch.optim.Adam(gp, lr=1e-4), torch.optim.Adam(dp, lr=1e-4)

tensors: dict[str, torch.Tensor] = {}
metadata: dict[str, str] = {}
losses = []
for step in range(3):
    torch.manual_seed(100 + step)
    fake = gen(torch.randn(8, 100))
    r, f = disc(real), disc(fake)
    g_loss = F.binary_cross_entropy_with_logits(f, torch.ones_like(f))
    d_loss = F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
    for p, g in zip(gp, torch.autograd.grad(g_loss, gp, retain_graph=True)):
        p.grad = g
    for p, g in zip(dp, torch.autograd.grad(d_loss, dp)):
        p.grad = g
    if step == 0:
        for net, module in nets.items():
            norms = []
            for name, p in module.named_parameters():
                tensors[f"grad.{net}.{name}"] = p.grad.detach().flatten()[:SAMPLE].clone()
                norms.append(p.grad.detach().double().norm().item())
            tensors[f"gradnorm.{net}"] = torch.tensor(norms, dtype=torch.float64)
    opt_d.step()
    opt_g.step()
    losses.append([d_loss.item(), g_loss.item()])

tensors["losses"] = torch.tensor(losses, dtype=torch.float64)
for net, module in nets.items():
    names = []
    for name, p in module.named_parameters():
        names.append(name)
    metadata[f"names.{net}"] = json.dumps(names)
metadata["torch"] = torch.__version__

save_file({k: v.contiguous() for k, v in tensors.items()}, OUT, metadata=metadata)
print(f"wrote {os.path.relpath(OUT, ROOT)}: {len(tensors)} tensors, {os.path.getsize(OUT)} bytes")
