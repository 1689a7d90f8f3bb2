#!/bin/bash
# A one-node SLURM cluster on localhost for the tests, without systemd:
#   cluster.sh start DIR PORT   writes DIR/slurm.conf, starts munged (as the munge user), slurmctld
#                               and slurmd, and waits until the node is idle; SLURM_CONF=DIR/slurm.conf;
#                               exit 3 when PORT or PORT + 1 is taken (try another)
#   cluster.sh stop DIR         stops the daemons it started, by the pids in DIR
# Everything (config, state, spool, logs, munge socket) stays in DIR.
set -euo pipefail
command=$1 dir=$(realpath -m "$2")

stop() {
  for name in slurmd slurmctld munged; do
    [[ -f $dir/$name.pid ]] || continue
    pid=$(cat "$dir/$name.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/$name.pid"
  done
}

if [[ $command == stop ]]; then stop; exit 0; fi
[[ $command == start ]] || { echo "usage: cluster.sh start DIR PORT | stop DIR" >&2; exit 2; }
port=$3
mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
chmod 755 "$dir"  # munged runs as the munge user and must reach its folder
chown munge: "$dir/munge"
chmod 700 "$dir/munge"
cat > "$dir/slurm.conf" <<CONF
ClusterName=forgetest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmUser=root
SlurmdUser=root
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ReturnToService=2
MinJobAge=600
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$dir/slurm.conf
trap 'stop' ERR
runuser -u munge -- /usr/sbin/munged --socket="$dir/munge/munge.socket" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" --force
for _ in $(seq 50); do [[ -s $dir/munge/munged.pid ]] && break; sleep 0.1; done
cp "$dir/munge/munged.pid" "$dir/munged.pid"
/usr/sbin/slurmctld -c
/usr/sbin/slurmd -N localhost
for _ in $(seq 100); do
  [[ $(timeout 5 sinfo -h -N -o %t 2>/dev/null) == idle ]] && exit 0
  # A controller that could not take its port (some connection's, for a moment) is gone: exit 3
  # at once, so that the caller tries another port, rather than asking it for 20 s.
  if ! { kill -0 "$(cat "$dir/slurmctld.pid" 2>/dev/null)" && kill -0 "$(cat "$dir/slurmd.pid" 2>/dev/null)"; } 2>/dev/null &&
    grep -q "Address already in use" "$dir/slurmctld.log" "$dir/slurmd.log" 2>/dev/null; then
    echo "port $port or $((port + 1)) is in use" >&2
    stop
    exit 3
  fi
  sleep 0.2
done
echo "the SLURM node did not become idle within 20 s; see $dir/*.log" >&2
stop
exit 1
