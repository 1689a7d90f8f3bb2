"""The Python way to feed photographs to PyTorch, for forge's photo loader benchmark
(bench/photo_bench.py): torchvision's ImageFolder + DataLoader with worker processes and
ImageNet's training transforms — RandomResizedCrop(224), RandomHorizontalFlip, ToTensor,
Normalize(ImageNet's mean and std). Also Pillow's plain decode of the same files in one thread.
Run with Debian's interpreter (/usr/bin/python3) and python3-torchvision installed.

  /usr/bin/python3 bench/peer_photo_loader.py FOLDER --workers 1 [--batch_size 256]
  /usr/bin/python3 bench/peer_photo_loader.py FOLDER --pillow

Prints one JSON line: {"images": N, "seconds": S, "images_per_second": R}.
"""
import argparse
import json
import os
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", help="ImageFolder root: FOLDER/<class>/<image>")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--batch_size", type=int, default=256)
    ap.add_argument("--pillow", action="store_true", help="Pillow's decode of every file, one thread, no transform")
    args = ap.parse_args()
    torch.set_num_threads(1)
    start, n = time.perf_counter(), 0
    if args.pillow:
        for root, _, files in os.walk(args.folder):
            for name in sorted(files):
                with Image.open(os.path.join(root, name)) as image:
                    image.convert("RGB").load()
                n += 1
    else:
        tf = T.Compose([T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
                        T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
        ds = torchvision.datasets.ImageFolder(args.folder, transform=tf)
        start = time.perf_counter()
        loader = torch.utils.data.DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=args.workers)
        for images, _labels in loader:
            n += images.shape[0]
    seconds = time.perf_counter() - start
    print(json.dumps({"images": n, "seconds": seconds, "images_per_second": n / seconds}))


if __name__ == "__main__":
    main()
