#!/usr/bin/env python3
"""Scaling out, measured in one run (issue: scale out): training samples/s of one process
against two data-parallel processes (c10d Gloo on loopback), and the wall time of a 4-point
sweep run one at a time (-j 1), two at a time (-j 2) and as a SLURM job array on a one-node
cluster started for the purpose (tests/slurm/cluster.sh; needs root, slurm-wlm and munge).

  python3 bench/scale_bench.py [--reps 3] [--out bench/scale_results.json] [--quick]

Real Fashion-MNIST, the mlp (batch 32 per process). Prints a Markdown table with ratios
against the baselines of the same run and writes every measurement as JSON. --quick: one
repetition on a slice of the data, to check that it runs. Standard library only.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORGE = os.path.join(ROOT, "build", "forge")
CLUSTER = os.path.join(ROOT, "tests", "slurm", "cluster.sh")


def run(cmd, cwd, env=None):
    result = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit("scale_bench: %s failed (exit %d):\n%s" % (" ".join(cmd), result.returncode, result.stdout[-3000:]))
    return result.stdout


def start_cluster(cluster, cwd):
    """Starts the one-node SLURM cluster in `cluster` as the C++ tests' fixture does
    (tests/e2e/slurm_cluster.hpp): a port below the kernel's ephemeral ones (32768 on), and
    another when cluster.sh says the one tried is in use (exit 3)."""
    for attempt in range(5):
        port = 20000 + 2 * ((os.getpid() + 997 * attempt) % 6000)
        result = subprocess.run(["bash", CLUSTER, "start", cluster, str(port)], cwd=cwd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        if result.returncode != 3:
            break
    if result.returncode != 0:
        sys.exit("scale_bench: %s start failed (exit %d):\n%s" % (CLUSTER, result.returncode, result.stdout[-3000:]))


def epoch_seconds(output):
    """The 'epoch N trained in X s' times rank 0 logs."""
    return [float(s) for s in re.findall(r"epoch \d+ trained in ([0-9.]+) s", output)]


class ScaleBench:
    def __init__(self, a):
        self.a = a
        self.tmp = tempfile.mkdtemp(prefix="forge-scale-")
        os.chmod(self.tmp, 0o755)  # the SLURM cluster's munged runs as the munge user and must reach its folder
        self.results = {"reps": a.reps, "measurements": {}}
        self.limit = 4000 if a.quick else 0
        self.samples = self.limit or 60000

    def record(self, key, values, unit):
        self.results["measurements"][key] = dict(values=values, median=statistics.median(values), unit=unit)
        print("  %-36s %10.2f %s" % (key, statistics.median(values), unit), file=sys.stderr)
        return statistics.median(values)

    def train(self, model, batch, limit, extra):
        """Samples per second of the last epoch (the first one pays for start-up and cold caches)."""
        epochs = "2" if model == "mlp" else "1"
        cmd = [FORGE, "train", "--data", "mnist", "--model", model, "--epochs", epochs, "--seed", "1", "--no_progress",
               "--batch_size", str(batch), "--train_limit", str(limit), "--run_name", "x"] + extra
        return (limit or 60000) / epoch_seconds(run(cmd, self.tmp))[-1]

    def data_parallel(self):
        """(label, 1 process 1 thread, 1 process 2 threads, 2 processes) samples/s per workload."""
        reps = range(self.a.reps)
        rows = []
        for model, batch, limit in (("mlp", 32, self.limit), ("mlp", 256, self.limit), ("cnn", 32, self.limit or 6000)):
            label = "%s b%d per process" % (model, batch)
            measure = lambda extra, key: self.record("%s, %s" % (label, key),
                                                     [self.train(model, batch, limit, extra) for _ in reps], "samples/s")
            rows.append((label, measure(["--threads", "1"], "1 process 1 thread"),
                         measure(["--threads", "2"], "1 process 2 threads"),
                         measure(["--threads", "1", "--nproc_per_node", "2"], "2 processes")))
        return rows

    def sweep(self, extra, env=None, wait_for=None):
        folder = tempfile.mkdtemp(dir=self.tmp)
        cmd = [FORGE, "sweep", "--data", "mnist", "--model", "mlp", "--epochs", "1", "--threads", "1", "--seed", "1",
               "--train_limit", str(self.limit or 10000), "--lr", "1e-3,3e-3", "--n_hidden", "64,128"] + extra
        start = time.perf_counter()
        run(cmd, folder, env)
        if wait_for:
            wait_for(folder)
        return time.perf_counter() - start

    def sweeps(self):
        reps = range(self.a.reps)
        j1 = self.record("4-point sweep, -j 1", [self.sweep(["-j", "1"]) for _ in reps], "s")
        j2 = self.record("4-point sweep, -j 2", [self.sweep(["-j", "2"]) for _ in reps], "s")
        slurm = None
        if os.geteuid() == 0 and shutil.which("slurmctld"):
            cluster = os.path.join(self.tmp, "cluster")
            start_cluster(cluster, self.tmp)
            env = dict(os.environ, SLURM_CONF=os.path.join(cluster, "slurm.conf"))
            try:
                slurm = self.record("4-point sweep, SLURM job array",
                                    [self.sweep(["--launcher", "slurm"], env, self.all_completed) for _ in reps], "s")
            finally:
                run(["bash", CLUSTER, "stop", cluster], self.tmp)
        else:
            print("scale_bench: SLURM part skipped (needs root and slurm-wlm)", file=sys.stderr)
        return j1, j2, slurm

    @staticmethod
    def all_completed(folder):
        runs = os.path.join(folder, "checkpoints", "mnist_mlp")
        deadline = time.time() + 600
        while time.time() < deadline:
            done = 0
            for n in ("1", "2", "3", "4"):
                try:
                    with open(os.path.join(runs, n, "manifest.json")) as f:
                        done += json.load(f).get("status") == "completed"
                except (OSError, ValueError):
                    pass
            if done == 4:
                return
            time.sleep(0.05)
        sys.exit("scale_bench: the SLURM sweep did not complete within 10 minutes")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "scale_results.json"))
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    if a.quick:
        a.reps = 1
    bench = ScaleBench(a)
    try:
        rows = bench.data_parallel()
        j1, j2, slurm = bench.sweeps()
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    with open(a.out, "w") as f:
        json.dump(bench.results, f, indent=1)
    print("| training samples/s, Fashion-MNIST | 1 process, 1 thread | 1 process, 2 threads | 2 processes (Gloo), 1 thread each |")
    print("|---|---|---|---|")
    for label, one, threads, two in rows:
        print("| %s | %.0f | %.0f (%.2fx) | %.0f (%.2fx) |" % (label, one, threads, threads / one, two, two / one))
    print("\n| 4 mnist mlp points, 1 epoch each | wall time | ratio |\n|---|---|---|")
    print("| 4-point sweep, -j 1 | %.1f s | 1.00x |" % j1)
    print("| 4-point sweep, -j 2 | %.1f s | %.2fx |" % (j2, j2 / j1))
    if slurm:
        print("| 4-point sweep, SLURM job array | %.1f s | %.2fx |" % (slurm, slurm / j1))


if __name__ == "__main__":
    main()
