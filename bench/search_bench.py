#!/usr/bin/env python3
"""Search quality on real Fashion-MNIST (issue: search that learns), measured in one run:

1. ASHA (eta 3, rungs at 1, 3 and 9 epochs) against no early stopping (every trial 9 epochs),
   the same trials (same random sampler and seed): the test accuracy of each search's best
   trial (chosen by validation accuracy) and the epochs each trained, counted from the trials'
   run folders.
2. TPE against random at the same budget (ASHA, the same number of trials) over several seeds:
   the mean test accuracy of each search's best trial.

The space (--space): wide, six hyperparameters of the mlp and its optimizer (optimizer, lr,
momentum, weight_decay, n_hidden, batch_size) over ranges a user who does not know the answer
writes; or narrow, four (lr, n_hidden, weight_decay, batch_size) over ranges known to train well.

  python3 bench/search_bench.py [--trials 27] [--seeds 3] [--train_limit 12000] [--jobs 2] [--space wide]
                                [--out bench/search_results.json] [--quick]

--train_limit trains on the first N of the 60000 training images (validation: 10% of those;
test: all 10000). --quick: a few trials on a small slice, to check that it runs. Standard
library only.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORGE = os.environ.get("FORGE", os.path.join(ROOT, "build", "forge"))  # FORGE=build-pypi/forge: the other build
SPACES = {
    # Four flags over ranges known to train well: nearly every point is good, and the best of a
    # search is decided by noise more than by the sampler.
    "narrow": ["--lr", "loguniform:1e-4:3e-2", "--n_hidden", "logint:32:512", "--weight_decay",
               "loguniform:1e-7:1e-3", "--batch_size", "logint:32:256"],
    # Six, over the ranges a user who does not know the answer writes: the optimizer too, rates from
    # 1e-5 to 1 (much of it diverges or barely moves), momentum, heavy weight decay.
    "wide": ["--optimizer", "choice:sgd,adam,rmsprop", "--lr", "loguniform:1e-5:1", "--momentum", "uniform:0:0.99",
             "--weight_decay", "loguniform:1e-7:1e-1", "--n_hidden", "logint:16:1024", "--batch_size",
             "logint:32:512"],
}


def final_metric(run_dir, name):
    value = None
    with open(os.path.join(run_dir, "metrics.csv")) as f:
        next(f)
        for line in f:
            step, epoch, split, metric, v, wall = line.strip().split(",")
            if split + "/" + metric == name:
                value = float(v)
    return value


def search(a, work, sampler, scheduler, seed):
    folder = os.path.join(work, "%s-%s-%d" % (sampler, scheduler, seed))
    os.makedirs(folder)
    cmd = [FORGE, "search", "--data", "mnist", "--model", "mlp", "--train_limit", str(a.train_limit),
           "--valid_fraction", "0.1", "--threads", "1", "--no_progress", "--log_every", "1000000"] + SPACES[a.space] + [
           "--trials", str(a.trials), "--sampler", sampler, "--scheduler", scheduler, "--min_budget", "1",
           "--max_budget", str(a.max_budget), "--eta", "3", "--metric", "valid/accuracy:max", "--search_seed",
           str(seed), "-j", str(a.jobs)]
    started = time.time()
    result = subprocess.run(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.time() - started
    if result.returncode != 0:
        sys.exit("search_bench: %s failed (exit %d):\n%s" % (" ".join(cmd), result.returncode, result.stdout[-3000:]))
    searches = os.path.join(folder, "checkpoints", "mnist_mlp", "searches")
    study_dir = os.path.join(searches, os.listdir(searches)[0])
    with open(os.path.join(study_dir, "search.json")) as f:
        study = json.load(f)
    epochs = 0
    for t in study["trials"]:
        with open(os.path.join(study_dir, "trials", str(t["index"]), "manifest.json")) as f:
            epochs += json.load(f)["progress"]["epochs_done"]
    reached = max(len(t["results"]) for t in study["trials"])
    finalists = [t for t in study["trials"] if len(t["results"]) == reached]
    best = min(finalists, key=lambda t: t["results"][-1])  # lower is better (accuracy negated)
    best_dir = os.path.join(study_dir, "trials", str(best["index"]))
    completed_tests = [final_metric(os.path.join(study_dir, "trials", str(t["index"])), "test/accuracy")
                       for t in study["trials"] if len(t["results"]) == reached]
    return {"sampler": sampler, "scheduler": scheduler, "seed": seed, "seconds": round(seconds, 1),
            "trials": len(study["trials"]), "epochs": epochs, "best_trial": best["index"],
            "best_valid_accuracy": -best["results"][-1],
            "best_test_accuracy": final_metric(best_dir, "test/accuracy"),
            "max_test_accuracy_of_completed": max(v for v in completed_tests if v is not None),
            "best_values": dict(zip([d["flag"] for d in study["settings"]["space"]], best["values"]))}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=27)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--train_limit", type=int, default=12000)
    p.add_argument("--max_budget", type=int, default=9)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "search_results.json"))
    p.add_argument("--part", choices=["all", "asha", "samplers"], default="all",
                   help="asha: ASHA against no stopping; samplers: TPE against random; all: both")
    p.add_argument("--space", choices=sorted(SPACES), default="wide",
                   help="wide: six flags over ranges a user who does not know the answer writes; narrow: four "
                        "flags over ranges known to train well")
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    if a.quick:
        a.trials, a.seeds, a.train_limit, a.max_budget = 4, 1, 1000, 3
    work = tempfile.mkdtemp(prefix="forge-search-bench-")
    try:
        results = {"settings": vars(a), "space": SPACES[a.space], "runs": []}
        summary = {}
        if a.part in ("all", "asha"):
            asha = search(a, work, "random", "asha", 0)
            full = search(a, work, "random", "none", 0)
            results["runs"] += [asha, full]
            summary.update({
                "asha_best_test_accuracy": asha["best_test_accuracy"],
                "full_best_test_accuracy": full["best_test_accuracy"],
                "accuracy_points_behind": round(100 * (full["best_test_accuracy"] - asha["best_test_accuracy"]), 2),
                "asha_epochs": asha["epochs"], "full_epochs": full["epochs"],
                "epochs_ratio": round(asha["epochs"] / full["epochs"], 3)})
        if a.part in ("all", "samplers"):
            by_sampler = {"random": [], "tpe": []}
            for seed in range(a.seeds):
                for sampler in ("random", "tpe"):
                    same = a.part == "all" and sampler == "random" and seed == 0  # the ASHA search above
                    by_sampler[sampler].append(asha if same else search(a, work, sampler, "asha", seed))
            results["runs"] += [r for r in by_sampler["random"] + by_sampler["tpe"] if r not in results["runs"]]
            for sampler, runs in by_sampler.items():
                summary[sampler + "_mean_best_test_accuracy"] = round(
                    statistics.mean(r["best_test_accuracy"] for r in runs), 4)
                summary[sampler + "_mean_best_valid_accuracy"] = round(
                    statistics.mean(r["best_valid_accuracy"] for r in runs), 4)
        results["summary"] = summary
        print("| search | best trial's test accuracy | epochs trained | seconds |")
        print("|---|---|---|---|")
        for r in results["runs"]:
            print("| %s, %s, seed %d | %.4f | %d | %.0f |" % (r["sampler"], r["scheduler"], r["seed"],
                                                             r["best_test_accuracy"], r["epochs"], r["seconds"]))
        print(json.dumps(summary, indent=2))
        with open(a.out, "w") as f:
            json.dump(results, f, indent=2)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
