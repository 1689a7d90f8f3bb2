#!/usr/bin/env bash
# A real MLflow tracking server for the tests (MLflow from PyPI, in .venv-mlflow: scripts/setup.sh
# installs it): SQLite for runs, a folder for artifacts (served through the mlflow-artifacts
# proxy), listening on 127.0.0.1 only, in its own process group so that stopping it stops its
# workers too.
#
#   server.sh start DIR PORT [--basic-auth]   start it (DIR holds its files), wait until it answers
#   server.sh stop DIR                        stop it by the pid it recorded; its files stay
#
# With --basic-auth it is MLflow's basic-auth app, its admin "admin" with password "forge-admin-pw".
# MLFLOW_SERVER_CPUS=1 (a taskset list) keeps the server on those CPUs (a benchmark's "other machine").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=$here/../../.venv-mlflow
usage="usage: server.sh start DIR PORT [--basic-auth] | server.sh stop DIR"

case ${1:-} in
  start)
    dir=${2:?$usage} port=${3:?$usage}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    app=()
    if [[ ${4:-} == --basic-auth ]]; then
      app=(--app-name basic-auth)
      export MLFLOW_FLASK_SERVER_SECRET_KEY=forge-tests MLFLOW_AUTH_ADMIN_PASSWORD=forge-admin-pw
    fi
    [[ -x $venv/bin/mlflow ]] || { echo "no MLflow in $venv: run bash scripts/setup.sh" >&2; exit 1; }
    # basic_auth.ini keeps its user store relative to the working folder: DIR.
    cd "$dir"
    pin=()
    [[ -n ${MLFLOW_SERVER_CPUS:-} ]] && pin=(taskset -c "$MLFLOW_SERVER_CPUS")
    # A port the previous server on it closed connections on may stay taken for a while
    # (TIME_WAIT): start again until it binds.
    for _ in $(seq 60); do
      setsid "${pin[@]}" "$venv/bin/mlflow" server "${app[@]}" --host 127.0.0.1 --port "$port" --workers 1 \
        --backend-store-uri "sqlite:///$dir/mlflow.db" --artifacts-destination "$dir/artifacts" \
        >>"$dir/server.log" 2>&1 </dev/null &
      echo $! >"$dir/server.pid"
      for _ in $(seq 240); do
        if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null; then
          exit 0
        fi
        kill -0 "$(cat "$dir/server.pid")" 2>/dev/null || break
        sleep 0.25
      done
      tail -20 "$dir/server.log" | grep -q "address already in use" || break
      sleep 1
    done
    echo "mlflow server did not start on port $port:" >&2
    tail -5 "$dir/server.log" >&2
    exit 1
    ;;
  stop)
    dir=${2:?$usage}
    [[ -f $dir/server.pid ]] || exit 0
    pid=$(cat "$dir/server.pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$dir/server.pid"
    ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
