#!/usr/bin/env python3
"""What a restart costs (--max_restarts), measured in one run: two data-parallel processes
(forge's launcher, c10d Gloo on loopback) train the Fashion-MNIST cnn, rank 1 is killed with
SIGKILL mid-way between two checkpoints, and the launcher starts the group again from the
newest checkpoint. From metrics.csv (--log_every 1: a row per step, with its wall time):

  - start again: from the kill to the first step trained by the new group, in seconds and in
    the time of the steps before the kill (their median);
  - caught up: from the kill to the step the group had reached when it was killed (the start
    again, plus the steps since the checkpoint, done again).

  python3 bench/restart_bench.py [--reps 3] [--out bench/restart_results.json] [--quick]

--quick: the mlp on synthetic data, one repetition, to check that it runs. Standard library only.
"""
import argparse, csv, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORGE = os.path.join(ROOT, "build", "forge")


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def train_rows(run_dir):
    """(step, wall time) of each train loss row of metrics.csv, in file order."""
    try:
        with open(os.path.join(run_dir, "metrics.csv")) as f:
            return [(int(r["step"]), float(r["wall_time"])) for r in csv.DictReader(f)
                    if r["split"] == "train" and r["name"] == "loss" and r["wall_time"]]
    except (OSError, ValueError, KeyError):
        return []


def checkpoint_steps(run_dir):
    folder = os.path.join(run_dir, "checkpoints")
    try:
        return sorted(int(n[5:13]) for n in os.listdir(folder) if n.startswith("step-") and n.endswith(".ckpt"))
    except OSError:
        return []


def one_restart(a, tmp, rep):
    every = 50 if a.quick else 200
    data = ["--data", "synthetic", "--model", "mlp", "--samples", "20000"] if a.quick else \
           ["--data", "mnist", "--model", "cnn"]
    name = "restart%d" % rep
    cmd = [FORGE, "train"] + data + ["--epochs", "1", "--batch_size", "32", "--nproc_per_node", "2", "--threads", "1",
                                     "--seed", "1", "--no_progress", "--log_every", "1", "--checkpoint_every",
                                     str(every), "--max_restarts", "1", "--run_name", name]
    log = open(os.path.join(tmp, name + ".log"), "w")
    launcher = subprocess.Popen(cmd, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    run_dir = os.path.join(tmp, "checkpoints", name, "1")
    # Killed half-way between the second checkpoint and the third.
    target = 2 * every + every // 2
    deadline = time.time() + 600
    while True:
        rows = train_rows(run_dir)
        if rows and rows[-1][0] >= target and len(children(launcher.pid)) == 2:
            break
        if launcher.poll() is not None or time.time() > deadline:
            sys.exit("restart_bench: the run ended before step %d (see %s.log)" % (target, name))
        time.sleep(0.01)
    killed_at = time.time()
    os.kill(children(launcher.pid)[-1], signal.SIGKILL)
    if launcher.wait() != 0:
        sys.exit("restart_bench: the restarted run failed (see %s)" % os.path.join(tmp, name + ".log"))
    # What the run had recorded when it was killed (the resume drops the rows past its checkpoint).
    before = rows
    after = [(s, t) for s, t in train_rows(run_dir) if t >= killed_at]
    reached = before[-1][0]
    window = before[-101:]  # the steps before the kill (wall times are to the millisecond)
    step_seconds = (window[-1][1] - window[0][1]) / max(1, window[-1][0] - window[0][0])
    first = after[0]
    caught_up = next(t for s, t in after if s >= reached)
    restart_seconds, catch_up_seconds = first[1] - killed_at, caught_up - killed_at
    print("  rep %d: killed after step %d, resumed from %d: first step %.2f s (%.0f steps' time), "
          "caught up %.2f s" % (rep, reached, first[0] - 1, restart_seconds, restart_seconds / step_seconds,
                                catch_up_seconds), file=sys.stderr)
    return dict(killed_after_step=reached, resumed_from_step=first[0] - 1, step_seconds=step_seconds,
                restart_seconds=restart_seconds, restart_in_steps=restart_seconds / step_seconds,
                caught_up_seconds=catch_up_seconds, caught_up_in_steps=catch_up_seconds / step_seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "restart_results.json"))
    parser.add_argument("--quick", action="store_true")
    a = parser.parse_args()
    if a.quick:
        a.reps = 1
    tmp = tempfile.mkdtemp(prefix="forge-restart-")
    try:
        reps = [one_restart(a, tmp, rep) for rep in range(a.reps)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    median = {key: statistics.median(r[key] for r in reps) for key in reps[0]}
    workload = "mlp, synthetic" if a.quick else "cnn, Fashion-MNIST"
    print("| %s, 2 processes of batch 32 | median of %d |" % (workload, a.reps))
    print("|---|---|")
    print("| one step | %.1f ms |" % (1000 * median["step_seconds"]))
    print("| kill to the first step trained again | %.2f s = %.0f steps' time |" %
          (median["restart_seconds"], median["restart_in_steps"]))
    print("| kill to the step it was killed at | %.2f s = %.0f steps' time |" %
          (median["caught_up_seconds"], median["caught_up_in_steps"]))
    with open(a.out, "w") as f:
        json.dump({"workload": workload, "reps": reps, "median": median}, f, indent=1)


if __name__ == "__main__":
    main()
