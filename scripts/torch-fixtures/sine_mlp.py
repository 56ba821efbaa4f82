"""Reference losses for the training loop of test/torch-memory.test.ts, computed by PyTorch.

Run by hand after changing the recipe:

    .venv/bin/python scripts/torch-fixtures/sine_mlp.py

The recipe (the test's `sineMlp`): manual_seed(0); x = linspace(-1, 1, 64) as 64×1, y = sin(3x);
a 1-32-32-1 tanh MLP whose parameters are randn(shape) * 0.3 drawn in the order w1 (32×1),
b1 (32), w2 (32×32), b2 (32), w3 (1×32), b3 (1); each step computes mse_loss, backward, and
p -= 0.05 * p.grad under no_grad, dropping the gradients.

Writes test/fixtures/torch/sine-mlp.safetensors: `losses`, float64, the loss of each of the
STEPS steps, before that step's update.
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "fixtures", "torch", "sine-mlp.safetensors")
STEPS = 2201

torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.linspace(-1, 1, 64).reshape(64, 1)
y = (x * 3).sin()
params = [(torch.randn(shape) * 0.3).requires_grad_() for shape in ([32, 1], [32], [32, 32], [32], [1, 32], [1])]
w1, b1, w2, b2, w3, b3 = params
losses = []
for _ in range(STEPS):
    h1 = torch.tanh(F.linear(x, w1, b1))
    h2 = torch.tanh(F.linear(h1, w2, b2))
    loss = F.mse_loss(F.linear(h2, w3, b3), y)
    loss.backward()
    with torch.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=0.05)
            p.grad = None
    losses.append(loss.item())

save_file({"losses": torch.tensor(losses, dtype=torch.float64)}, OUT, metadata={"torch": torch.__version__})
print(f"wrote {os.path.relpath(OUT, ROOT)}: losses {losses[0]:.7f} → {losses[-1]:.7f} over {STEPS} steps")
