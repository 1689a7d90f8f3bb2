#!/usr/bin/python3
"""Writes a photo-sized image folder in ImageFolder layout from the photographs of Debian's
mate-backgrounds package, for the photo loader benchmark (bench/photo_bench.py) and its tests:

  OUT/train/<class>/<n>.jpg   OUT/test/<class>/<n>.jpg

Each class is one photograph (the twelve of nature/ and the elephants of abstract/); each image is
a distinct random window of it (5% to 100% of its area, landscape or portrait, aspect 1 to 1.5),
scaled so that its shorter side is 375 to 500 pixels and saved as a JPEG of quality 90 — sizes and
file sizes like ImageNet's (~110 KB, around 500 x 375). The task — which photograph is this
window from — is learnable but not trivial for a small network, so it also tells whether a change
to the decode changes what a model learns. Seeded: the same arguments write the same files.

Run with Debian's interpreter, which has PIL (python3-pil):

  /usr/bin/python3 scripts/photo_folders.py OUT [--train 10000] [--test 2000] [--seed 1]
"""
import argparse
import os
import pathlib
import random
import sys

from PIL import Image

SOURCE = pathlib.Path("/usr/share/backgrounds/mate")


def photographs(source):
    found = sorted((source / "nature").glob("*.jpg"))
    elephants = sorted((source / "abstract").glob("Elephants*.jpg"), key=lambda p: p.stat().st_size)
    if elephants:
        found.append(elephants[-1])  # the largest of its three sizes
    if len(found) < 10:
        sys.exit(f"{source} holds {len(found)} photographs, not the 13 of mate-backgrounds: "
                 "apt-get install mate-backgrounds (or pass --source)")
    return found


def window(photo, rng):
    """A random window of `photo` scaled so that its shorter side is 375 to 500 pixels."""
    width, height = photo.size
    for _ in range(100):
        area = width * height * rng.uniform(0.05, 1.0)
        aspect = rng.uniform(1.0, 1.5)
        w, h = (area * aspect) ** 0.5, (area / aspect) ** 0.5
        if rng.random() < 0.25:
            w, h = h, w  # portrait
        w, h = int(round(w)), int(round(h))
        if w <= width and h <= height and min(w, h) >= 375:
            break
    else:
        w, h = width, height
    left, top = rng.randint(0, width - w), rng.randint(0, height - h)
    shorter = rng.randint(375, 500)
    scale = shorter / min(w, h)
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    return photo.crop((left, top, left + w, top + h)).resize(size, Image.LANCZOS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=10000, help="training images in all")
    ap.add_argument("--test", type=int, default=2000, help="test images in all")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", type=pathlib.Path, default=SOURCE, help="mate-backgrounds' folder")
    args = ap.parse_args()
    sources = photographs(args.source)
    rng = random.Random(args.seed)
    out = pathlib.Path(args.out)
    for index, path in enumerate(sources):
        name = "%02d-%s" % (index, path.stem.split("_")[0].lower())
        with Image.open(path) as opened:
            photo = opened.convert("RGB")
            photo.load()
        for split, total in (("train", args.train), ("test", args.test)):
            # The images of a split spread over the classes as evenly as whole numbers allow.
            count = total // len(sources) + (1 if index < total % len(sources) else 0)
            folder = out / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(count):
                window(photo, rng).save(folder / ("%05d.jpg" % n), quality=90)
    print(f"wrote {args.train} training and {args.test} test photos of {len(sources)} classes to {out}")


if __name__ == "__main__":
    main()
