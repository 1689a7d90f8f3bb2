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

    def train(self, extra, name):
        """Samples per second of the second epoch (the first one pays for start-up and warm caches)."""
        cmd = [FORGE, "train", "--data", "mnist", "--model", "mlp", "--epochs", "2", "--seed", "1", "--no_progress",
               "--train_limit", str(self.limit), "--run_name", name] + extra
        return self.samples / epoch_seconds(run(cmd, self.tmp))[1]

    def data_parallel(self):
        reps = range(self.a.reps)
        one = self.record("1 process, 1 thread", [self.train(["--threads", "1"], "one") for _ in reps], "samples/s")
        two_threads = self.record("1 process, 2 threads", [self.train(["--threads", "2"], "threads") for _ in reps],
                                  "samples/s")
        two = self.record("2 processes (Gloo), 1 thread each",
                          [self.train(["--threads", "1", "--nproc_per_node", "2"], "dp") for _ in reps], "samples/s")
        return one, two_threads, two

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
            run(["bash", CLUSTER, "start", cluster, str(21000 + os.getpid() % 20000 * 2)], self.tmp)
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
        one, threads, two = bench.data_parallel()
        j1, j2, slurm = bench.sweeps()
    finally:
        shutil.rmtree(bench.tmp, ignore_errors=True)
    with open(a.out, "w") as f:
        json.dump(bench.results, f, indent=1)
    print("| measurement | median | ratio |\n|---|---|---|")
    print("| 1 process, 1 thread | %.0f samples/s | 1.00x |" % one)
    print("| 1 process, 2 threads | %.0f samples/s | %.2fx |" % (threads, threads / one))
    print("| 2 processes (Gloo), 1 thread each | %.0f samples/s | %.2fx |" % (two, two / one))
    print("| 4-point sweep, -j 1 | %.1f s | 1.00x |" % j1)
    print("| 4-point sweep, -j 2 | %.1f s | %.2fx |" % (j2, j2 / j1))
    if slurm:
        print("| 4-point sweep, SLURM job array | %.1f s | %.2fx |" % (slurm, slurm / j1))


if __name__ == "__main__":
    main()
