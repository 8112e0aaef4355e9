#!/usr/bin/env bash
# Set everything up (see setup.sh) and open the main window with the built-in sample photos.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py --samples "$@"
