#!/usr/bin/env python3
"""forge's loader on photo-sized JPEGs (ImageNet-class input), against Python's and against the
decoder alone, in one run (issue: photo-sized input at the limit).

  python3 bench/photo_bench.py [--part loader|rss|accuracy|layout|all] [--train 10000] [--reps 3]
                               [--accuracy_size 64] [--layout_steps 40] [--out bench/photo_results.json]
                               [--quick]

Writes a photo set from Debian's mate-backgrounds (scripts/photo_folders.py: distinct random
windows of its photographs, shorter side 375-500 px, JPEG quality 90, 13 class folders), reads it
once into the page cache, then measures, alternating in each repetition:
  loader    images per second, from the page cache, RandomResizedCrop 224 + flip + ImageNet's
            normalisation, batch 256: forge's loader alone (build/forge_bench loader --transforms
            photo, no training) with 1 and 2 worker threads, and with --exact_decode (whole
            decodes) at 1; torchvision's ImageFolder + DataLoader with the same transforms at 1 and
            2 worker processes (bench/peer_photo_loader.py); Pillow's plain decode of every file
            in one thread; libjpeg-turbo's plain full-size decode of every file in one thread,
            from memory (forge_bench jpeg_decode): the naive limit; forge's windowed decode alone
            (no resample) and entropy decoding alone (--decode window|entropy): the decode's own
            limits. And, on a copy of the set with a restart marker after every MCU (jpegtran
            -restart 1B: lossless, the same pixels), forge's loader at 1 and 2 workers,
            libjpeg-turbo's full decode and forge's windowed decode alone.
  rss       the peak RSS of forge's loader (2 workers) over the folder and over 4 times as many
            files (the same photos under four names each): the listing grows, nothing else may.
  accuracy  a small residual network (bench/photo_net.cpp) trained 3 epochs on the set, seeds 1-3,
            at --accuracy_size, with the windowed decode and with --exact_decode: mean test accuracy
            of each.
  layout    photo_net at 224 x 224 trained --layout_steps steps of 64 (1 compute thread, 1 worker)
            and evaluated on the test photos, with and without --channels_last: the whole
            command's seconds.
Needs a built tree, mate-backgrounds and Debian's python3-torchvision. Prints Markdown tables.
"""
import argparse, json, os, shutil, statistics, tempfile, time

from loader_bench import run, timed_with_peak_rss  # the same way of running a step and of taking its peak RSS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
FORGE = os.path.join(BUILD, "forge")
BENCH = os.path.join(BUILD, "forge_bench")
PEER = os.path.join(ROOT, "bench", "peer_photo_loader.py")
MODEL = os.path.join(ROOT, "bench", "photo_net.cpp")
SYSTEM_PYTHON = "/usr/bin/python3"
IMAGENET = "0.485,0.456,0.406,0.229,0.224,0.225"


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def warm(folder):
    """Reads every file once, so every reader below starts from the page cache."""
    for root, _, files in os.walk(folder):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                f.read()


def with_restart_markers(photos, out):
    """A copy of the photo set with a restart marker after every MCU (jpegtran -restart 1B, lossless:
    the same pixels), which forge's windowed decode cuts down to the window's intervals; None
    without jpegtran (Debian's libjpeg-turbo-progs)."""
    if not shutil.which("jpegtran"):
        return None
    for root, _, files in os.walk(photos):
        target = os.path.join(out, os.path.relpath(root, photos))
        os.makedirs(target, exist_ok=True)
        for name in files:
            run(["jpegtran", "-restart", "1B", "-copy", "all", "-outfile", os.path.join(target, name),
                 os.path.join(root, name)])
    return out


def loader_part(photos, marked, reps, results, table):
    train = os.path.join(photos, "train")

    def forge(folder, workers, *more):  # forge's loader alone over an image folder
        return lambda: last_json(run([BENCH, "loader", "--data_dir", folder, "--transforms", "photo", "--batch_size",
                                      "256", "--workers", str(workers)] + list(more)))

    def decode(folder, how="full"):  # forge_bench jpeg_decode over a split's files
        return lambda: last_json(run([BENCH, "jpeg_decode", "--data_dir", folder, "--decode", how]))

    def peer(*more):
        return lambda: last_json(run([SYSTEM_PYTHON, PEER, train] + list(more)))

    measures = {
        "forge, 1 worker": forge(photos, 1),
        "forge, 2 workers": forge(photos, 2),
        "forge --exact_decode, 1 worker": forge(photos, 1, "--exact_decode", "true"),
        "torchvision, 1 worker": peer("--workers", "1"),
        "torchvision, 2 workers": peer("--workers", "2"),
        "Pillow decode, 1 thread": peer("--pillow"),
        "libjpeg-turbo full decode, 1 thread": decode(train),
        # The decode's own limits: forge's windowed decode with no resample, and entropy decoding alone.
        "forge's windowed decode alone, 1 thread": decode(train, "window"),
        "entropy decoding alone, 1 thread": decode(train, "entropy"),
    }
    if marked:
        measures.update({
            "forge, 1 worker, restart markers": forge(marked, 1),
            "forge, 2 workers, restart markers": forge(marked, 2),
            "libjpeg-turbo full decode, restart markers": decode(os.path.join(marked, "train")),
            "forge's windowed decode alone, restart markers": decode(os.path.join(marked, "train"), "window"),
        })
    rates = {name: [] for name in measures}
    for _ in range(reps):  # alternating: every reader sees the same states of the machine
        for name, measure in measures.items():
            rates[name].append(measure()["images_per_second"])
    median = {name: statistics.median(values) for name, values in rates.items()}
    results["loader"] = {"images_per_second": rates, "median": median}
    one = median["forge, 1 worker"]
    table.append("| reader (images/s, page cache, RandomResizedCrop 224 + flip + normalise, batch 256) | "
                 "median of %d | forge 1 worker / it |" % reps)
    table.append("|---|---|---|")
    for name, value in median.items():
        table.append("| %s | %.0f | %.2fx |" % (name, value, one / value))
    table.append("")
    table.append("forge, 2 workers / 1 worker: %.2fx; against torchvision at 2: %.2fx" % (
        median["forge, 2 workers"] / one, median["forge, 2 workers"] / median["torchvision, 2 workers"]))
    if marked:
        one_marked = median["forge, 1 worker, restart markers"]
        table.append("")
        table.append("with restart markers: forge 1 worker / torchvision 1 worker %.2fx, / libjpeg-turbo's full decode "
                     "of the original files %.2fx; 2 workers / 1 worker %.2fx, / torchvision at 2 %.2fx" % (
                         one_marked / median["torchvision, 1 worker"],
                         one_marked / median["libjpeg-turbo full decode, 1 thread"],
                         median["forge, 2 workers, restart markers"] / one_marked,
                         median["forge, 2 workers, restart markers"] / median["torchvision, 2 workers"]))
    table.append("")


def rss_part(photos, tmp, results, table):
    # Four names for each photo (hard links): the listing is four times as long, the bytes the same.
    many = os.path.join(tmp, "many")
    for root, _, files in os.walk(os.path.join(photos, "train")):
        for name in files:
            source = os.path.join(root, name)
            target_dir = os.path.join(many, "train", os.path.basename(root))
            os.makedirs(target_dir, exist_ok=True)
            for copy in range(4):
                os.link(source, os.path.join(target_dir, "%d-%s" % (copy, name)))
    cmd = [BENCH, "loader", "--transforms", "photo", "--batch_size", "256", "--workers", "2", "--data_dir"]
    small, large = timed_with_peak_rss(cmd + [photos])[1], timed_with_peak_rss(cmd + [many])[1]
    files = sum(len(f) for _, _, f in os.walk(os.path.join(photos, "train")))
    results["rss"] = {"files": [files, 4 * files], "peak_rss_mib": [small, large]}
    table.append("| peak RSS of forge's loader, 2 workers | %d files | %d files | ratio |" % (files, 4 * files))
    table.append("|---|---|---|---|")
    table.append("| MiB | %.0f | %.0f | %.2fx |" % (small, large, large / small))
    table.append("")


def accuracy_part(photos, tmp, seeds, epochs, size, results, table):
    accuracies = {"windowed": [], "exact": []}
    for seed in seeds:
        for mode in accuracies:
            runs = os.path.join(tmp, "runs-%s-%d" % (mode, seed))
            out = run([FORGE, "train", "--data", "images", "--data_dir", photos, "--image_size", str(size),
                       "--random_resized_crop", "0.08,1", "--hflip", "--normalize", IMAGENET, "--model", MODEL,
                       "--epochs", str(epochs), "--batch_size", "64", "--lr", "0.003", "--workers", "2",
                       "--seed", str(seed), "--exact_decode", "true" if mode == "exact" else "false",
                       "--no_progress", "--checkpoint_dir", runs])
            line = [l for l in out.splitlines() if " test accuracy " in l][-1]
            accuracies[mode].append(float(line.split(" test accuracy ")[1].split()[0]))
    means = {mode: statistics.mean(values) for mode, values in accuracies.items()}
    results["accuracy"] = {"seeds": seeds, "epochs": epochs, "image_size": size, "test_accuracy": accuracies,
                           "mean": means}
    table.append("| photo_net, %d x %d, %d epochs, seeds %s | mean test accuracy | each |" % (
        size, size, epochs, ",".join(map(str, seeds))))
    table.append("|---|---|---|")
    for mode, values in accuracies.items():
        table.append("| %s decode | %.4f | %s |" % (mode, means[mode], ", ".join("%.4f" % v for v in values)))
    table.append("")
    table.append("windowed - exact: %+.2f points" % (100 * (means["windowed"] - means["exact"])))


def layout_part(photos, tmp, reps, steps, results, table):
    seconds = {"contiguous": [], "channels_last": []}
    runs = os.path.join(tmp, "layout-runs")
    for _ in range(reps):  # alternating
        for layout in seconds:
            shutil.rmtree(runs, ignore_errors=True)
            start = time.monotonic()
            run([FORGE, "train", "--data", "images", "--data_dir", photos, "--image_size", "224",
                 "--random_resized_crop", "0.08,1", "--hflip", "--normalize", IMAGENET, "--model", MODEL,
                 "--max_steps", str(steps), "--batch_size", "64", "--lr", "0.003", "--workers", "1", "--threads", "1",
                 "--seed", "1", "--channels_last", "true" if layout == "channels_last" else "false", "--no_progress",
                 "--checkpoint_dir", runs])
            seconds[layout].append(time.monotonic() - start)
    median = {layout: statistics.median(values) for layout, values in seconds.items()}
    results["channels_last"] = {"steps": steps, "seconds": seconds, "median": median}
    table.append("| photo_net 224 x 224, %d steps of 64 + test evaluation (median of %d) | seconds | "
                 "contiguous / it |" % (steps, reps))
    table.append("|---|---|---|")
    for layout, value in median.items():
        table.append("| %s | %.1f | %.2fx |" % (layout, value, median["contiguous"] / value))
    table.append("")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", choices=["loader", "rss", "accuracy", "layout", "all"], default="all")
    ap.add_argument("--train", type=int, default=10000, help="training photos")
    ap.add_argument("--test", type=int, default=2000, help="test photos")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--accuracy_size", type=int, default=64,
                    help="--image_size of the accuracy runs (64: most boxes decode at 1/2 or 1/4; 224: as ImageNet)")
    ap.add_argument("--layout_steps", type=int, default=40, help="training steps of each layout run")
    ap.add_argument("--photos", help="an existing folder of scripts/photo_folders.py to use instead of writing one")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "photo_results.json"))
    ap.add_argument("--quick", action="store_true", help="a few photos, one repetition: checks that it runs")
    args = ap.parse_args()
    if args.quick:
        args.train, args.test, args.reps, args.epochs, args.seeds, args.layout_steps = 260, 52, 1, 1, "1", 2
    results = {"train_images": args.train}
    table = []
    with tempfile.TemporaryDirectory() as tmp:
        photos = args.photos
        if not photos:
            photos = os.path.join(tmp, "photos")
            run([SYSTEM_PYTHON, os.path.join(ROOT, "scripts", "photo_folders.py"), photos, "--train",
                 str(args.train), "--test", str(args.test)])
        warm(photos)
        if args.part in ("loader", "all"):
            marked = with_restart_markers(photos, os.path.join(tmp, "restart-marked"))
            if marked:
                warm(marked)
            else:
                table.append("(no jpegtran: apt-get install libjpeg-turbo-progs for the restart-marked rows)")
            loader_part(photos, marked, args.reps, results, table)
        if args.part in ("rss", "all"):
            rss_part(photos, tmp, results, table)
        if args.part in ("accuracy", "all"):
            accuracy_part(photos, tmp, [int(s) for s in args.seeds.split(",")], args.epochs, args.accuracy_size, results,
                          table)
        if args.part in ("layout", "all"):
            layout_part(photos, tmp, args.reps, args.layout_steps, results, table)
    print("\n".join(table))
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
