"""Pillow's answers for test/images-load.test.ts: BILINEAR resizes (what torchvision's Resize runs
on PIL images) and RGB -> L conversion, on deterministic inputs. Writes
test/fixtures/images/pillow-reference.json; run with a Python that has Pillow:

    .venv/bin/python -m pip install pillow
    .venv/bin/python scripts/image-fixtures/pillow_reference.py
"""
import base64
import json
import os

import PIL
from PIL import Image


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def grey_input(w: int, h: int) -> bytes:
    # A blob with sharp edges and a gradient: exercises both upscaling and antialiased shrinking.
    out = bytearray(w * h)
    for y in range(h):
        for x in range(w):
            inside = (x - w / 2) ** 2 + (y - h / 2) ** 2 < (min(w, h) / 3) ** 2
            out[y * w + x] = 255 if inside else (x * 9 + y * 5) % 256
    return bytes(out)


def rgb_input(w: int, h: int) -> bytes:
    out = bytearray(w * h * 3)
    for i in range(w * h):
        out[3 * i] = (i * 37) % 256
        out[3 * i + 1] = (i * 91 + 17) % 256
        out[3 * i + 2] = (i * 13 + 200) % 256
    return bytes(out)


def main() -> None:
    cases = []
    grey = grey_input(28, 28)
    src = Image.frombytes("L", (28, 28), grey)
    for w, h in [(32, 32), (64, 64), (14, 14), (9, 9), (35, 20), (28, 28)]:
        cases.append({"width": 28, "height": 28, "input": b64(grey), "outWidth": w, "outHeight": h,
                      "output": b64(src.resize((w, h), Image.BILINEAR).tobytes())})
    odd = grey_input(13, 7)
    src = Image.frombytes("L", (13, 7), odd)
    for w, h in [(32, 17), (5, 3), (13, 32)]:
        cases.append({"width": 13, "height": 7, "input": b64(odd), "outWidth": w, "outHeight": h,
                      "output": b64(src.resize((w, h), Image.BILINEAR).tobytes())})
    rgb = rgb_input(7, 5)
    luma = Image.frombytes("RGB", (7, 5), rgb).convert("L").tobytes()
    reference = {
        "pillow": PIL.__version__,
        "resize": cases,
        "luma": {"width": 7, "height": 5, "rgb": b64(rgb), "grey": b64(luma)},
    }
    here = os.path.dirname(os.path.abspath(__file__))
    target = os.path.join(here, "..", "..", "test", "fixtures", "images", "pillow-reference.json")
    with open(target, "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(target)} (Pillow {PIL.__version__})")


if __name__ == "__main__":
    main()
