"""Writes weights files for forge's tests into OUT_DIR, with the torch this Python has (Debian's
python3-torch, or the wheel's): real state_dicts as PyTorch saves them, and hostile files made
by editing one's pickle or records, each as small as the fault it carries.

  make_weights.py OUT_DIR [--real-only]
"""
import collections
import io
import pickle
import sys
import zipfile

import torch

out = sys.argv[1]
torch.manual_seed(0)
# The cnn plugin's layout with --channels 4 (tests/e2e/optimization_test.cpp's cnn_run): an
# OrderedDict with _metadata, as every Module.state_dict() is.
cnn = torch.nn.Sequential(
    torch.nn.Conv2d(1, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Conv2d(4, 8, 3, padding=1, bias=False), torch.nn.BatchNorm2d(8), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
    torch.nn.Flatten(), torch.nn.Dropout(0.25), torch.nn.Linear(8 * 7 * 7, 128), torch.nn.ReLU(),
    torch.nn.Dropout(0.5), torch.nn.Linear(128, 10))
state = cnn.state_dict()
assert isinstance(state, collections.OrderedDict)
torch.save(state, f"{out}/ordered.pt")
torch.save(state, f"{out}/legacy.pt", _use_new_zipfile_serialization=False)
torch.save({"state_dict": state, "note": "epoch 3"}, f"{out}/not_only_tensors.pt")
with open(f"{out}/numel.txt", "w") as f:
    f.write(str(sum(t.numel() for t in state.values())))

if "--real-only" in sys.argv:
    sys.exit(0)

# One tensor of one float: the base the hostile files edit.
torch.save({"w": torch.ones(1)}, f"{out}/one.pt")


def rewrite(name, edit_pickle=None, edit_record=None):
    """one.pt with its data.pkl (and its storage's record) replaced."""
    with zipfile.ZipFile(f"{out}/one.pt") as source, zipfile.ZipFile(f"{out}/{name}", "w", zipfile.ZIP_STORED) as into:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("/data.pkl") and edit_pickle:
                data = edit_pickle(data)
            elif "/data/" in info.filename and edit_record:
                data = edit_record(data)
            into.writestr(info.filename, data)


def size_tuple(data, old, new):
    assert old in data, data
    return data.replace(old, new, 1)


# The tensor claims 8192 floats (32 KiB) and its storage as many, over a record of 4 bytes.
rewrite("oversized.pt", lambda d: size_tuple(size_tuple(d, b"K\x01\x85", b"M\x00\x20\x85"), b"K\x01t", b"M\x00\x20t"))
# A storage offset of 2**40.
rewrite("far_offset.pt", lambda d: size_tuple(d, b"K\x00K\x01\x85", b"\x8a\x06\x00\x00\x00\x00\x00\x01K\x01\x85"))
# REDUCE with nothing on the stack.
rewrite("empty_reduce.pt", lambda d: b"\x80\x02R.")
# The pickle cut in the middle.
rewrite("cut_short.pt", lambda d: d[: len(d) // 2])
# A tuple nested a million deep.
rewrite("deep.pt", lambda d: b"\x80\x02" + b")" + b"\x85" * 1_000_000 + b".")
# The classic: a pickle that runs a shell command.
rewrite("shell.pt", lambda d: pickle.dumps(_Shell := type("Shell", (), {"__reduce__": lambda self: (
    __import__("os").system, ("touch pwned",))})(), protocol=2))
# A storage record shorter than its storage.
rewrite("short_record.pt", edit_record=lambda r: r[:2])
