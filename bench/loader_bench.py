#!/usr/bin/env python3
"""forge's loader against Python's, on the same real image folders, in one run (issue: real data).

  python3 bench/loader_bench.py [--train 20000] [--workers 1,2] [--reps 2] [--out bench/loader_results.json] [--quick]

Writes Debian's Fashion-MNIST as PNG and JPEG class folders (scripts/image_folders.py), then
measures, alternating forge and Python in each repetition:
  - images per second of forge's loader (build/forge_bench loader: decode + augment + collate,
    no training) and of torchvision's ImageFolder + DataLoader(num_workers=W) with the same
    transforms (../shared/bench/peer_loader.py), for each worker count and format;
  - the peak RSS of `forge train --data images` on a folder of N and of 4N images: the loader
    holds a bounded number of batches, so it must not grow with the folder;
  - a whole run start to end — `forge train --data images --model mlp`, 1 epoch, 2 workers —
    against the same job written the Python way (bench/peer_images_train.py).
Needs a built tree and Debian's python3-torchvision. Prints a Markdown table of medians and ratios.
"""
import argparse, json, os, re, resource, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
FORGE = os.path.join(BUILD, "forge")
BENCH = os.path.join(BUILD, "forge_bench")
PEER_LOADER = os.path.join(os.path.dirname(ROOT), "shared", "bench", "peer_loader.py")
PEER_TRAIN = os.path.join(ROOT, "bench", "peer_images_train.py")
SYSTEM_PYTHON = "/usr/bin/python3"
PROGRAM = os.path.splitext(os.path.basename(sys.argv[0]))[0]  # this script, or one that imports run from it


def run(cmd, cwd=None):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    if result.returncode != 0:
        sys.exit("%s: %s failed (exit %d):\n%s" % (PROGRAM, " ".join(cmd), result.returncode, result.stdout[-3000:]))
    return result.stdout


def timed_with_peak_rss(cmd, cwd=None):
    """Wall seconds and peak RSS (MiB) of cmd, measured in a fresh child so the peak is its own."""
    probe = ("import resource, subprocess, sys, time; s = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT); "
             "print(r.returncode, time.perf_counter() - s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    code, seconds, kib = run([sys.executable, "-c", probe] + cmd, cwd=cwd).split()
    if code != "0":
        sys.exit("%s: %s failed (exit %s)" % (PROGRAM, " ".join(cmd), code))
    return float(seconds), int(kib) / 1024


def folder_mib(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files) / 2**20


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=int, default=20000, help="training images per folder (of 60000)")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "loader_results.json"))
    ap.add_argument("--quick", action="store_true", help="a small folder, one repetition: checks that it runs")
    args = ap.parse_args()
    if args.quick:
        args.train, args.reps = 1000, 1
    workers = [int(w) for w in args.workers.split(",")]
    peer = os.path.exists(PEER_LOADER) and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import torchvision"], capture_output=True).returncode == 0
    if not peer:
        print("loader_bench: no Python peer (../shared/bench/peer_loader.py and python3-torchvision): forge rows only",
              file=sys.stderr)
    results = {"train_images": args.train, "rows": []}
    with tempfile.TemporaryDirectory() as tmp:
        small, large = os.path.join(tmp, "small"), os.path.join(tmp, "large")
        run([SYSTEM_PYTHON, os.path.join(ROOT, "scripts", "image_folders.py"), large, "--train", str(args.train),
             "--test", "2000"])
        run([SYSTEM_PYTHON, os.path.join(ROOT, "scripts", "image_folders.py"), small, "--train",
             str(args.train // 4), "--test", "2000", "--formats", "png"])

        table = []
        for fmt in ("png", "jpeg"):
            folder = os.path.join(large, fmt)
            for w in workers:
                forge_rate, peer_rate = [], []
                for _ in range(args.reps):  # alternating: both see the same state of the machine
                    out = run([BENCH, "loader", "--data_dir", folder, "--workers", str(w)])
                    forge_rate.append(json.loads(out.strip().splitlines()[-1])["images_per_second"])
                    if peer:
                        out = run([SYSTEM_PYTHON, PEER_LOADER, os.path.join(folder, "train"), "--workers", str(w)])
                        peer_rate.append(float(re.search(r"= (\d+) images/s", out).group(1)))
                row = {"what": "loader images/s", "format": fmt, "workers": w, "forge": statistics.median(forge_rate),
                       "python": statistics.median(peer_rate) if peer else None}
                results["rows"].append(row)
                ratio = "%.1fx" % (row["forge"] / row["python"]) if peer else "-"
                table.append("| loader, %s, %d worker%s | %.0f images/s | %s | %s |" % (
                    fmt, w, "" if w == 1 else "s", row["forge"], "%.0f images/s" % row["python"] if peer else "-", ratio))

        train = [FORGE, "train", "--data", "images", "--model", "mlp", "--random_crop", "--hflip", "--normalize",
                 "0.286,0.353", "--epochs", "1", "--batch_size", "64", "--workers", "2", "--no_progress",
                 "--checkpoint_dir", os.path.join(tmp, "runs")]
        rss = {}
        for name, folder in (("small", small), ("large", large)):
            _, rss[name] = timed_with_peak_rss(train + ["--data_dir", os.path.join(folder, "png")])
            results["rows"].append({"what": "peak RSS MiB", "folder_mib": folder_mib(os.path.join(folder, "png")),
                                    "images": args.train // 4 if name == "small" else args.train, "rss_mib": rss[name]})
        table.append("| peak RSS of a training run, %d vs %d images (%.0f vs %.0f MiB of files) | %.0f vs %.0f MiB | - | "
                     "%.2fx |" % (args.train // 4, args.train, folder_mib(os.path.join(small, "png")),
                                  folder_mib(os.path.join(large, "png")), rss["small"], rss["large"],
                                  rss["large"] / rss["small"]))

        forge_run, peer_run = [], []
        for _ in range(args.reps):
            forge_run.append(timed_with_peak_rss(train + ["--data_dir", os.path.join(large, "png")])[0])
            if peer:
                peer_run.append(timed_with_peak_rss([SYSTEM_PYTHON, PEER_TRAIN, os.path.join(large, "png"),
                                                     "--workers", "2"])[0])
        row = {"what": "whole run seconds", "forge": statistics.median(forge_run),
               "python": statistics.median(peer_run) if peer else None}
        results["rows"].append(row)
        table.append("| whole run: mlp, 1 epoch, 2 workers, start to end | %.1f s | %s | %s |" % (
            row["forge"], "%.1f s" % row["python"] if peer else "-",
            "%.2fx the time" % (row["forge"] / row["python"]) if peer else "-"))

    print("| measurement (%d training images) | forge | Python | forge/Python |" % args.train)
    print("|---|---|---|---|")
    print("\n".join(table))
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
