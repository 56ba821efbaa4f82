#!/usr/bin/env python3
"""Reference for bench/images.ts: the same work in plain Python with Pillow, numpy and sqlite3,
the way the Python GAN tool reads its images (PIL, grayscale), no DSI.

    python3 bench/images_reference.py IDX_DIR OUT_DIR

Ingest: reads MNIST's four IDX files from IDX_DIR (raw or .gz), writes each of the 70,000 images
as a PNG under OUT_DIR/png/{train,test}/ with Image.fromarray(...).save(), inserts one row per
image (id, split, index, label, width, height, FILE) into OUT_DIR/reference.db with executemany,
commits. Load: selects the 60,000 training rows ordered by id and stacks
np.asarray(Image.open(f).convert('L')) into one uint8 array of 60000 × 28 × 28.

Prints one JSON line: {"ingestSeconds": s, "loadSeconds": s, "images": 70000, "loaded": 60000,
"pillow": "x.y", "numpy": "x.y", "maxRssKiB": k}. Exit status 3 when Pillow or numpy is missing.
"""
import gzip
import json
import os
import resource
import sqlite3
import sys
import time

try:
    import numpy as np
    import PIL
    from PIL import Image
except ImportError as e:  # pragma: no cover - reported to the caller
    print(f"images_reference: {e}; install with: python3 -m pip install pillow numpy", file=sys.stderr)
    sys.exit(3)


def read_idx(folder: str, name: str) -> bytes:
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
    raise FileNotFoundError(os.path.join(folder, name))


def main() -> None:
    idx_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    db_path = os.path.join(out_dir, "reference.db")
    if os.path.exists(db_path):
        os.remove(db_path)

    start = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.execute('CREATE TABLE mnist (id INTEGER, split TEXT, "index" INTEGER, label INTEGER, width INTEGER, height INTEGER, FILE TEXT)')
    next_id = 1
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(idx_dir, f"{prefix}-images-idx3-ubyte")
        labels = read_idx(idx_dir, f"{prefix}-labels-idx1-ubyte")
        n, h, w = (int.from_bytes(images[4 + 4 * i: 8 + 4 * i], "big") for i in range(3))
        pixels = np.frombuffer(images, dtype=np.uint8, offset=16).reshape(n, h, w)
        folder = os.path.join(out_dir, "png", split)
        os.makedirs(folder, exist_ok=True)
        rows = []
        for i in range(n):
            rel = f"png/{split}/{next_id:06d}.png"
            Image.fromarray(pixels[i], mode="L").save(os.path.join(out_dir, rel))
            rows.append((next_id, split, i, labels[8 + i], w, h, rel))
            next_id += 1
        con.executemany("INSERT INTO mnist VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    ingest = time.perf_counter() - start

    start = time.perf_counter()
    files = [r[0] for r in con.execute("SELECT FILE FROM mnist WHERE split = 'train' ORDER BY id")]
    stack = np.stack([np.asarray(Image.open(os.path.join(out_dir, f)).convert("L")) for f in files])
    load = time.perf_counter() - start
    con.close()

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "ingestSeconds": ingest,
        "loadSeconds": load,
        "images": next_id - 1,
        "loaded": int(stack.shape[0]),
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "maxRssKiB": rss // 1024 if sys.platform == "darwin" else rss,
    }))


if __name__ == "__main__":
    main()
