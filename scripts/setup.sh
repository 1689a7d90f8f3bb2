#!/usr/bin/env bash
# Installs everything forge needs to build, test and train: from Debian's archive, and with
# --torch pypi also the PyPI torch wheel. Idempotent: packages already present are left alone,
# and apt-get update runs only when something is missing.
#   --with-browser      also Chromium, which the test of `forge report` renders the report in
#                       (without it that test skips, saying so); .ci/run passes it.
#   --torch system      libtorch from Debian (1.13, CPU): the default.
#   --torch pypi        also current libtorch with CUDA: the PyPI `torch` wheel (pinned below)
#                       in the virtual environment .venv-torch (about 5.3 GB with its CUDA
#                       libraries; 2 minutes here), and the `tensorboard` package, whose own
#                       reader a test checks forge's event files with.
#                       Build with: bash scripts/build.sh --torch pypi
set -euo pipefail
cd "$(dirname "$0")/.."
pypi_torch_version=2.15.0
pypi_tensorboard_version=2.21.0  # the test that reads forge's event files with TensorBoard's own reader
# The tracking tests' server (mlflow server, with its basic-auth app) and the client that checks
# what forge sent. 3.17.2: the newest whose mlflow-tracing companion PyPI has here.
pypi_mlflow_version=3.17.2

packages=(
  build-essential cmake ninja-build git
  file dpkg-dev           # what CPack's Debian package (cpack -G DEB, its test) runs: file, dpkg-shlibdeps
  clang                   # forge's compiler: its precompiled torch header halves plugin compile time
  clang-format            # scripts/check-format.sh, which .ci/run runs
  libclang-rt-dev         # libFuzzer and the sanitizers' runtimes (scripts/fuzz.sh, sanitize.sh): only a Recommends of clang
  libtorch-dev            # libtorch 1.13 (CPU), CMake package Torch
  libopenblas0-openmp     # without it libtorch uses the reference BLAS: ~4x slower training
  libboost-dev            # Boost.DLL (header-only in Boost 1.74)
  libboost-program-options-dev libboost-filesystem-dev
  libspdlog-dev libfmt-dev
  nlohmann-json3-dev
  zlib1g-dev              # gzipped idx files
  libcurl4-openssl-dev    # tracking: MLflow's REST API over http and https, proxies
  libpng-dev libjpeg62-turbo-dev  # the images plugin decodes PNG and JPEG with them (no OpenCV)
  wamerican wfrench wngerman witalian wspanish  # the words plugin's real data: Debian's word lists
  libgtest-dev
  dataset-fashion-mnist   # the real data: /usr/share/datasets/fashion-mnist
  python3                 # bench/run_bench.py (standard library only)
  python3-torch           # examples/fashion_mnist_accuracy.py: torch.load of a `forge export`
  python3-sklearn         # the same example checks forge's macro F1 and confusion matrix with sklearn
  python3-torchvision     # scripts/image_folders.py (PIL) writes the image folders; bench/loader_bench.py's Python peer
  mate-backgrounds        # photographs: scripts/photo_folders.py cuts bench/photo_bench.py's photo set from them
  libjpeg-turbo-progs     # jpegtran: bench/photo_bench.py adds restart markers to a copy of the photo set (lossless)
  slurm-wlm munge         # forge sweep --launcher slurm, and the test cluster that checks it
  libgloo-dev             # c10d's Gloo headers for data-parallel training (libtorch-dev lacks them)
  iproute2                # the data-parallel test across two network namespaces
  man-db                  # man forge-train: the tests read the man pages forge installs
)

usage="usage: bash scripts/setup.sh [--with-browser] [--torch system|pypi]"
torch=system
while (($#)); do
  case $1 in
    --with-browser) packages+=(chromium) ;;
    --torch)
      torch=${2:-}
      [[ $torch == system || $torch == pypi ]] || { echo "$usage" >&2; exit 2; }
      shift
      ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift
done
packages+=(python3-venv)  # .venv-mlflow below (and .venv-torch with --torch pypi)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ $torch == pypi ]]; then
  # Debian's Python, not whatever python3 comes first on PATH: a fresh machine has only it.
  [[ -x .venv-torch/bin/python ]] || /usr/bin/python3 -m venv .venv-torch
  installed=$(.venv-torch/bin/python -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null || true)
  if [[ $installed != "$pypi_torch_version" ]]; then
    .venv-torch/bin/pip install -q --disable-pip-version-check "torch==$pypi_torch_version"
  fi
  .venv-torch/bin/python -c 'import tensorboard' 2>/dev/null ||
    .venv-torch/bin/pip install -q --disable-pip-version-check "tensorboard==$pypi_tensorboard_version"
fi

# MLflow in a virtual environment of its own (its pins would fight torch's in .venv-torch).
installed=$(.venv-mlflow/bin/python -c 'import importlib.metadata as m; print(m.version("mlflow"))' 2>/dev/null || true)
if [[ $installed != "$pypi_mlflow_version" ]]; then
  [[ -x .venv-mlflow/bin/python ]] || /usr/bin/python3 -m venv .venv-mlflow
  .venv-mlflow/bin/pip install -q --disable-pip-version-check "mlflow[auth]==$pypi_mlflow_version"
fi
