#!/usr/bin/env python3
"""forge's speed, measured side by side with its baselines in one run (issue: speed).

  python3 bench/run_bench.py [--reps 3] [--threads 1] [--out bench/results.json] [--quick]

Needs a built tree (bash scripts/build.sh) and, for the Python peer, Debian's python3-torch
and python3-torchvision: installed with apt-get when missing (as root). Prints a Markdown
table of medians and ratios against the baselines measured in the same run, and writes every
measurement as JSON. --quick: one repetition on a slice of the data, to check that it runs.
Standard library only: any python3 runs it; the peer runs under /usr/bin/python3.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
FORGE = os.path.join(BUILD, "forge")
BENCH = os.path.join(BUILD, "forge_bench")
PEER = os.path.join(os.path.dirname(ROOT), "shared", "bench", "peer_pytorch.py")
SYSTEM_PYTHON = "/usr/bin/python3"


def run(cmd, env=None, check=True):
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    if check and result.returncode != 0:
        sys.exit("run_bench: %s failed (exit %d):\n%s" % (" ".join(cmd), result.returncode, result.stdout[-3000:]))
    return result.stdout


def wall(cmd, env=None):
    start = time.perf_counter()
    run(cmd, env)
    return time.perf_counter() - start


def json_line(output):
    return json.loads([l for l in output.splitlines() if l.startswith("{")][-1])


def ensure_peer():
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import torch, torchvision"], capture_output=True)
    if probe.returncode == 0:
        return True
    print("run_bench: installing python3-torch and python3-torchvision for the Python peer", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "python3-torch", "python3-torchvision"],
                   stdout=subprocess.DEVNULL)
    return subprocess.run([SYSTEM_PYTHON, "-c", "import torch, torchvision"], capture_output=True).returncode == 0


class Bench:
    def __init__(self, args):
        self.a = args
        self.results = {"threads": args.threads, "reps": args.reps, "measurements": {}}
        self.tmp = tempfile.mkdtemp(prefix="forge-bench-")

    def record(self, key, values, unit="s", **extra):
        self.results["measurements"][key] = dict(values=values, median=statistics.median(values), unit=unit, **extra)
        print("  %-40s %10.4f %s" % (key, statistics.median(values), unit), file=sys.stderr)
        return statistics.median(values)

    def median(self, key):
        m = self.results["measurements"].get(key)
        return m["median"] if m else None

    # 1-2: seconds per epoch --------------------------------------------------------------
    # One measurement: a fresh process that trains two epochs and reports the second (the
    # first pays for warming up: allocations, page faults, thread pools). The contenders take
    # turns, repetition by repetition, so that the machine's drift hits them all alike.
    def forge_epoch(self, model, batch, limit, rep):
        run_dir = os.path.join(self.tmp, "runs", "%s-%d-%d" % (model, batch, rep))
        out = run([FORGE, "train", "--data", "mnist", "--standardize", "false", "--model", model,
                   "--optimizer", "rmsprop", "--momentum", "0.9", "--lr", "1e-3", "--batch_size", str(batch),
                   "--epochs", "2", "--seed", "0", "--threads", str(self.a.threads),
                   "--train_limit", str(limit), "--log_every", "1000000", "--run_dir", run_dir])
        self.last_run = run_dir
        return float(re.findall(r"epoch [0-9]+ trained in ([0-9.]+) s", out)[1])

    def bench_epoch(self, loop, model, batch, limit):
        out = run([BENCH, "epoch", "--loop", loop, "--model", model, "--batch_size", str(batch),
                   "--epochs", "2", "--threads", str(self.a.threads), "--train_limit", str(limit)])
        return json_line(out)["epoch_seconds"][1]

    def peer_epoch(self, loader, batch, flush):
        cmd = [SYSTEM_PYTHON, PEER, "--loader", loader, "--batch_size", str(batch), "--threads", str(self.a.threads),
               "--epochs", "2"]
        if flush:
            cmd.append("--flush_denormal")
        return json_line(run(cmd))["epoch_seconds"][1]

    def epochs(self, model, batch, limit, with_peer):
        tag = "%s b%d" % (model, batch)
        print("epoch time, %s:" % tag, file=sys.stderr)
        contenders = [("forge", lambda rep: self.forge_epoch(model, batch, limit, rep))]
        loops = [("hand loop", "hand"), ("hand loop flushed", "flushed"), ("hand loop fused", "fused")]
        if model == "mlp":
            loops.append(("matmul floor", "floor"))
        for name, loop in loops:
            contenders.append((name, lambda rep, loop=loop: self.bench_epoch(loop, model, batch, limit)))
        if with_peer:
            for loader in ("torchvision", "tensor"):
                for flush in (False, True):
                    name = "python %s%s" % (loader, " flushed" if flush else "")
                    contenders.append((name, lambda rep, loader=loader, flush=flush: self.peer_epoch(loader, batch, flush)))
        seconds = {name: [] for name, _ in contenders}
        for rep in range(self.a.reps):
            for name, measure in contenders:
                seconds[name].append(measure(rep))
        for name, _ in contenders:
            self.record(tag + " " + name, seconds[name])

    # 3: plugin compile ----------------------------------------------------------------------
    def compile_times(self):
        print("plugin compile:", file=sys.stderr)
        for source in ("plugins/mlp.cpp", "plugins/mnist.cpp"):
            cold, warm, lookup = [], [], []
            for rep in range(max(1, self.a.reps - 1)):
                env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.tmp, "cache-%s-%d" % (os.path.basename(source), rep)))
                cold.append(wall([FORGE, "compile", os.path.join(ROOT, source)], env))
                for _ in range(3):
                    start = time.perf_counter()
                    out = run([FORGE, "compile", os.path.join(ROOT, source)], env)
                    warm.append(time.perf_counter() - start)
                    lookup.append(float(re.search(r"cached build found in ([0-9.e-]+) s", out).group(1)))
            self.record("compile %s cold" % source, cold)
            self.record("compile %s warm" % source, warm)
            self.record("compile %s cache lookup" % source, lookup)

    # 4: start-up ----------------------------------------------------------------------------
    def startup(self):
        print("start-up:", file=sys.stderr)
        self.record("forge eval (mlp run)", [wall([FORGE, "eval", self.mlp_run]) for _ in range(max(3, self.a.reps))])
        if self.peer:
            self.record("python3 -c 'import torch'",
                        [wall([SYSTEM_PYTHON, "-c", "import torch"]) for _ in range(max(3, self.a.reps))])

    # 5: checkpoints and data ----------------------------------------------------------------
    def storage(self):
        print("checkpoints and data:", file=sys.stderr)
        for model in ("mlp", "cnn"):
            r = json_line(run([BENCH, "checkpoint", "--model", model, "--reps", str(max(3, self.a.reps))]))
            self.record("checkpoint %s save" % model, r["save_seconds"], bytes=r["bytes"])
            self.record("checkpoint %s load" % model, r["load_seconds"], bytes=r["bytes"])
        r = json_line(run([BENCH, "load_data", "--reps", str(self.a.reps)]))
        self.record("load Fashion-MNIST (.gz)", r["seconds"])

    def go(self):
        self.peer = not self.a.quick and ensure_peer()
        limit = 3000 if self.a.quick else 0
        self.epochs("mlp", 32, limit, self.peer)
        self.mlp_run = self.last_run
        self.epochs("mlp", 256, limit, self.peer)
        self.epochs("cnn", 32, 3000 if self.a.quick else self.a.cnn_train_limit, False)
        self.compile_times()
        self.startup()
        self.storage()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return self.results


def ratio(a, b):
    return "%.2f×" % (a / b) if a is not None and b else "n/a"


def table(results):
    m = lambda key: results["measurements"].get(key, {}).get("median")
    lines = ["| measurement | median | ratio | target |", "|---|---|---|---|"]
    for model, batch in (("mlp", 32), ("mlp", 256), ("cnn", 32)):
        tag = "%s b%d" % (model, batch)
        forge = m(tag + " forge")
        lines.append("| **%s: forge epoch** | %.3f s | | |" % (tag, forge))
        rows = [("hand loop (torch::optim, nothing flushed)", "hand loop", "≤ 0.65×"),
                ("hand loop, forge's settings (flushed)", "hand loop flushed", "≤ 1.02×"),
                ("hand loop, flushed, forge's FusedRMSprop", "hand loop fused", ""),
                ("matmul floor", "matmul floor", "≤ 2.5×"),
                ("Python peer, torchvision loader", "python torchvision", "≤ 0.3×"),
                ("Python peer, torchvision loader, flushed", "python torchvision flushed", ""),
                ("Python peer, tensor loop", "python tensor", "≤ 0.55×"),
                ("Python peer, tensor loop, flushed", "python tensor flushed", "")]
        for label, key, target in rows:
            base = m(tag + " " + key)
            if base is not None:
                lines.append("| %s: %s | %.3f s | forge %s | %s |" % (tag, label, base, ratio(forge, base),
                                                                     target if model == "mlp" else ""))
    for source in ("plugins/mlp.cpp", "plugins/mnist.cpp"):
        lines.append("| compile %s: cold / warm `forge compile` / cache lookup in-process | %.2f s / %.3f s / %.4f s | "
                     "| mlp: ≤ 8 s / ≤ 0.1 s |" % (source, m("compile %s cold" % source), m("compile %s warm" % source),
                                                  m("compile %s cache lookup" % source)))
    lines.append("| `forge eval` of an mlp run, wall | %.3f s | %s `import torch` | ≤ 1.5 s |" % (
        m("forge eval (mlp run)"), ratio(m("forge eval (mlp run)"), m("python3 -c 'import torch'"))))
    if m("python3 -c 'import torch'"):
        lines.append("| `python3 -c 'import torch'` | %.3f s | | |" % m("python3 -c 'import torch'"))
    for model in ("mlp", "cnn"):
        save = results["measurements"]["checkpoint %s save" % model]
        lines.append("| checkpoint %s: save / load / size | %.1f ms / %.1f ms / %.2f MiB | | |" % (
            model, 1000 * save["median"], 1000 * m("checkpoint %s load" % model), save["bytes"] / 2**20))
    lines.append("| load Fashion-MNIST from .gz | %.3f s | | |" % m("load Fashion-MNIST (.gz)"))
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--cnn_train_limit", type=int, default=0, help="cnn epochs on the first N images (0: all)")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results.json"))
    p.add_argument("--quick", action="store_true")
    a = p.parse_args()
    if a.quick:
        a.reps = 1
    for path in (FORGE, BENCH):
        if not os.path.exists(path):
            sys.exit("run_bench: %s is missing; build first: bash scripts/build.sh" % path)
    results = Bench(a).go()
    results["table"] = table(results)
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    print(results["table"])


if __name__ == "__main__":
    main()
