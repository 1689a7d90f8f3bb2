#!/usr/bin/env python3
"""Tracking to a real MLflow server on real Fashion-MNIST (issue: runs where teams look), in one run:

1. A run with tracking: is MLflow's history metrics.csv, row for row; params flags.json; status;
   artifacts (read with MlflowClient: tests/e2e/mlflow_run.py).
2. Killed with -9 twice and resumed each time: the same, no duplicate step.
3. The server stopped at 30% of a run and started again at 70%: warnings, and whether the
   history was complete when the run ended or needed forge sync.
4. A 4-point sweep: the parent run and its children; the sessions TensorBoard's HParams plugin
   lists (tests/e2e/tensorboard_hparams.py, with .venv-torch's tensorboard).
5. The cost: wall time of the same 2-epoch run without tracking, with it, and with the server
   unreachable, alternated, medians: ratios against the run without (configs/fashion_mlp.cfg;
   --cost_configs adds others). Training runs on CPU 0 with one thread, the server on CPU 1:
   as if the server were another machine (on this 2-core VM, a server sharing training's cores
   charges its own work to the run).

  python3 bench/tracking_bench.py [--repeats 3] [--out bench/tracking_results.json] [--quick]
                                  [--only_cost] [--cost_configs fashion_mlp[,fashion_cnn]]

The server is tests/mlflow/server.sh's (MLflow from .venv-mlflow, SQLite, 127.0.0.1). --quick:
one repeat on a slice of the data, to check that it runs. Standard library only.
"""
import argparse, glob, json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FORGE = os.environ.get("FORGE", os.path.join(ROOT, "build", "forge"))
MLFLOW_PYTHON = os.path.join(ROOT, ".venv-mlflow", "bin", "python")
TORCH_PYTHON = os.path.join(ROOT, ".venv-torch", "bin", "python")
SERVER = os.path.join(ROOT, "tests", "mlflow", "server.sh")


def forge(args, cwd, log=None, wait=True, cpus=None):
    out = open(log, "ab") if log else subprocess.DEVNULL
    pin = ["taskset", "-c", cpus] if cpus else []
    process = subprocess.Popen(pin + [FORGE] + args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    return process.wait() if wait else process


def on_server(uri, run_dir):
    read = subprocess.run([MLFLOW_PYTHON, os.path.join(ROOT, "tests", "e2e", "mlflow_run.py"), uri, run_dir],
                          capture_output=True, text=True)
    return json.loads(read.stdout[read.stdout.index("{"):])


def summary(run):
    keys = ["status", "history_equals_metrics_csv", "csv_rows", "history_points", "duplicates",
            "params_equal_flags", "params", "artifacts"]
    return {k: run.get(k) for k in keys}


def epochs_done(run_dir):
    try:
        with open(os.path.join(run_dir, "metrics.csv")) as f:
            return sum(",train_epoch,loss," in line for line in f)
    except OSError:
        return 0


def steps_done(run_dir):
    last = 0
    try:
        with open(os.path.join(run_dir, "metrics.csv")) as f:
            for line in f:
                if line[0].isdigit():
                    last = max(last, int(line.split(",")[0]))
    except OSError:
        pass
    return last


def tracking_warnings(run_dir):
    with open(os.path.join(run_dir, "log.txt")) as f:
        return sum(" warning tracking:" in line for line in f)


def wait_for(condition, seconds=300):
    end = time.time() + seconds
    while time.time() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "tracking_results.json"))
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only_cost", action="store_true",
                   help="measure only 5 (the cost), keeping the other results already in --out")
    p.add_argument("--cost_configs", default="fashion_mlp",
                   help="the configs (configs/<name>.cfg) whose 2-epoch runs measure the cost")
    a = p.parse_args()
    repeats = 1 if a.quick else a.repeats
    work = tempfile.mkdtemp(prefix="forge-tracking-bench-")
    server_dir = os.path.join(work, "server")
    port = str(31000 + os.getpid() % 20000)
    uri = "http://127.0.0.1:" + port
    base = ["train", "--config", os.path.join(ROOT, "configs", "fashion_mlp.cfg"), "--no_progress", "--seed", "1",
            "--threads", "2"]
    if a.quick:
        base += ["--train_limit", "4096"]
    results = {"what": "forge tracking to a real MLflow server (127.0.0.1), Fashion-MNIST mlp"}
    if a.only_cost and os.path.exists(a.out):
        results = json.load(open(a.out))
    subprocess.run(["bash", SERVER, "start", server_dir, port], check=True)
    try:
        runs = os.path.join(work, "runs")
        os.makedirs(runs)
        if not a.only_cost:
            measure_behaviour(a, results, base, uri, runs, work, server_dir, port)
        # The server on CPU 1 and training on CPU 0 (one thread): as if the server were another
        # machine, so that what is measured is what tracking costs the training process.
        subprocess.run(["bash", SERVER, "stop", server_dir], check=True)
        subprocess.run(["bash", SERVER, "start", server_dir, port], check=True, env=dict(os.environ, MLFLOW_SERVER_CPUS="1"))
        for config in a.cost_configs.split(","):
            cost_base = base[:2] + [os.path.join(ROOT, "configs", config + ".cfg")] + base[3:]
            cost_base[cost_base.index("--threads") + 1] = "1"
            results["5_cost_" + config] = measure_cost(cost_base, uri, runs, repeats, config)
    finally:
        subprocess.run(["bash", SERVER, "stop", server_dir])
    with open(a.out, "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


def measure_behaviour(a, results, base, uri, runs, work, server_dir, port):
    # 1. One run with tracking.
    code = forge(base + ["--epochs", "2", "--run_name", "tracked", "--tracking_uri", uri], runs,
                 os.path.join(work, "tracked.log"))
    results["1_tracked_run"] = dict(exit=code, **summary(on_server(uri, os.path.join(runs, "checkpoints/tracked/1"))))

    # 2. kill -9 twice, resumed each time.
    run = os.path.join(runs, "checkpoints/killed/1")
    log = os.path.join(work, "killed.log")
    process = forge(base + ["--epochs", "3", "--run_name", "killed", "--checkpoint_every", "500",
                            "--tracking_uri", uri], runs, log, wait=False)
    kills = []
    steps_per_epoch = 1875 if not a.quick else 128
    for target in (int(3 * steps_per_epoch * 0.2), int(3 * steps_per_epoch * 0.6)):
        wait_for(lambda: steps_done(run) >= target)
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills.append(steps_done(run))
        process = forge(["resume", run], runs, log, wait=False)
    code = process.wait()
    results["2_killed_twice"] = dict(exit=code, killed_at_steps=kills, **summary(on_server(uri, run)))

    # 3. The server down from 30% to 70% of a 5-epoch run.
    run = os.path.join(runs, "checkpoints/outage/1")
    log = os.path.join(work, "outage.log")
    total = 5 * steps_per_epoch
    process = forge(base + ["--run_name", "outage", "--tracking_uri", uri], runs, log, wait=False)
    wait_for(lambda: steps_done(run) >= total * 0.3)
    subprocess.run(["bash", SERVER, "stop", server_dir], check=True)
    stopped_at = steps_done(run)
    wait_for(lambda: steps_done(run) >= total * 0.7)
    restarted_at = steps_done(run)
    subprocess.run(["bash", SERVER, "start", server_dir, port], check=True)
    code = process.wait()
    at_end = on_server(uri, run)
    outage = dict(exit=code, server_stopped_at_step=stopped_at, restarted_at_step=restarted_at, total_steps=total,
                  warnings=tracking_warnings(run), complete_when_the_run_ended=at_end["history_equals_metrics_csv"])
    if not at_end["history_equals_metrics_csv"]:
        forge(["sync", run, "--tracking_uri", uri], runs, log)
    outage.update(summary(on_server(uri, run)))
    results["3_server_down_30_to_70_percent"] = outage

    # 4. A 4-point sweep: parent and children; TensorBoard's HParams view.
    code = forge(["sweep"] + base[1:] + ["--epochs", "1", "--run_name", "grid", "--lr", "0.001,0.003",
                                         "--n_hidden", "64,256", "-j", "2", "--tracking_uri", uri],
                 runs, os.path.join(work, "sweep.log"))
    points = [on_server(uri, d) for d in sorted(glob.glob(os.path.join(runs, "checkpoints/grid/[0-9]*")))]
    sweep_folder = glob.glob(os.path.join(runs, "checkpoints/grid/sweeps/*"))[0]
    parents = sorted({p["parent"] for p in points})
    parent = subprocess.run([MLFLOW_PYTHON, "-c", "import sys; from mlflow.tracking import MlflowClient; "
                             "r = MlflowClient(sys.argv[1]).get_run(sys.argv[2]); print(r.info.run_name, r.info.status)",
                             uri, parents[0]], capture_output=True, text=True).stdout.strip() if parents else ""
    sweep = dict(exit=code, points=len(points), distinct_parents=len(parents), parent=parent,
                 children_finished=sum(p["status"] == "FINISHED" for p in points),
                 children_complete=sum(p["history_equals_metrics_csv"] for p in points))
    if os.path.exists(TORCH_PYTHON):
        view = subprocess.run([TORCH_PYTHON, os.path.join(ROOT, "tests", "e2e", "tensorboard_hparams.py"),
                               sweep_folder], capture_output=True, text=True).stdout
        view = json.loads(view[view.index("{"):])
        sweep["tensorboard_hparams"] = view["experiment"]["hparams"]
        sweep["tensorboard_sessions"] = [
            {"name": s["name"], "lr": s["hparams"].get("lr"), "n_hidden": s["hparams"].get("n_hidden"),
             "status": s["status"], "test/accuracy": s["metrics"].get("test/accuracy")} for s in view["sessions"]]
    results["4_sweep"] = sweep


def measure_cost(base, uri, runs, repeats, label):
    # 5. The cost: the same 2-epoch run without tracking, with it, with no server; alternated.
    times = {"off": [], "tracked": [], "unreachable": []}
    warnings = []
    for r in range(repeats):
        for kind, target in (("off", "off"), ("tracked", uri), ("unreachable", "http://127.0.0.1:9")):
            name = "cost_%s_%s_%d" % (label, kind, r)
            start = time.perf_counter()
            forge(base + ["--epochs", "2", "--run_name", name, "--tracking_uri", target], runs, cpus="0")
            times[kind].append(time.perf_counter() - start)
            if kind == "unreachable":
                warnings.append(tracking_warnings(os.path.join(runs, "checkpoints", name, "1")))
    median = {k: statistics.median(v) for k, v in times.items()}
    return {"seconds": times, "median_seconds": median, "tracked_over_off": median["tracked"] / median["off"],
            "unreachable_over_off": median["unreachable"] / median["off"], "warnings_when_unreachable": warnings}


if __name__ == "__main__":
    main()
