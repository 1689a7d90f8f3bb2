"""Prints, as JSON, what an MLflow tracking server holds of a forge run folder, read with MLflow's
own Python client (MlflowClient), and how it compares with the folder's own files, read with the
standard library (not with forge's code):

  {"run_id", "name", "status", "parent", "tags": {...},
   "history_equals_metrics_csv": bool, "csv_rows": n, "history_points": n, "duplicates": n,
   "epoch_points": n, "params_equal_flags": bool, "params": n, "artifacts": [paths]}

The run is found by its name (<run_name>/<N>) in the experiment named by its --run_name.

    .venv-mlflow/bin/python tests/e2e/mlflow_run.py URI RUN_DIR [MLFLOW_RUN_NAME]
"""
import collections
import csv
import json
import os
import sys

from mlflow.tracking import MlflowClient

uri, run_dir = sys.argv[1], sys.argv[2]
flags = json.load(open(os.path.join(run_dir, "flags.json")))
name = sys.argv[3] if len(sys.argv) > 3 else flags["run_name"] + "/" + os.path.basename(os.path.normpath(run_dir))
client = MlflowClient(uri)
experiment = client.get_experiment_by_name(flags["run_name"])
runs = client.search_runs([experiment.experiment_id], filter_string=f"attributes.run_name = '{name}'")
if len(runs) != 1:
    print(json.dumps({"error": f"{len(runs)} MLflow runs named {name}"}))
    sys.exit(0)
run = runs[0]

rows = list(csv.DictReader(open(os.path.join(run_dir, "metrics.csv"))))
want = collections.defaultdict(list)
for row in rows:
    want[row["split"] + "/" + row["name"]].append((int(row["step"]), float(row["value"])))
equal, points, duplicates = True, 0, 0
for key, expected in want.items():
    history = sorted(client.get_metric_history(run.info.run_id, key), key=lambda m: (m.step, m.timestamp))
    got = [(m.step, m.value) for m in history]
    points += len(got)
    duplicates += len(got) - len({m.step for m in history})
    equal = equal and got == expected
epoch = client.get_metric_history(run.info.run_id, "epoch")

def as_param(value):
    return value if isinstance(value, str) else json.dumps(value)

def artifacts(path=None):
    for item in client.list_artifacts(run.info.run_id, path):
        if item.is_dir:
            yield from artifacts(item.path)
        else:
            yield item.path

print(json.dumps({
    "run_id": run.info.run_id,
    "name": run.info.run_name,
    "status": run.info.status,
    "parent": run.data.tags.get("mlflow.parentRunId", ""),
    "tags": {k: v for k, v in run.data.tags.items() if k.startswith("forge.")},
    "history_equals_metrics_csv": equal,
    "csv_rows": len(rows),
    "csv_steps": len({row["step"] for row in rows}),
    "history_points": points,
    "duplicates": duplicates,
    "epoch_points": len(epoch),
    "params_equal_flags": run.data.params == {k: as_param(v) for k, v in flags.items()},
    "params": len(run.data.params),
    "artifacts": sorted(artifacts()),
}, indent=1))
