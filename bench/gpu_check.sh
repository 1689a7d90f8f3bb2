#!/usr/bin/env bash
# forge on a GPU, in one script for the accelerator machine (one H200, CUDA 13, no network; its
# python3 has a CUDA torch whose torch.utils.cmake_prefix_path CMake can use). It builds forge
# against that torch, then, on Fashion-MNIST: trains `cnn` on the GPU with --deterministic;
# kills the same run with SIGKILL and resumes it, and checks the two end bitwise identical;
# runs `forge check-resume` on the GPU; exports the weights and loads them with that Python's
# torch.load (weights_only); times a warm epoch of forge against a hand-written libtorch GPU
# loop (bench/forge_bench.cpp); and prints one table. About 3 minutes there; at most 8.
#
# The Debian 12 packages forge builds with (Boost, spdlog, fmt, nlohmann-json, zlib headers)
# and Fashion-MNIST travel as .deb files in .gpu-debs/, unpacked into a folder, not into /:
#   bash bench/gpu_check.sh --fetch      here, once: downloads them into .gpu-debs/ (~43 MB)
#   bash bench/gpu_check.sh              there (the device tool: carry .gpu-debs)
# A dry run on a machine without a GPU checks the script itself, on a part of the data:
#   FORGE_GPU_CHECK_DEVICE=cpu FORGE_GPU_CHECK_LIMIT=6400 PYTHON=.venv-torch/bin/python \
#     bash bench/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
debs=(dataset-fashion-mnist libboost1.74-dev libboost-program-options1.74-dev libboost-program-options1.74.0
  libboost-filesystem1.74-dev libboost-filesystem1.74.0 libboost-system1.74-dev libboost-system1.74.0
  libspdlog-dev libspdlog1.10 libfmt-dev libfmt9 nlohmann-json3-dev zlib1g-dev)
if [[ ${1:-} == --fetch ]]; then
  mkdir -p .gpu-debs
  grep -qx '/.gpu-debs/' .git/info/exclude 2>/dev/null || echo /.gpu-debs/ >>.git/info/exclude
  (cd .gpu-debs && apt-get download "${debs[@]}")
  du -sh .gpu-debs
  exit 0
fi

device=${FORGE_GPU_CHECK_DEVICE:-cuda}
limit=${FORGE_GPU_CHECK_LIMIT:-0}  # train on the first N images (0: all 60,000)
python=${PYTHON:-python3}
[[ $python == /* || $python != */* ]] || python=$here/$python  # the steps below run elsewhere
work=${FORGE_GPU_CHECK_DIR:-/tmp/forge-gpu-check}
out=${OUT:-$work}
rm -rf "$work/runs"
mkdir -p "$work/runs" "$out"
log=$out/gpu_check.log
: >"$log"
trap 'echo "gpu_check: failed; the end of $log:"; tail -40 "$log"' ERR
rows=()
row() { rows+=("$(printf '| %-44s | %s |' "$1" "$2")"); }
say() { echo "== $*" | tee -a "$log"; }
seconds_since() { echo $(($(date +%s) - $1)); }

# The packages: unpacked into a folder of their own.
prefix=$work/debs/usr
unpack() { # a .deb into $work/debs: with dpkg-deb, or its data member with ar and tar
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$1" "$work/debs"
  else
    local member compression
    member=$(ar t "$1" | grep '^data\.tar')
    case $member in *.xz) compression=-J ;; *.zst) compression=--zstd ;; *.gz) compression=-z ;; *) compression= ;; esac
    ar p "$1" "$member" | tar -x $compression -C "$work/debs" -f -
  fi
}
mkdir -p "$work/debs"
if [[ -d .gpu-debs ]]; then
  for deb in .gpu-debs/*.deb; do unpack "$deb"; done
fi
# CMake finds them through CMAKE_PREFIX_PATH, the programs through LD_LIBRARY_PATH. Not CPATH:
# it would put Debian's {fmt} before libtorch's own in libtorch's headers (seen: heap corruption).
export LD_LIBRARY_PATH=$prefix/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
data_dir=$prefix/share/datasets/fashion-mnist
[[ -d $data_dir ]] || data_dir=/usr/share/datasets/fashion-mnist

say "build against $($python -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda)')"
# The torch package's own folder first (as scripts/build.sh --torch pypi): its lib/ must win
# over any other libtorch on the machine (CMakeLists.txt refuses a mix).
torch_dir=$($python -c 'import os, torch; print(os.path.dirname(torch.__file__))')
torch_prefix="$torch_dir;$($python -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"
compiler=$(command -v clang++ || command -v g++)
started=$(date +%s)
cmake -S . -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFORGE_BUILD_TESTS=OFF \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix" >>"$log" 2>&1
cmake --build "$work/build" --target forge forge-engine forge_bench mnist cnn >>"$log" 2>&1
forge=$work/build/forge
row "build (cmake + ninja, $(basename "$compiler"))" "$(seconds_since "$started") s"
row "forge --version" "$("$forge" --version)"
[[ $device == cpu ]] || row "GPU" "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo '?')"

cd "$work/runs"
train=(--data mnist --data_dir "$data_dir" --train_limit "$limit" --model cnn --batch_size 128 --optimizer rmsprop
  --momentum 0.9 --lr 1e-3 --seed 1 --device "$device" --no_progress)
exact=(--epochs 3 --deterministic --checkpoint_every 20)

# Each step below may fail (a CUDA op without a deterministic kernel, say): its row then says
# so with forge's last line, and the script goes on to the next.
ran() { # ran NAME COMMAND...: runs it into the log; its status, with its last line in $last
  local status=0
  "${@:2}" >"$work/$1.out" 2>&1 || status=$?
  cat "$work/$1.out" >>"$log"
  last=$(grep -v '^\s*$' "$work/$1.out" | tail -1)
  return $status
}

say "train straight through"
started=$(date +%s)
if ran straight "$forge" train "${train[@]}" "${exact[@]}" --run_name straight; then
  row "train cnn, 3 epochs, --deterministic" \
    "$(seconds_since "$started") s, $(grep -o 'test accuracy [0-9.]*' checkpoints/straight/1/log.txt | tail -1)"
else
  row "train cnn, 3 epochs, --deterministic" "FAILED: $last"
fi

say "train again, kill -9 after step 40, resume"
"$forge" train "${train[@]}" "${exact[@]}" --run_name killed >>"$log" 2>&1 &
pid=$!
until [[ -e checkpoints/killed/1/checkpoints/step-00000040.ckpt ]] || ! kill -0 $pid 2>/dev/null; do sleep 0.01; done
kill -9 $pid 2>/dev/null && killed="killed at step >= 40" || killed="finished before the kill: not a resume test"
wait $pid 2>/dev/null || true
if ran resume "$forge" resume checkpoints/killed/1 && ran export_straight "$forge" export checkpoints/straight/1 -o straight.pt &&
  ran export_killed "$forge" export checkpoints/killed/1 -o killed.pt &&
  ran compare $python -c '
import sys, torch
a, b = (torch.load(path) for path in sys.argv[1:])  # weights_only: torch.load'"'"'s default
same = a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
print(("bitwise identical" if same else "DIFFERENT") + f" ({len(a)} tensors, loaded with weights_only)")
' straight.pt killed.pt; then
  row "kill -9 + resume vs straight ($killed)" "$last"
else
  row "kill -9 + resume vs straight ($killed)" "FAILED: $last"
fi

say "check-resume"
started=$(date +%s)
if ran check_resume "$forge" check-resume "${train[@]}" --epochs 1 --stop_at 30 --deterministic; then
  row "forge check-resume, 1 epoch, stop at 30" "exact ($(seconds_since "$started") s)"
else
  row "forge check-resume, 1 epoch, stop at 30" "FAILED: $last"
fi

say "mixed precision and two optimizers: check-resume"
# On a GPU, fp16 (with its loss scale) and bf16 autocast, an average of the weights, and the
# gan's two manually stepped optimizers, the cnn laid out channels-last; on the CPU (the dry run) bf16
# only.
precisions=(bf16)
[[ $device == cpu ]] || precisions=(fp16 bf16)
for precision in "${precisions[@]}"; do
  started=$(date +%s)
  if ran "check_$precision" "$forge" check-resume "${train[@]}" --epochs 1 --stop_at 30 --precision "$precision" \
    --ema_decay 0.99 --no_decay_bias_norm --weight_decay 0.05; then
    row "check-resume cnn --precision $precision --ema_decay" "exact ($(seconds_since "$started") s)"
  else
    row "check-resume cnn --precision $precision --ema_decay" "FAILED: $last"
  fi
done
started=$(date +%s)  # on a GPU, cuDNN's NHWC convolutions
if ran check_channels_last "$forge" check-resume "${train[@]}" --epochs 1 --stop_at 30 --channels_last true \
  --deterministic; then
  row "check-resume cnn --channels_last" "exact ($(seconds_since "$started") s)"
else
  row "check-resume cnn --channels_last" "FAILED: $last"
fi
started=$(date +%s)
if ran check_gan "$forge" check-resume --data mnist --data_dir "$data_dir" --train_limit "$limit" --model gan \
  --batch_size 64 --lr 2e-4 --seed 1 --device "$device" --no_progress --epochs 1 --stop_at 30; then
  row "check-resume gan (manual optimization)" "exact ($(seconds_since "$started") s)"
else
  row "check-resume gan (manual optimization)" "FAILED: $last"
fi

say "timing: forge and a hand-written loop, 2 epochs each, the second timed"
if ran timed "$forge" train "${train[@]}" --epochs 2 --run_name timed &&
  ran hand "$work/build/forge_bench" epoch --loop hand --model cnn --batch_size 128 --epochs 2 --device "$device" \
    --data_dir "$data_dir" --train_limit "$limit" --threads "$(nproc)"; then
  forge_epoch=$(grep -o 'epoch 2 trained in [0-9.]* s' checkpoints/timed/1/log.txt | grep -o '[0-9.]*' | tail -1)
  hand_epoch=$($python -c 'import json, sys; print(json.loads(sys.argv[1])["epoch_seconds"][1])' "$last")
  row "warm epoch (batch 128): forge / hand loop" \
    "$forge_epoch s / $hand_epoch s = $($python -c "print(f'{$forge_epoch / $hand_epoch:.2f}')")"
else
  row "warm epoch (batch 128): forge / hand loop" "FAILED: $last"
fi

{
  echo
  echo "| check ($device, $(date -u +%Y-%m-%d), $(cd "$here" && git rev-parse --short HEAD 2>/dev/null || echo '?')) | result |"
  echo "|---|---|"
  printf '%s\n' "${rows[@]}"
} | tee -a "$log" | tee "$out/gpu_check_table.md"
