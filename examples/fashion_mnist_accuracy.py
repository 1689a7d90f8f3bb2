#!/usr/bin/python3
"""Test accuracy (and macro F1, confusion matrix) of a forge Fashion-MNIST `mlp` or `cnn` run, in Python PyTorch.

    forge export RUN_DIR -o weights.pt
    /usr/bin/python3 examples/fashion_mnist_accuracy.py RUN_DIR weights.pt

Rebuilds the run's architecture from its flags.json, loads the exported state_dict into it with
torch.load + load_state_dict, prepares the test images as the run's mnist plugin does (pixels
/ 255, standardised with the training split's mean and standard deviation), and prints the
test accuracy: the same number `forge eval` gives for that checkpoint. Where sklearn is there
(Debian's python3-sklearn), it also prints sklearn's macro F1 and confusion matrix of the same
predictions, as forge's tables/test/confusion_matrix-step-N.csv writes it.

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
    if plugins["data"]["name"] != "mnist" or plugins["model"]["name"] not in ("mlp", "cnn"):
        sys.exit("fashion_mnist_accuracy.py: expected a run of the mnist data and mlp or cnn model plugins")
    with open(os.path.join(run_dir, "flags.json")) as f:
        flags = json.load(f)

    data_dir = flags.get("data_dir", "/usr/share/datasets/fashion-mnist")
    test_images = images(data_dir, "t10k")
    test_labels = read_idx(data_dir, "t10k-labels-idx1-ubyte").long()
    if flags.get("standardize", True):
        train = images(data_dir, "train", flags.get("train_limit", 0))
        mean, std = train.mean(), train.std()
        test_images.sub_(mean).div_(std)

    model = architecture(plugins["model"]["name"], flags)
    model.load_state_dict(torch.load(weights, weights_only=True))
    model.eval()

    with torch.no_grad():
        predicted = torch.cat([model(test_images[start:start + 256]).argmax(1)
                               for start in range(0, len(test_images), 256)])
    correct = (predicted == test_labels).sum().item()
    print(f"test accuracy {correct / len(test_images):.6f} ({correct} of {len(test_images)})")
    try:
        from sklearn.metrics import confusion_matrix, f1_score
    except ImportError:
        return
    print(f"macro F1 {f1_score(test_labels, predicted, average='macro'):.6f}")
    print("confusion matrix:")
    print("true\\predicted," + ",".join(str(c) for c in range(10)))
    for c, row in enumerate(confusion_matrix(test_labels, predicted, labels=range(10))):
        print(f"{c}," + ",".join(str(n) for n in row))


def architecture(name, flags):
    """The run's model: the state_dict's keys ("1.weight", ...) are the Sequential's, as in libtorch."""
    if name == "mlp":
        # plugins/mlp.cpp: Flatten, Linear(784, n_hidden), ReLU, Linear(n_hidden, 10).
        hidden = flags.get("n_hidden", 128)
        return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    # plugins/cnn.cpp: two blocks of conv (no bias), batch norm, ReLU, 2x2 max-pool; then
    # dropout, Linear(2c * 7 * 7, 128), ReLU, dropout, Linear(128, 10).
    c = flags.get("channels", 32)

    def block(inputs, outputs):
        return [nn.Conv2d(inputs, outputs, 3, padding=1, bias=False), nn.BatchNorm2d(outputs), nn.ReLU(),
                nn.MaxPool2d(2)]

    return nn.Sequential(*block(1, c), *block(c, 2 * c), nn.Flatten(), nn.Dropout(), nn.Linear(2 * c * 7 * 7, 128),
                         nn.ReLU(), nn.Dropout(), nn.Linear(128, 10))


if __name__ == "__main__":
    main()
