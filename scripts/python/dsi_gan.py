"""The GAN architectures of src/ml/models in PyTorch, with the same state-dict keys.

A generator or discriminator that dsi trained (saved as safetensors by ``Module.save``) loads here
with ``load_state_dict(strict=True)``, and gives the same images for the same noise and
conditions. The architecture is the JSON that dsi stores with a run (``architectureKey``):

    import json, torch, dsi_gan
    arch = json.loads(architecture_json)            # {"model": "cdcgan", "size": 32, ...}
    gen = dsi_gan.load_generator("generator.safetensors", arch)   # eval mode
    cond = dsi_gan.encode_conditions(arch["conditions"], [{"label": 3}, {"label": 7}])
    images = dsi_gan.generate(gen, torch.randn(2, arch["noiseDim"]), cond)  # 2×C×S×S in (-1, 1)

Keep this file in step with src/ml/models (docs/ml-models.md lists what must match).
"""
from __future__ import annotations

import json
import math
import struct
import sys
from typing import Any, Mapping, Sequence

import torch
from torch import nn

# The TensorFlow-tutorial DCGAN (src/ml/models/dcgan.ts).
DCGAN_LEAKY_SLOPE = 0.3
DCGAN_DROPOUT = 0.3
DCGAN_NOISE_DIM = 100
# The standard DCGAN stack (src/ml/models/standard-dcgan.ts).
STANDARD_DCGAN_FEATURES = 64
STANDARD_DCGAN_LEAKY_SLOPE = 0.2
# The condition encoder (src/ml/models/condition-encoder.ts).
MAX_CATEGORICAL_EMBEDDING_DIM = 50
MIN_CONTINUOUS_PROJECTION_DIM = 16


def categorical_embedding_dim(levels: int) -> int:
    return min(MAX_CATEGORICAL_EMBEDDING_DIM, levels)


def continuous_projection_dim(count: int) -> int:
    return max(MIN_CONTINUOUS_PROJECTION_DIM, count)


# Conditions -------------------------------------------------------------------------------------

def normalize_continuous(value: float, lo: float, hi: float) -> float:
    return 0.0 if hi == lo else 2.0 * (value - lo) / (hi - lo) - 1.0


def encode_conditions(specs: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]]) -> torch.Tensor:
    """Rows' condition values -> float32 N x len(specs): a level's index, or a continuous value in [-1, 1]."""
    out = torch.zeros(len(rows), len(specs), dtype=torch.float32)
    for c, spec in enumerate(specs):
        name = spec["name"]
        if spec["kind"] == "categorical":
            # Python's dict merges 1 and 1.0 and True, as JavaScript's Map merges 1 and 1.0; strings stay apart.
            index = {(type(l) is str, l): i for i, l in enumerate(spec["levels"])}
        for r, row in enumerate(rows):
            where = f"condition '{name}' in row {r + 1}"
            v = row.get(name)
            if v is None:
                raise ValueError(f"{where} is NULL or missing")
            if spec["kind"] == "categorical":
                i = index.get((type(v) is str, v))
                if i is None:
                    raise ValueError(f"{where} holds {v!r}, which is not one of its levels {spec['levels']}")
                out[r, c] = float(i)
            else:
                if isinstance(v, str) or not math.isfinite(float(v)):
                    raise ValueError(f"{where} holds {v!r}, not a finite number")
                out[r, c] = normalize_continuous(float(v), float(spec["min"]), float(spec["max"]))
    return out


class ConditionEncoder(nn.Module):
    """cond N x k -> cat(embeddings of the categorical columns in order, projection of the continuous ones)."""

    def __init__(self, specs: Sequence[Mapping[str, Any]]):
        super().__init__()
        if len(specs) == 0:
            raise ValueError("a ConditionEncoder needs at least one condition")
        self.categorical_columns = [i for i, s in enumerate(specs) if s["kind"] == "categorical"]
        self.continuous_columns = [i for i, s in enumerate(specs) if s["kind"] == "continuous"]
        self.embeddings = nn.ModuleList(
            nn.Embedding(len(specs[i]["levels"]), categorical_embedding_dim(len(specs[i]["levels"]))) for i in self.categorical_columns
        )
        n = len(self.continuous_columns)
        self.continuous = nn.Linear(n, continuous_projection_dim(n)) if n > 0 else None
        self.out_dim = sum(e.embedding_dim for e in self.embeddings) + (self.continuous.out_features if self.continuous is not None else 0)

    def forward(self, cond: torch.Tensor) -> torch.Tensor:
        parts = [e(cond[:, c].long()) for e, c in zip(self.embeddings, self.categorical_columns)]
        if self.continuous is not None:
            parts.append(self.continuous(cond[:, self.continuous_columns]))
        return torch.cat(parts, 1)


# Image networks ---------------------------------------------------------------------------------

def dcgan_generator(input_dim: int = DCGAN_NOISE_DIM, channels: int = 1) -> nn.Sequential:
    s = DCGAN_LEAKY_SLOPE
    return nn.Sequential(
        nn.Linear(input_dim, 7 * 7 * 256, bias=False),
        nn.BatchNorm1d(7 * 7 * 256),
        nn.LeakyReLU(s),
        nn.Unflatten(1, (256, 7, 7)),
        nn.ConvTranspose2d(256, 128, 5, stride=1, padding=2, bias=False),
        nn.BatchNorm2d(128),
        nn.LeakyReLU(s),
        nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=False),
        nn.BatchNorm2d(64),
        nn.LeakyReLU(s),
        nn.ConvTranspose2d(64, channels, 5, stride=2, padding=2, output_padding=1, bias=False),
        nn.Tanh(),
    )


def dcgan_discriminator(channels: int = 1) -> nn.Sequential:
    s = DCGAN_LEAKY_SLOPE
    return nn.Sequential(
        nn.Conv2d(channels, 64, 5, stride=2, padding=2),
        nn.LeakyReLU(s),
        nn.Dropout(DCGAN_DROPOUT),
        nn.Conv2d(64, 128, 5, stride=2, padding=2),
        nn.LeakyReLU(s),
        nn.Dropout(DCGAN_DROPOUT),
        nn.Flatten(),
        nn.Linear(128 * 7 * 7, 1),
    )


def _multipliers(size: int) -> list[int]:
    if size == 64:
        return [8, 4, 2, 1]
    if size == 32:
        return [4, 2, 1]
    raise ValueError(f"the standard DCGAN stack is built for 32 or 64 pixels, got {size}")


def dcgan_init(module: nn.Module) -> nn.Module:
    """N(0, 0.02) for Conv, ConvTranspose and Linear weights; N(1, 0.02) and 0 for BatchNorm (nn.init.dcganInit)."""
    def init(m: nn.Module) -> None:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module.apply(init)


def standard_dcgan_generator(size: int, channels: int, input_dim: int, features: int = STANDARD_DCGAN_FEATURES) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Unflatten(1, (input_dim, 1, 1))]
    in_c = input_dim
    for i, m in enumerate(_multipliers(size)):
        stride, padding = (1, 0) if i == 0 else (2, 1)
        layers += [nn.ConvTranspose2d(in_c, features * m, 4, stride, padding, bias=False), nn.BatchNorm2d(features * m), nn.ReLU()]
        in_c = features * m
    layers += [nn.ConvTranspose2d(in_c, channels, 4, 2, 1, bias=False), nn.Tanh()]
    return dcgan_init(nn.Sequential(*layers))


def standard_dcgan_discriminator(size: int, channels: int, features: int = STANDARD_DCGAN_FEATURES) -> nn.Sequential:
    s = STANDARD_DCGAN_LEAKY_SLOPE
    mults = list(reversed(_multipliers(size)))
    layers: list[nn.Module] = [nn.Conv2d(channels, features, 4, 2, 1, bias=False), nn.LeakyReLU(s)]
    in_c = features
    for m in mults[1:]:
        layers += [nn.Conv2d(in_c, features * m, 4, 2, 1, bias=False), nn.BatchNorm2d(features * m), nn.LeakyReLU(s)]
        in_c = features * m
    layers += [nn.Conv2d(in_c, 1, 4, 1, 0, bias=False), nn.Flatten()]
    return dcgan_init(nn.Sequential(*layers))


# Conditional networks ---------------------------------------------------------------------------

class ConditionalGenerator(nn.Module):
    """net(cat(noise, encoder(cond)))."""

    def __init__(self, encoder: ConditionEncoder, net: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.net = net

    def forward(self, noise: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.net(torch.cat([noise, self.encoder(cond)], 1))


class ConditionalDiscriminator(nn.Module):
    """net(cat(images, plane(encoder(cond)) as one extra size x size channel))."""

    def __init__(self, encoder: ConditionEncoder, size: int, net: nn.Module):
        super().__init__()
        self.size = size
        self.encoder = encoder
        self.plane = nn.Linear(encoder.out_dim, size * size)
        self.net = net

    def forward(self, images: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        plane = self.plane(self.encoder(cond)).reshape(images.shape[0], 1, self.size, self.size)
        return self.net(torch.cat([images, plane], 1))


# Architectures ----------------------------------------------------------------------------------

def _architecture(arch: Mapping[str, Any] | str) -> dict[str, Any]:
    a = dict(json.loads(arch) if isinstance(arch, str) else arch)
    a.setdefault("noiseDim", DCGAN_NOISE_DIM)
    a.setdefault("conditions", [])
    if a["model"] not in ("dcgan", "cdcgan"):
        raise ValueError(f"model must be 'dcgan' or 'cdcgan', got {a['model']!r}")
    if a["size"] not in (28, 32, 64):
        raise ValueError(f"size must be 28, 32 or 64, got {a['size']!r}")
    if (a["model"] == "cdcgan") != (len(a["conditions"]) > 0):
        raise ValueError("'cdcgan' needs at least one condition and 'dcgan' takes none")
    return a


def make_generator(arch: Mapping[str, Any] | str) -> nn.Module:
    """The generator of an architecture (a dict or dsi's architecture JSON), in training mode."""
    a = _architecture(arch)
    size, channels, noise_dim = a["size"], a["channels"], a["noiseDim"]
    if a["model"] == "dcgan":
        return dcgan_generator(noise_dim, channels) if size == 28 else standard_dcgan_generator(size, channels, noise_dim)
    encoder = ConditionEncoder(a["conditions"])
    input_dim = noise_dim + encoder.out_dim
    net = dcgan_generator(input_dim, channels) if size == 28 else standard_dcgan_generator(size, channels, input_dim)
    return ConditionalGenerator(encoder, net)


def make_discriminator(arch: Mapping[str, Any] | str) -> nn.Module:
    """The discriminator of an architecture, in training mode."""
    a = _architecture(arch)
    size, channels = a["size"], a["channels"]
    if a["model"] == "dcgan":
        return dcgan_discriminator(channels) if size == 28 else standard_dcgan_discriminator(size, channels)
    encoder = ConditionEncoder(a["conditions"])
    net = dcgan_discriminator(channels + 1) if size == 28 else standard_dcgan_discriminator(size, channels + 1)
    return ConditionalDiscriminator(encoder, size, net)


def load_state_file(path: str) -> dict[str, torch.Tensor]:
    """A safetensors file as a state dict: with the safetensors package if it is there, by hand otherwise."""
    try:
        from safetensors.torch import load_file
    except ImportError:
        load_file = None
    if load_file is not None:
        return load_file(path)
    dtypes = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
              "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8, "BOOL": torch.bool}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[start:end])
        t = torch.frombuffer(raw, dtype=dtypes[info["dtype"]]) if len(raw) > 0 else torch.empty(0, dtype=dtypes[info["dtype"]])
        out[key] = t.reshape(info["shape"]).clone()
    return out


def load_generator(path: str, arch: Mapping[str, Any] | str) -> nn.Module:
    """A generator checkpoint written by dsi, loaded strictly, in eval mode."""
    gen = make_generator(arch)
    gen.load_state_dict(load_state_file(path))
    return gen.eval()


def load_discriminator(path: str, arch: Mapping[str, Any] | str) -> nn.Module:
    """A discriminator checkpoint written by dsi, loaded strictly, in eval mode."""
    disc = make_discriminator(arch)
    disc.load_state_dict(load_state_file(path))
    return disc.eval()


def generate(gen: nn.Module, noise: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
    """Images N x C x S x S in (-1, 1), without gradients; cond only for a conditional generator."""
    with torch.no_grad():
        return gen(noise) if cond is None else gen(noise, cond)


if __name__ == "__main__":
    # python scripts/python/dsi_gan.py '<architecture JSON>': parameter counts and state-dict keys.
    if len(sys.argv) != 2:
        sys.exit("usage: dsi_gan.py '<architecture JSON>'")
    for label, m in (("generator", make_generator(sys.argv[1])), ("discriminator", make_discriminator(sys.argv[1]))):
        print(f"{label}: {sum(p.numel() for p in m.parameters()):,} parameters")
        for k, v in m.state_dict().items():
            print(f"  {k} {list(v.shape)}")
