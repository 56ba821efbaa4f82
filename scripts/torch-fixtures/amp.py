"""Reference values for test/torch-amp.test.ts, computed by PyTorch.

Run by hand after changing a case:

    .venv/bin/python scripts/torch-fixtures/amp.py

Writes test/fixtures/torch/amp.safetensors with these groups of keys:

    ops.*       under torch.autocast('cpu', bfloat16): linear, conv2d and conv_transpose2d of
                seeded inputs (each result's dtype is bfloat16), and the float32 loss of
                binary_cross_entropy_with_logits on a bfloat16 logit
    dcgan.*     the DCGAN of DESIGN §4 from manual_seed(0), batch 8, real = rand*2−1 drawn after
                the models: the (D, G) losses of 3 training steps in float32 (`dcgan.fp32`) and
                with the forward passes under bfloat16 autocast (`dcgan.bf16`), each 3×2
    scaler.*    torch.amp.GradScaler('cpu', init_scale=1024, growth_interval=2) driving SGD(lr=0.1)
                on one parameter w0 (3 elements) through 6 steps whose raw gradients are
                `scaler.grads` (rows 1 and 4 hold inf/nan): the scale after each update
                (`scaler.scales`, 6), whether each step ran (`scaler.stepped`), and w after each
                step (`scaler.w`, 6×3)
"""

from __future__ import annotations

import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

# The DCGAN as the benchmark's PyTorch reference defines it.
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "../../bench/reference"))
from dcgan_step import build as dcgan  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "../../test/fixtures/torch/amp.safetensors")


def dcgan_losses(amp: bool, batch=8, steps=3):
    torch.manual_seed(0)
    gen, disc = dcgan()
    real = torch.rand(batch, 1, 28, 28) * 2 - 1
    gp, dp = list(gen.parameters()), list(disc.parameters())
    opt_g, opt_d = torch.optim.Adam(gp, lr=1e-4), torch.optim.Adam(dp, lr=1e-4)
    bce = F.binary_cross_entropy_with_logits
    out = []
    for _ in range(steps):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            fake = gen(torch.randn(batch, 100))
            r, f = disc(real), disc(fake)
            g_loss = bce(f, torch.ones_like(f))
            d_loss = bce(r, torch.ones_like(r)) + bce(f, torch.zeros_like(f))
        for p, g in zip(gp, torch.autograd.grad(g_loss, gp, retain_graph=True)):
            p.grad = g
        for p, g in zip(dp, torch.autograd.grad(d_loss, dp)):
            p.grad = g
        opt_d.step(); opt_g.step()
        out.append([d_loss.item(), g_loss.item()])
    return torch.tensor(out, dtype=torch.float64)


def main():
    t = {}
    torch.manual_seed(3)
    x = torch.randn(4, 6); w = torch.randn(5, 6); b = torch.randn(5)
    img = torch.randn(2, 3, 8, 8); k = torch.randn(4, 3, 3, 3); kt = torch.randn(3, 2, 4, 4)
    logit = torch.randn(6, 1); target = (torch.rand(6, 1) > 0.5).float()
    t.update({"ops.x": x, "ops.w": w, "ops.b": b, "ops.img": img, "ops.k": k, "ops.kt": kt,
              "ops.logit": logit, "ops.target": target})
    with torch.autocast("cpu", dtype=torch.bfloat16):
        lin = F.linear(x, w, b)
        conv = F.conv2d(img, k, padding=1)
        convt = F.conv_transpose2d(img, kt, stride=2, padding=1)
        bce = F.binary_cross_entropy_with_logits(logit.bfloat16(), target)
    assert lin.dtype == conv.dtype == convt.dtype == torch.bfloat16 and bce.dtype == torch.float32
    t.update({"ops.linear": lin, "ops.conv2d": conv, "ops.conv_transpose2d": convt, "ops.bce": bce})

    t["dcgan.fp32"] = dcgan_losses(False)
    t["dcgan.bf16"] = dcgan_losses(True)

    w0 = torch.tensor([1.0, -2.0, 0.5])
    grads = torch.tensor([[1.0, 2.0, 3.0], [float("inf"), 0.0, 1.0], [0.5, 0.5, 0.5],
                          [1.0, 1.0, 1.0], [float("nan"), 1.0, 1.0], [2.0, 0.0, -2.0]])
    w = w0.clone().requires_grad_(True)
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    scales, stepped, ws = [], [], []
    for g in grads:
        loss = scaler.scale((w * g).sum())  # d loss / d w = g × scale
        opt.zero_grad()
        loss.backward()
        before = w.detach().clone()
        scaler.step(opt)
        stepped.append(0.0 if torch.equal(before, w.detach()) else 1.0)
        scaler.update()
        scales.append(scaler.get_scale())
        ws.append(w.detach().clone())
    t.update({"scaler.w0": w0, "scaler.grads": grads, "scaler.scales": torch.tensor(scales, dtype=torch.float64),
              "scaler.stepped": torch.tensor(stepped), "scaler.w": torch.stack(ws)})

    save_file({k: v.contiguous() for k, v in t.items()}, OUT, metadata={"torch": torch.__version__})
    print(f"wrote {os.path.normpath(OUT)} ({len(t)} tensors)")


if __name__ == "__main__":
    main()
