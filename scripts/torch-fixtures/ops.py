"""Reference values for test/torch-ops.test.ts, computed by PyTorch.

Run by hand after changing a case:

    .venv/bin/python scripts/torch-fixtures/ops.py

Writes test/fixtures/torch/ops.safetensors. For every case `<case>` the file holds

    <case>.in.<i>     the inputs (seeded), in the order the op takes them
    <case>.out        the output (or <case>.out.<j> when the op returns several)
    <case>.proj       a seeded random projection of the (first) output
    <case>.grad.<i>   d/d(input i) of (out * proj).sum(), for each differentiable input

and the metadata entry `<case>` is JSON: {"op": name, "args": {...}, "grad": [i, ...]}. The args
use the TypeScript API's option names, so the test passes them through unchanged; the functions
below translate them to PyTorch's. A `rng.*` group records the random factories after
manual_seed(1234) and the generator state restored mid-sequence.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "test", "fixtures", "torch", "ops.safetensors")

torch.set_num_threads(1)
gen = torch.Generator().manual_seed(20240611)

tensors: dict[str, torch.Tensor] = {}
metadata: dict[str, str] = {}


def randn(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=dtype)


def pos(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Values in [0.5, 2.5): safe for log, sqrt, reciprocal."""
    return torch.rand(*shape, generator=gen, dtype=dtype) * 2 + 0.5


def prob(*shape: int) -> torch.Tensor:
    """Values in [0.05, 0.95): probabilities away from 0 and 1."""
    return torch.rand(*shape, generator=gen) * 0.9 + 0.05


def idx(high: int, *shape: int) -> torch.Tensor:
    return torch.randint(0, high, shape, generator=gen)


def case(name: str, op: str, fn: Callable[..., Any], inputs: list[torch.Tensor], args: dict | None = None, grad: list[int] | None = None) -> None:
    """Records one case; `grad` lists the inputs to differentiate (default: every float input)."""
    args = args or {}
    assert name not in metadata, name
    if grad is None:
        grad = [i for i, t in enumerate(inputs) if t.is_floating_point()]
    ins = [t.detach().clone().requires_grad_(i in grad) for i, t in enumerate(inputs)]
    out = fn(*ins, **args)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for i, t in enumerate(inputs):
        tensors[f"{name}.in.{i}"] = t.detach().clone().contiguous()
    if len(outs) == 1:
        tensors[f"{name}.out"] = outs[0].detach().clone().contiguous()
    else:
        for j, o in enumerate(outs):
            tensors[f"{name}.out.{j}"] = o.detach().clone().contiguous()
    if grad:
        first = outs[0]
        assert first.requires_grad, f"{name}: output does not require grad"
        proj = torch.randn(first.shape, generator=gen, dtype=first.dtype)
        tensors[f"{name}.proj"] = proj
        (first * proj).sum().backward()
        for i in grad:
            g = ins[i].grad
            tensors[f"{name}.grad.{i}"] = (g if g is not None else torch.zeros_like(ins[i])).detach().clone()
    metadata[name] = json.dumps({"op": op, "args": args, "grad": grad}, sort_keys=True)


def fwd(name: str, op: str, fn: Callable[..., Any], inputs: list[torch.Tensor], args: dict | None = None) -> None:
    case(name, op, fn, inputs, args, grad=[])


# Factories (no inputs) ---------------------------------------------------------------------------

DT = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
fwd("zeros", "zeros", lambda shape: torch.zeros(shape), [], {"shape": [2, 3]})
fwd("ones", "ones", lambda shape, dtype: torch.ones(shape, dtype=DT[dtype]), [], {"shape": [3, 1], "dtype": "float64"})
fwd("full", "full", lambda shape, value: torch.full(shape, value), [], {"shape": [2, 2], "value": 2.5})
fwd("arange.int", "arange", lambda start, end, step: torch.arange(start, end, step), [], {"start": 0, "end": 7, "step": 2})
fwd("arange.float", "arange", lambda start, end, step: torch.arange(start, end, step), [], {"start": 0, "end": 1, "step": 0.1})
fwd("linspace", "linspace", lambda start, end, steps: torch.linspace(start, end, steps), [], {"start": -1, "end": 1, "steps": 7})
fwd("eye", "eye", lambda n: torch.eye(n), [], {"n": 4})
fwd("zerosLike", "zerosLike", lambda x: torch.zeros_like(x), [randn(2, 3, dtype=torch.float64)])
fwd("onesLike", "onesLike", lambda x: torch.ones_like(x), [randn(3, 2)])
fwd("fullLike", "fullLike", lambda x, value: torch.full_like(x, value), [randn(2, 2)], {"value": -3})

# Shape ops ---------------------------------------------------------------------------------------

case("reshape", "reshape", lambda x, shape: x.reshape(shape), [randn(2, 6)], {"shape": [3, -1]})
case("view", "view", lambda x, shape: x.view(shape), [randn(2, 3, 2)], {"shape": [6, 2]})
case("flatten", "flatten", lambda x, startDim, endDim: x.flatten(startDim, endDim), [randn(2, 3, 2, 2)], {"startDim": 1, "endDim": -1})
case("permute", "permute", lambda x, dims: x.permute(dims), [randn(2, 3, 4)], {"dims": [2, 0, 1]})
case("transpose", "transpose", lambda x, dim0, dim1: x.transpose(dim0, dim1), [randn(2, 3, 4)], {"dim0": 0, "dim1": 2})
case("t", "t", lambda x: x.t(), [randn(3, 4)])
case("squeeze.dim", "squeeze", lambda x, dim: x.squeeze(dim), [randn(3, 1, 4)], {"dim": 1})
case("squeeze.all", "squeeze", lambda x: x.squeeze(), [randn(1, 3, 1, 2)])
case("unsqueeze", "unsqueeze", lambda x, dim: x.unsqueeze(dim), [randn(3, 4)], {"dim": 1})
case("cat", "cat", lambda a, b, dim: torch.cat([a, b], dim), [randn(2, 3), randn(2, 2)], {"dim": 1})
case("stack", "stack", lambda a, b, dim: torch.stack([a, b], dim), [randn(2, 3), randn(2, 3)], {"dim": 1})
case("narrow", "narrow", lambda x, dim, start, length: x.narrow(dim, start, length), [randn(3, 5)], {"dim": 1, "start": 1, "length": 3})
case("select", "select", lambda x, dim, index: x.select(dim, index), [randn(3, 4)], {"dim": 0, "index": 2})
case("slice", "slice", lambda x, dim, start, end, step: x[(slice(None),) * dim + (slice(start, end, step),)], [randn(3, 6)], {"dim": 1, "start": 1, "end": 5, "step": 2})
case("indexSelect", "indexSelect", lambda x, i, dim: x.index_select(dim, i), [randn(3, 5), torch.tensor([4, 0, 0, 2])], {"dim": 1})
case("gather", "gather", lambda x, i, dim: x.gather(dim, i), [randn(3, 4), idx(4, 3, 2)], {"dim": 1})
case("contiguous", "contiguous", lambda x: x.t().contiguous(), [randn(3, 4)])
case("clone", "clone", lambda x: x.clone(), [randn(2, 3)])
case("detach", "detach", lambda x: x.detach(), [randn(2, 3)], grad=[])
case("to.float64", "to", lambda x, dtype: x.to(DT[dtype]), [randn(2, 3)], {"dtype": "float64"})
fwd("to.int64", "to", lambda x, dtype: x.to(DT[dtype]), [randn(2, 3) * 3], {"dtype": "int64"})
case("expand", "expand", lambda x, shape: x.expand(shape), [randn(3, 1)], {"shape": [3, 4]})
case("repeat", "repeat", lambda x, repeats: x.repeat(repeats), [randn(2, 3)], {"repeats": [2, 1]})
case("flip", "flip", lambda x, dims: x.flip(dims), [randn(2, 3)], {"dims": [1]})
fwd("maskedSelect", "maskedSelect", lambda x, m: x.masked_select(m), [randn(3, 3), randn(3, 3) > 0])

# Element-wise ------------------------------------------------------------------------------------

case("add", "add", lambda a, b: a + b, [randn(3, 4), randn(3, 4)])
case("add.alpha", "add", lambda a, b, alpha: torch.add(a, b, alpha=alpha), [randn(3, 4), randn(3, 4)], {"alpha": -2.5})
case("add.broadcast", "add", lambda a, b: a + b, [randn(3, 1), randn(1, 4)])
case("add.number", "addNumber", lambda a, other: a + other, [randn(3, 4)], {"other": 1.5})
case("sub", "sub", lambda a, b: a - b, [randn(3, 4), randn(3, 4)])
case("sub.alpha", "sub", lambda a, b, alpha: torch.sub(a, b, alpha=alpha), [randn(3, 4), randn(3, 4)], {"alpha": 0.5})
case("sub.number", "subNumber", lambda a, other: a - other, [randn(3, 4)], {"other": 2})
case("mul", "mul", lambda a, b: a * b, [randn(3, 4), randn(3, 4)])
case("mul.number", "mulNumber", lambda a, other: a * other, [randn(3, 4)], {"other": -0.25})
case("div", "div", lambda a, b: a / b, [randn(3, 4), pos(3, 4)])
case("div.number", "divNumber", lambda a, other: a / other, [randn(3, 4)], {"other": 3})
case("pow", "pow", lambda a, b: a.pow(b), [pos(3, 4), randn(3, 4)])
case("pow.number", "powNumber", lambda a, other: a.pow(other), [randn(3, 4)], {"other": 3})
case("maximum", "maximum", lambda a, b: torch.maximum(a, b), [randn(3, 4), randn(3, 4)])
case("minimum", "minimum", lambda a, b: torch.minimum(a, b), [randn(3, 4), randn(3, 4)])
case("remainder", "remainder", lambda a, other: a.remainder(other), [randn(3, 4) * 3], {"other": 1.5})
for unary, maker in [
    ("neg", randn), ("abs", randn), ("sqrt", pos), ("rsqrt", pos), ("exp", randn), ("log", pos),
    ("log1p", pos), ("expm1", randn), ("sin", randn), ("cos", randn), ("square", randn),
    ("reciprocal", pos), ("erf", randn), ("sigmoid", randn), ("tanh", randn), ("relu", randn),
]:
    case(unary, unary, getattr(torch, unary), [maker(3, 4)])
for rounding in ["floor", "ceil", "round", "sign"]:
    fwd(rounding, rounding, getattr(torch, rounding), [randn(3, 4) * 3])
for cmp in ["eq", "ne", "lt", "le", "gt", "ge"]:
    a = torch.randint(0, 3, (3, 4), generator=gen).float()
    fwd(f"{cmp}.tensor", cmp, getattr(torch, cmp), [a, torch.randint(0, 3, (3, 4), generator=gen).float()])
    fwd(f"{cmp}.number", f"{cmp}Number", lambda x, other, f=getattr(torch, cmp): f(x, other), [a], {"other": 1})
fwd("isnan", "isnan", torch.isnan, [torch.tensor([1.0, float("nan"), float("inf"), -2.0])])
fwd("isfinite", "isfinite", torch.isfinite, [torch.tensor([1.0, float("nan"), float("inf"), -2.0])])
fwd("logicalAnd", "logicalAnd", torch.logical_and, [randn(6) > 0, randn(6) > 0])
fwd("logicalOr", "logicalOr", torch.logical_or, [randn(6) > 0, randn(6) > 0])
fwd("logicalNot", "logicalNot", torch.logical_not, [randn(6) > 0])
case("where", "where", lambda c, a, b: torch.where(c, a, b), [randn(3, 4) > 0, randn(3, 4), randn(3, 4)])
case("where.number", "whereNumber", lambda c, a, other: torch.where(c, a, other), [randn(3, 4) > 0, randn(3, 4)], {"other": 0.5})
case("clamp", "clamp", lambda x, min, max: x.clamp(min, max), [randn(3, 4)], {"min": -0.5, "max": 0.7})
case("clamp.min", "clamp", lambda x, min: x.clamp(min=min), [randn(3, 4)], {"min": 0.1})
case("lerp", "lerp", lambda a, b, weight: torch.lerp(a, b, weight), [randn(3, 4), randn(3, 4)], {"weight": 0.3})
case("lerp.tensor", "lerpTensor", lambda a, b, w: torch.lerp(a, b, w), [randn(3, 4), randn(3, 4), torch.rand(3, 4, generator=gen)])

# Activations -------------------------------------------------------------------------------------

case("leakyRelu", "leakyRelu", lambda x, negativeSlope: F.leaky_relu(x, negativeSlope), [randn(3, 4)], {"negativeSlope": 0.2})
case("softmax.dim1", "softmax", lambda x, dim: F.softmax(x, dim), [randn(3, 5)], {"dim": 1})
case("softmax.dim0", "softmax", lambda x, dim: F.softmax(x, dim), [randn(3, 5)], {"dim": 0})
case("logSoftmax", "logSoftmax", lambda x, dim: F.log_softmax(x, dim), [randn(3, 5)], {"dim": -1})
case("gelu", "gelu", lambda x, approximate: F.gelu(x, approximate=approximate), [randn(3, 4)], {"approximate": "none"})
case("gelu.tanh", "gelu", lambda x, approximate: F.gelu(x, approximate=approximate), [randn(3, 4)], {"approximate": "tanh"})
case("softplus", "softplus", lambda x, beta, threshold: F.softplus(x, beta, threshold), [randn(3, 4)], {"beta": 1, "threshold": 20})
case("softplus.beta", "softplus", lambda x, beta, threshold: F.softplus(x, beta, threshold), [randn(3, 4) * 3], {"beta": 2, "threshold": 3})
case("elu", "elu", lambda x, alpha: F.elu(x, alpha), [randn(3, 4)], {"alpha": 1.5})
case("silu", "silu", F.silu, [randn(3, 4)])

# Reductions --------------------------------------------------------------------------------------

case("sum", "sum", lambda x: x.sum(), [randn(3, 4)])
case("sum.dim", "sum", lambda x, dim: x.sum(dim), [randn(3, 4)], {"dim": 1})
case("sum.dims.keepdim", "sum", lambda x, dim, keepdim: x.sum(dim, keepdim=keepdim), [randn(2, 3, 4)], {"dim": [0, 2], "keepdim": True})
case("mean", "mean", lambda x: x.mean(), [randn(3, 4)])
case("mean.dim", "mean", lambda x, dim, keepdim: x.mean(dim, keepdim=keepdim), [randn(3, 4)], {"dim": 0, "keepdim": True})
case("var", "var", lambda x: x.var(), [randn(3, 4)])
case("var.dim.correction0", "var", lambda x, dim, correction: x.var(dim, correction=correction), [randn(3, 4)], {"dim": 1, "correction": 0})
case("std", "std", lambda x: x.std(), [randn(3, 4)])
case("std.dim", "std", lambda x, dim, keepdim: x.std(dim, keepdim=keepdim), [randn(3, 4)], {"dim": 0, "keepdim": True})
case("max", "max", lambda x: x.max(), [randn(3, 4)])
case("max.dim", "maxDim", lambda x, dim, keepdim: tuple(x.max(dim, keepdim=keepdim)), [randn(3, 4)], {"dim": 1, "keepdim": False})
case("min", "min", lambda x: x.min(), [randn(3, 4)])
case("min.dim", "minDim", lambda x, dim, keepdim: tuple(x.min(dim, keepdim=keepdim)), [randn(3, 4)], {"dim": 0, "keepdim": True})
fwd("argmax", "argmax", lambda x: x.argmax(), [randn(3, 4)])
fwd("argmax.dim", "argmax", lambda x, dim: x.argmax(dim), [randn(3, 4)], {"dim": 1})
fwd("argmin.dim", "argmin", lambda x, dim: x.argmin(dim), [randn(3, 4)], {"dim": 0})
case("logsumexp", "logsumexp", lambda x, dim: x.logsumexp(dim), [randn(3, 4)], {"dim": 1})
case("norm", "norm", lambda x: x.norm(), [randn(3, 4)])
case("norm.p1.dim", "norm", lambda x, p, dim: x.norm(p, dim), [randn(3, 4)], {"p": 1, "dim": 1})
case("prod", "prod", lambda x, dim: x.prod(dim), [pos(3, 4)], {"dim": 1})
case("cumsum", "cumsum", lambda x, dim: x.cumsum(dim), [randn(3, 4)], {"dim": 1})

# Matrix products and nn layers -------------------------------------------------------------------

case("matmul", "matmul", torch.matmul, [randn(3, 4), randn(4, 5)])
case("matmul.batched", "matmul", torch.matmul, [randn(2, 3, 4), randn(4, 2)])
case("matmul.vector", "matmul", torch.matmul, [randn(3, 4), randn(4)])
case("mm", "mm", torch.mm, [randn(2, 3), randn(3, 4)])
case("linear", "linear", F.linear, [randn(5, 4), randn(3, 4), randn(3)])
case("linear.nobias", "linear", F.linear, [randn(2, 5, 4), randn(3, 4)])


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    return F.conv2d(x, w, b, stride, padding, dilation, groups)


case("conv2d", "conv2d", conv2d, [randn(2, 3, 6, 6), randn(4, 3, 3, 3), randn(4)])
case("conv2d.stride.padding", "conv2d", conv2d, [randn(2, 3, 7, 7), randn(4, 3, 3, 3), randn(4)], {"stride": 2, "padding": 1})
case("conv2d.rect", "conv2d", conv2d, [randn(1, 2, 6, 7), randn(3, 2, 3, 2), randn(3)], {"stride": [2, 1], "padding": [1, 0]})
case("conv2d.dilation", "conv2d", conv2d, [randn(1, 2, 7, 7), randn(3, 2, 3, 3)], {"dilation": 2})
case("conv2d.groups", "conv2d", conv2d, [randn(2, 4, 5, 5), randn(6, 2, 3, 3), randn(6)], {"groups": 2, "padding": 1})


def conv_transpose2d(x, w, b=None, stride=1, padding=0, outputPadding=0, groups=1, dilation=1):
    return F.conv_transpose2d(x, w, b, stride, padding, outputPadding, groups, dilation)


case("convTranspose2d", "convTranspose2d", conv_transpose2d, [randn(2, 3, 4, 4), randn(3, 2, 3, 3), randn(2)])
case("convTranspose2d.dcgan", "convTranspose2d", conv_transpose2d, [randn(2, 4, 4, 4), randn(4, 3, 5, 5), randn(3)], {"stride": 2, "padding": 2, "outputPadding": 1})
case("convTranspose2d.k4s2p1", "convTranspose2d", conv_transpose2d, [randn(1, 3, 3, 3), randn(3, 2, 4, 4)], {"stride": 2, "padding": 1})


def max_pool2d(x, kernelSize, stride=None, padding=0, dilation=1, ceilMode=False):
    return F.max_pool2d(x, kernelSize, stride, padding, dilation, ceilMode)


def avg_pool2d(x, kernelSize, stride=None, padding=0, ceilMode=False, countIncludePad=True):
    return F.avg_pool2d(x, kernelSize, stride, padding, ceilMode, countIncludePad)


case("maxPool2d", "maxPool2d", max_pool2d, [randn(2, 3, 6, 6)], {"kernelSize": 2})
case("maxPool2d.stride.padding", "maxPool2d", max_pool2d, [randn(1, 2, 7, 7)], {"kernelSize": 3, "stride": 2, "padding": 1})
case("maxPool2d.ceil", "maxPool2d", max_pool2d, [randn(1, 2, 5, 5)], {"kernelSize": 2, "ceilMode": True})
case("avgPool2d", "avgPool2d", avg_pool2d, [randn(2, 3, 6, 6)], {"kernelSize": 2})
case("avgPool2d.excludePad", "avgPool2d", avg_pool2d, [randn(1, 2, 7, 7)], {"kernelSize": 3, "stride": 2, "padding": 1, "countIncludePad": False})
case("adaptiveAvgPool2d", "adaptiveAvgPool2d", lambda x, outputSize: F.adaptive_avg_pool2d(x, outputSize), [randn(1, 2, 7, 5)], {"outputSize": [3, 2]})


def interpolate(x, size, mode="nearest", alignCorners=False):
    return F.interpolate(x, size=size, mode=mode, align_corners=alignCorners if mode in ("bilinear", "bicubic") else None)


case("interpolate.nearest", "interpolate", interpolate, [randn(1, 2, 3, 4)], {"size": [6, 8], "mode": "nearest"})
case("interpolate.nearest.down", "interpolate", interpolate, [randn(1, 2, 6, 7)], {"size": [4, 3], "mode": "nearest"})
case("interpolate.bilinear", "interpolate", interpolate, [randn(1, 2, 4, 3)], {"size": [7, 5], "mode": "bilinear"})
case("interpolate.bilinear.alignCorners", "interpolate", interpolate, [randn(1, 2, 4, 3)], {"size": [7, 5], "mode": "bilinear", "alignCorners": True})
case("interpolate.area", "interpolate", interpolate, [randn(1, 2, 6, 6)], {"size": [3, 2], "mode": "area"})
case("interpolate.area.uneven", "interpolate", interpolate, [randn(1, 2, 7, 5)], {"size": [3, 3], "mode": "area"})


def batch_norm_train(x, w, b, rm, rv, momentum, eps):
    rm, rv = rm.detach().clone(), rv.detach().clone()
    y = F.batch_norm(x, rm, rv, w, b, True, momentum, eps)
    return y, rm, rv


def batch_norm_eval(x, w, b, rm, rv, eps):
    return F.batch_norm(x, rm, rv, w, b, False, 0.1, eps)


bn_stats = [randn(3) * 0.5, pos(3)]
case("batchNorm.train", "batchNormTrain", batch_norm_train, [randn(4, 3, 2, 2) * 2 + 1, pos(3), randn(3), *bn_stats], {"momentum": 0.1, "eps": 1e-5}, grad=[0, 1, 2])
case("batchNorm.train.2d", "batchNormTrain", batch_norm_train, [randn(6, 3), pos(3), randn(3), *bn_stats], {"momentum": 0.3, "eps": 1e-3}, grad=[0, 1, 2])
case("batchNorm.eval", "batchNormEval", batch_norm_eval, [randn(4, 3, 2, 2), pos(3), randn(3), *bn_stats], {"eps": 1e-5}, grad=[0, 1, 2])
case("layerNorm", "layerNorm", lambda x, w, b, normalizedShape: F.layer_norm(x, normalizedShape, w, b), [randn(2, 3, 4), pos(4), randn(4)], {"normalizedShape": [4]})
case("embedding", "embedding", lambda i, w: F.embedding(i, w), [torch.tensor([[1, 4, 1], [0, 2, 4]]), randn(5, 3)])
fwd("oneHot", "oneHot", lambda i, numClasses: F.one_hot(i, numClasses), [torch.tensor([2, 0, 1, 2])], {"numClasses": 4})
case("pad", "pad", lambda x, pads, value: F.pad(x, pads, value=value), [randn(1, 2, 3, 3)], {"pads": [1, 2, 0, 1], "value": 0.5})

# Losses ------------------------------------------------------------------------------------------

R = {"reduction": "mean"}
case("mseLoss", "mseLoss", lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction), [randn(4, 3), randn(4, 3)], R)
case("mseLoss.sum", "mseLoss", lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction), [randn(4, 3), randn(4, 3)], {"reduction": "sum"})
case("mseLoss.none", "mseLoss", lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction), [randn(4, 3), randn(4, 3)], {"reduction": "none"})
case("l1Loss", "l1Loss", lambda a, b, reduction: F.l1_loss(a, b, reduction=reduction), [randn(4, 3), randn(4, 3)], R)
case("bce", "binaryCrossEntropy", lambda p, t, reduction: F.binary_cross_entropy(p, t, reduction=reduction), [prob(4, 3), prob(4, 3)], R, grad=[0])
case("bce.weight", "binaryCrossEntropyWeight", lambda p, t, w, reduction: F.binary_cross_entropy(p, t, w, reduction=reduction), [prob(4, 3), (randn(4, 3) > 0).float(), pos(4, 3)], {"reduction": "sum"}, grad=[0])
case("bceWithLogits", "binaryCrossEntropyWithLogits", lambda x, t, reduction: F.binary_cross_entropy_with_logits(x, t, reduction=reduction), [randn(4, 3) * 3, prob(4, 3)], R, grad=[0])
case("bceWithLogits.posWeight", "binaryCrossEntropyWithLogitsPosWeight", lambda x, t, p, reduction: F.binary_cross_entropy_with_logits(x, t, pos_weight=p, reduction=reduction), [randn(4, 3) * 3, (randn(4, 3) > 0).float(), pos(3)], {"reduction": "none"}, grad=[0])


def cross_entropy(x, t, w=None, reduction="mean", ignoreIndex=-100, labelSmoothing=0.0):
    return F.cross_entropy(x, t, w, ignore_index=ignoreIndex, reduction=reduction, label_smoothing=labelSmoothing)


case("crossEntropy", "crossEntropy", cross_entropy, [randn(5, 4), idx(4, 5)])
case("crossEntropy.sum", "crossEntropy", cross_entropy, [randn(5, 4), idx(4, 5)], {"reduction": "sum"})
case("crossEntropy.labelSmoothing", "crossEntropy", cross_entropy, [randn(5, 4), idx(4, 5)], {"labelSmoothing": 0.1})
case("crossEntropy.weight", "crossEntropy", cross_entropy, [randn(5, 4), idx(4, 5), pos(4)], {}, grad=[0])
case("crossEntropy.weight.labelSmoothing", "crossEntropy", cross_entropy, [randn(5, 4), idx(4, 5), pos(4)], {"labelSmoothing": 0.2}, grad=[0])
case("crossEntropy.ignoreIndex", "crossEntropy", cross_entropy, [randn(5, 4), torch.tensor([0, 3, 1, 3, 2])], {"ignoreIndex": 3})
case("crossEntropy.probabilities", "crossEntropy", cross_entropy, [randn(5, 4), F.softmax(randn(5, 4), 1)], {}, grad=[0])
case("crossEntropy.spatial", "crossEntropy", cross_entropy, [randn(2, 3, 2, 2), idx(3, 2, 2, 2)])


def nll_loss(x, t, w=None, reduction="mean", ignoreIndex=-100):
    return F.nll_loss(x, t, w, ignore_index=ignoreIndex, reduction=reduction)


case("nllLoss", "nllLoss", nll_loss, [F.log_softmax(randn(5, 4), 1), idx(4, 5)])
case("nllLoss.weight.none", "nllLoss", nll_loss, [F.log_softmax(randn(5, 4), 1), idx(4, 5), pos(4)], {"reduction": "none"}, grad=[0])

# Linear algebra and selection (float64) ----------------------------------------------------------

F64 = torch.float64
sym = randn(4, 4, dtype=F64)
sym = sym + sym.t()
fwd("eigh", "eigh", lambda a: tuple(torch.linalg.eigh(a)), [sym])
case("eigh.eigenvalues", "eighEigenvalues", lambda a: torch.linalg.eigh(a).eigenvalues, [sym.clone()])
case("cdist", "cdist", lambda a, b, p: torch.cdist(a, b, p), [randn(4, 3, dtype=F64), randn(5, 3, dtype=F64)], {"p": 2})
case("cdist.p1", "cdist", lambda a, b, p: torch.cdist(a, b, p), [randn(4, 3, dtype=F64), randn(5, 3, dtype=F64)], {"p": 1})
case("topk", "topk", lambda x, k, dim, largest: tuple(x.topk(k, dim, largest)), [randn(3, 6, dtype=F64)], {"k": 3, "dim": 1, "largest": True})
case("topk.smallest", "topk", lambda x, k, dim, largest: tuple(x.topk(k, dim, largest)), [randn(5, 3, dtype=F64)], {"k": 2, "dim": 0, "largest": False})
case("kthvalue", "kthvalue", lambda x, k, dim: tuple(x.kthvalue(k, dim)), [randn(3, 6, dtype=F64)], {"k": 2, "dim": 1})
case("sort", "sort", lambda x, dim, descending: tuple(x.sort(dim, descending)), [randn(3, 5, dtype=F64)], {"dim": 1, "descending": True})
case("det", "det", torch.linalg.det, [randn(3, 3, dtype=F64)])
case("inv", "inv", torch.linalg.inv, [randn(3, 3, dtype=F64) + 3 * torch.eye(3, dtype=F64)])
case("outer", "outer", torch.outer, [randn(3, dtype=F64), randn(4, dtype=F64)])
case("diag", "diag", lambda x: x.diag(), [randn(3, 3, dtype=F64)])
case("trace", "trace", lambda x: x.trace(), [randn(3, 3, dtype=F64)])

# In place: applied to a copy of input 0 -----------------------------------------------------------


def inplace(fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(x, *rest, **args):
        y = x.detach().clone()
        fn(y, *rest, **args)
        return y

    return run


fwd("add_", "add_", inplace(lambda x, b, alpha: x.add_(b, alpha=alpha)), [randn(3, 4), randn(3, 4)], {"alpha": 0.5})
fwd("add_.number", "add_Number", inplace(lambda x, other: x.add_(other)), [randn(3, 4)], {"other": 2})
fwd("sub_", "sub_", inplace(lambda x, b, alpha: x.sub_(b, alpha=alpha)), [randn(3, 4), randn(3, 4)], {"alpha": 0.1})
fwd("mul_", "mul_", inplace(lambda x, b: x.mul_(b)), [randn(3, 4), randn(3, 4)])
fwd("mul_.number", "mul_Number", inplace(lambda x, other: x.mul_(other)), [randn(3, 4)], {"other": 0.9})
fwd("div_", "div_", inplace(lambda x, b: x.div_(b)), [randn(3, 4), pos(3, 4)])
fwd("addcmul_", "addcmul_", inplace(lambda x, a, b, value: x.addcmul_(a, b, value=value)), [randn(3, 4), randn(3, 4), randn(3, 4)], {"value": -0.3})
fwd("addcdiv_", "addcdiv_", inplace(lambda x, a, b, value: x.addcdiv_(a, b, value=value)), [randn(3, 4), randn(3, 4), pos(3, 4)], {"value": 0.01})
fwd("lerp_", "lerp_", inplace(lambda x, b, weight: x.lerp_(b, weight)), [randn(3, 4), randn(3, 4)], {"weight": 0.1})
fwd("clamp_", "clamp_", inplace(lambda x, min, max: x.clamp_(min, max)), [randn(3, 4)], {"min": -0.2, "max": 0.2})
fwd("copy_", "copy_", inplace(lambda x, b: x.copy_(b)), [randn(3, 4), randn(4)])
fwd("fill_", "fill_", inplace(lambda x, value: x.fill_(value)), [randn(3, 4)], {"value": 1.25})
fwd("zero_", "zero_", inplace(lambda x: x.zero_()), [randn(3, 4)])

# Random numbers: one sequence after manual_seed(1234), then a saved state replayed -----------------

torch.manual_seed(1234)
tensors["rng.randn.a"] = torch.randn(3, 4)
tensors["rng.randn.b"] = torch.randn(5, 7)  # 16 or more elements take the vectorised path
tensors["rng.randn.c"] = torch.randn(2, 3, dtype=F64)
tensors["rng.randn.d"] = torch.randn(4, 5, dtype=F64)
tensors["rng.rand"] = torch.rand(3, 5)
tensors["rng.randint"] = torch.randint(0, 10, (12,))
tensors["rng.randperm"] = torch.randperm(10)
state = torch.get_rng_state()
tensors["rng.after_state"] = torch.randn(6)
torch.randn(100)
torch.set_rng_state(state)
tensors["rng.replayed"] = torch.randn(6)
assert torch.equal(tensors["rng.after_state"], tensors["rng.replayed"])
metadata["rng"] = json.dumps(
    {
        "seed": 1234,
        "sequence": [
            ["rng.randn.a", "randn", [3, 4], "float32"],
            ["rng.randn.b", "randn", [5, 7], "float32"],
            ["rng.randn.c", "randn", [2, 3], "float64"],
            ["rng.randn.d", "randn", [4, 5], "float64"],
            ["rng.rand", "rand", [3, 5], "float32"],
            ["rng.randint", "randint", [12], "int64", 0, 10],
            ["rng.randperm", "randperm", [10], "int64"],
        ],
        "then": "getRngState; rng.after_state = randn([6]); randn([100]); setRngState; rng.replayed = randn([6])",
    }
)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
save_file({k: v.contiguous() for k, v in tensors.items()}, OUT, metadata=metadata)
cases = sum(1 for k in metadata if k != "rng")
print(f"wrote {OUT}: {cases} cases, {len(tensors)} tensors, {os.path.getsize(OUT)} bytes, torch {torch.__version__}")
