#!/usr/bin/env bash
# The GPU checks of issue 11, as one command for a machine with a CUDA GPU: the CUDA-only tests (every
# network on CUDA against the CPU, the network pipeline on CUDA, and the shipped fusion network composing
# 24 MP under fp16 autocast within its stated tolerance of the float32 CPU composite, with its peak GPU
# memory), then the engine's benchmark rows there. Nothing is installed from the network: run it with a
# Python that already holds PyTorch with CUDA and the project's other packages. Where some are missing
# (the device tool's image lacks pymatting), put their wheels in .whl/ beside this repository's root:
#   pip download --no-deps --only-binary=:all: --python-version 3.12 -d .whl pymatting==1.1.16
# Output: the tests' and the benchmark's figures on stdout, and in $OUT/gpu-checks.log when $OUT is set.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if compgen -G ".whl/*.whl" > /dev/null; then
  "$python" -m pip install -q --no-index --no-deps --no-compile --target /tmp/gpu-checks-site .whl/*.whl
  export PYTHONPATH=/tmp/gpu-checks-site${PYTHONPATH:+:$PYTHONPATH}
fi
export QT_QPA_PLATFORM=offscreen PYTHONUNBUFFERED=1
log=${OUT:-/tmp}/gpu-checks.log
{
  "$python" -c "import torch; print('torch', torch.__version__, '| CUDA:', torch.cuda.is_available() and torch.cuda.get_device_name(0))"
  "$python" -m pytest -q -s -m gpu -p no:cacheprovider tests/engine
  "$python" main.py benchmark --no-write --sizes 1MP,24MP \
    --only "segmentation network,matting network,fusion network,network matting,fusion composite,automatic cut-out,automatic pipeline"
} 2>&1 | tee "$log"
