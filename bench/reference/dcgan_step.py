"""PyTorch's own DCGAN training step, the reference `dsi bench dcgan` times ours against.

The same model (DESIGN §4, TensorFlow's tutorial), the same initialisation order, the same step
formulation (one generator pass, both losses from one graph, torch.autograd.grad per network,
then both Adam steps) and the same precision handling. Driven over stdin/stdout so the two can be
interleaved in one run:

    python dcgan_step.py --batch 64 --precision bf16 --device cpu --threads 2 --seed 0 --warmup 3
    < run 20          > {"seconds": [...], "d_loss": ..., "g_loss": ...}
    < quit

The first line it prints is {"ready": true, "torch": version, "threads": n, "first_losses": [...]}.
"""
import argparse
import json
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def build(noise_dim=100, s=0.3):
    gen = nn.Sequential(
        nn.Linear(noise_dim, 7 * 7 * 256, bias=False), nn.BatchNorm1d(7 * 7 * 256), nn.LeakyReLU(s),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, 1, 2, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(s),
        nn.ConvTranspose2d(128, 64, 5, 2, 2, output_padding=1, bias=False), nn.BatchNorm2d(64), nn.LeakyReLU(s),
        nn.ConvTranspose2d(64, 1, 5, 2, 2, output_padding=1, bias=False), nn.Tanh())
    disc = nn.Sequential(
        nn.Conv2d(1, 64, 5, 2, 2), nn.LeakyReLU(s), nn.Dropout(0.3),
        nn.Conv2d(64, 128, 5, 2, 2), nn.LeakyReLU(s), nn.Dropout(0.3),
        nn.Flatten(), nn.Linear(128 * 7 * 7, 1))
    return gen, disc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--precision", choices=["fp32", "bf16", "fp16"], default="fp32")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    device = torch.device(a.device)
    dev_type = device.type
    # Initialise on the CPU, as ours does, then move: the same seed gives the same weights.
    gen, disc = build()
    real = torch.rand(a.batch, 1, 28, 28).mul_(2).sub_(1)
    gen, disc, real = gen.to(device), disc.to(device), real.to(device)
    gen.train(); disc.train()
    gp, dp = list(gen.parameters()), list(disc.parameters())
    opt_g = torch.optim.Adam(gp, lr=1e-4)
    opt_d = torch.optim.Adam(dp, lr=1e-4)
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.precision)
    scaler = torch.amp.GradScaler(dev_type) if a.precision == "fp16" else None
    bce = F.binary_cross_entropy_with_logits

    def forward():
        fake = gen(torch.randn(a.batch, 100, device=device))
        r, f = disc(real), disc(fake)
        g_loss = bce(f, torch.ones_like(f))
        d_loss = bce(r, torch.ones_like(r)) + bce(f, torch.zeros_like(f))
        return d_loss, g_loss

    def step():
        if amp_dtype is None:
            d_loss, g_loss = forward()
        else:
            with torch.autocast(dev_type, dtype=amp_dtype):
                d_loss, g_loss = forward()
        sc = (lambda t: scaler.scale(t)) if scaler else (lambda t: t)
        for p, g in zip(gp, torch.autograd.grad(sc(g_loss), gp, retain_graph=True)):
            p.grad = g
        for p, g in zip(dp, torch.autograd.grad(sc(d_loss), dp)):
            p.grad = g
        if scaler:
            scaler.step(opt_d); scaler.step(opt_g); scaler.update()
        else:
            opt_d.step(); opt_g.step()
        return d_loss.item(), g_loss.item()

    def sync():
        if dev_type == "cuda":
            torch.cuda.synchronize()

    first = step()
    for _ in range(max(0, a.warmup - 1)):
        step()
    sync()
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "first_losses": list(first)}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "run":
            seconds, losses = [], (float("nan"), float("nan"))
            for _ in range(int(words[1])):
                t0 = time.perf_counter()
                losses = step()
                sync()
                seconds.append(time.perf_counter() - t0)
            print(json.dumps({"seconds": seconds, "d_loss": losses[0], "g_loss": losses[1]}), flush=True)


if __name__ == "__main__":
    main()
