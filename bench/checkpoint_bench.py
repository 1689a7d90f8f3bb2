#!/usr/bin/env python3
"""forge's checkpoints against the disk itself, measured in one run (issue: checkpoints at disk speed).

  python3 bench/checkpoint_bench.py [--params 1e6,1e7,1e8,2.5e8] [--reps 3] [--dir /tmp] [--out FILE]

For each size, an MLP with about that many parameters and Adam's state (a checkpoint of three
times the parameters) is saved and loaded by forge, and the same number of bytes is written +
fsynced and read with plain file I/O in the same process, alternating. Prints a Markdown table
of medians and ratios against those baselines, and the asynchronous checkpoint's stall per GB
of state and its peak extra memory. Needs a built tree (bash scripts/build.sh). --dir: the
filesystem to measure on (default: the system's temporary folder).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "build", "forge_bench")


def measure(params, reps, folder):
    out = subprocess.run([BENCH, "checkpoint_io", "--params", str(int(params)), "--reps", str(reps),
                          "--dir", os.path.join(folder, "forge-bench-ckpt")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if out.returncode != 0:
        sys.exit("checkpoint_bench: forge_bench failed:\n" + out.stdout[-3000:])
    return json.loads([l for l in out.stdout.splitlines() if l.startswith("{")][-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default="1e6,1e7,1e8,2.5e8")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "checkpoint_results.json"))
    args = parser.parse_args()
    rows = [measure(float(p), args.reps, args.dir) for p in args.params.split(",")]
    med = statistics.median
    print("| parameters | checkpoint | save | write+fsync | save / plain | load | read | load / plain "
          "| async stall | stall per GB | async peak extra / state |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        mib = r["file_bytes"] / 2**20
        save, write = med(r["save_seconds"]), med(r["plain_write_fsync_seconds"])
        load, read = med(r["load_seconds"]), med(r["plain_read_seconds"])
        stall = med(r["async_stall_seconds"])
        print("| %.3gM | %.0f MiB | %.3f s (%.0f MB/s) | %.3f s | %.2f | %.3f s (%.0f MB/s) | %.3f s | %.2f "
              "| %.3f s | %.3f s | %.2f |" % (
                  r["params"] / 1e6, mib, save, r["file_bytes"] / save / 1e6, write, save / write,
                  load, r["file_bytes"] / load / 1e6, read, load / read,
                  stall, stall / (r["state_bytes"] / 1e9), r["async_peak_extra_bytes"] / r["state_bytes"]))
    with open(args.out, "w") as f:
        json.dump({"folder": args.dir, "rows": rows}, f, indent=1)
    print("\nwrote", args.out)


if __name__ == "__main__":
    main()
