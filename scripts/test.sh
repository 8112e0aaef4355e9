#!/usr/bin/env bash
# Set everything up (see setup.sh), then lint, type-check, check the layer contracts and run pytest.
# Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports --no-cache
echo "== pytest"; .venv/bin/python -m pytest -q "$@"
