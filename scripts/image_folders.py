#!/usr/bin/python3
"""Writes Debian's Fashion-MNIST (dataset-fashion-mnist) as image folders in ImageFolder layout,
the real data of forge's images plugin, its tests and its loader benchmark:

  OUT/png/train/<class>/<n>.png   OUT/png/test/<class>/<n>.png     (lossless)
  OUT/jpeg/train/<class>/<n>.jpg  OUT/jpeg/test/<class>/<n>.jpg    (quality 95)

Classes are named 0-tshirt ... 9-boot, so their sorted order is the dataset's label order.
Run with Debian's interpreter, which has PIL (python3-pil, which python3-torchvision pulls in):

  /usr/bin/python3 scripts/image_folders.py OUT [--train N] [--test N] [--formats png,jpeg]
"""
import argparse
import gzip
import os
import pathlib
import struct
import sys

from PIL import Image

CLASSES = ["0-tshirt", "1-trouser", "2-pullover", "3-dress", "4-coat",
           "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-boot"]


def read_idx(path):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def find(source, stem):
    for suffix in (".gz", ""):
        path = source / (stem + suffix)
        if path.exists():
            return path
    sys.exit(f"{source} has no {stem}[.gz]: install Debian's dataset-fashion-mnist or pass --source")


def write_split(source, prefix, split, limit, out, formats):
    (count, rows, cols), pixels = read_idx(find(source, f"{prefix}-images-idx3-ubyte"))
    _, labels = read_idx(find(source, f"{prefix}-labels-idx1-ubyte"))
    count = min(count, limit) if limit > 0 else count
    size = rows * cols
    for fmt in formats:
        for name in CLASSES:
            (out / fmt / split / name).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image = Image.frombytes("L", (cols, rows), pixels[i * size:(i + 1) * size])
        folder = CLASSES[labels[i]]
        if "png" in formats:
            image.save(out / "png" / split / folder / f"{i:05d}.png")
        if "jpeg" in formats:
            image.save(out / "jpeg" / split / folder / f"{i:05d}.jpg", quality=95)
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--source", type=pathlib.Path, default=pathlib.Path("/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--train", type=int, default=0, help="the first N training images (0: all 60000)")
    ap.add_argument("--test", type=int, default=0, help="the first N test images (0: all 10000)")
    ap.add_argument("--formats", default="png,jpeg")
    args = ap.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if not formats or any(f not in ("png", "jpeg") for f in formats):
        sys.exit("--formats: png, jpeg or png,jpeg")
    train = write_split(args.source, "train", "train", args.train, args.out, formats)
    test = write_split(args.source, "t10k", "test", args.test, args.out, formats)
    print(f"wrote {train} training and {test} test images as {' and '.join(formats)} under {args.out}")


if __name__ == "__main__":
    main()
