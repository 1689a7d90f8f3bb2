"""The Python way to train on a folder of images, for bench/loader_bench.py's whole-run row.

The job `forge train --data images --model mlp --random_crop --hflip --workers W` runs:
torchvision's ImageFolder (grayscale, random crop with 4 pixels of padding, random horizontal
flip, to tensor, normalise) + DataLoader(num_workers=W, shuffle), an MLP 784-128-10, Adam
(lr 1e-3), cross-entropy, one epoch, then the test folder evaluated. Run with Debian's
interpreter (/usr/bin/python3): python3-torchvision.

  /usr/bin/python3 peer_images_train.py FOLDER [--workers 2] [--batch_size 64] [--epochs 1]
"""
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision import transforms as T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", help="FOLDER/train/<class>/<image>, FOLDER/test/<class>/<image>")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--batch_size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(0)
    normalize = T.Normalize((0.286,), (0.353,))
    train_tf = T.Compose([T.Grayscale(), T.RandomCrop(28, padding=4), T.RandomHorizontalFlip(), T.ToTensor(), normalize])
    test_tf = T.Compose([T.Grayscale(), T.ToTensor(), normalize])
    train = torchvision.datasets.ImageFolder(os.path.join(args.folder, "train"), transform=train_tf)
    test = torchvision.datasets.ImageFolder(os.path.join(args.folder, "test"), transform=test_tf)
    train_loader = torch.utils.data.DataLoader(train, batch_size=args.batch_size, shuffle=True,
                                               num_workers=args.workers)
    test_loader = torch.utils.data.DataLoader(test, batch_size=256, num_workers=args.workers)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, len(train.classes)))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(args.epochs):
        model.train()
        for images, labels in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in test_loader:
            correct += (model(images).argmax(1) == labels).sum().item()
            total += labels.numel()
    print(f"test accuracy {correct / total:.4f}")


if __name__ == "__main__":
    main()
