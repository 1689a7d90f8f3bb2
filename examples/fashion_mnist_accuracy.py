#!/usr/bin/python3
"""Test accuracy of a forge Fashion-MNIST `mlp` run, in Python PyTorch.

    forge export RUN_DIR -o weights.pt
    /usr/bin/python3 examples/fashion_mnist_accuracy.py RUN_DIR weights.pt

Rebuilds the run's architecture from its flags.json, loads the exported state_dict into it with
torch.load + load_state_dict, prepares the test images as the run's mnist plugin does (pixels
/ 255, standardised with the training split's mean and standard deviation), and prints the
test accuracy: the same number `forge eval` gives for that checkpoint.

Needs a Python with torch: Debian's python3-torch (hence /usr/bin/python3), or the PyPI wheel's
(.venv-torch/bin/python after scripts/setup.sh --torch pypi). The file is loaded with
weights_only=True, as torch.load does by default since PyTorch 2.6: it holds tensors only.
"""
import gzip
import json
import os
import struct
import sys

import torch
from torch import nn


def read_idx(data_dir, stem):
    """An idx file of the Fashion-MNIST distribution (gzipped or not) as a uint8 tensor."""
    for name in (stem, stem + ".gz"):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            break
    else:
        sys.exit(f"fashion_mnist_accuracy.py: {data_dir} has no {stem}[.gz]")
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def images(data_dir, prefix, limit=0):
    pixels = read_idx(data_dir, prefix + "-images-idx3-ubyte")
    if limit > 0:
        pixels = pixels[:limit]
    return pixels.unsqueeze(1).float().div_(255.0)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: fashion_mnist_accuracy.py RUN_DIR WEIGHTS.pt")
    run_dir, weights = sys.argv[1], sys.argv[2]
    with open(os.path.join(run_dir, "manifest.json")) as f:
        plugins = json.load(f)["plugins"]
    if plugins["data"]["name"] != "mnist" or plugins["model"]["name"] != "mlp":
        sys.exit("fashion_mnist_accuracy.py: expected a run of the mnist data and mlp model plugins")
    with open(os.path.join(run_dir, "flags.json")) as f:
        flags = json.load(f)

    data_dir = flags.get("data_dir", "/usr/share/datasets/fashion-mnist")
    test_images = images(data_dir, "t10k")
    test_labels = read_idx(data_dir, "t10k-labels-idx1-ubyte").long()
    if flags.get("standardize", True):
        train = images(data_dir, "train", flags.get("train_limit", 0))
        mean, std = train.mean(), train.std()
        test_images.sub_(mean).div_(std)

    # plugins/mlp.cpp: Flatten, Linear(784, n_hidden), ReLU, Linear(n_hidden, 10); the state_dict's
    # keys ("1.weight", ..., "3.bias") are the Sequential's, as in libtorch.
    hidden = flags.get("n_hidden", 128)
    model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()

    correct = 0
    with torch.no_grad():
        for start in range(0, len(test_images), 256):
            logits = model(test_images[start:start + 256])
            correct += (logits.argmax(1) == test_labels[start:start + 256]).sum().item()
    print(f"test accuracy {correct / len(test_images):.6f} ({correct} of {len(test_images)})")


if __name__ == "__main__":
    main()
