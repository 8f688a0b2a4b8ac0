#!/usr/bin/env bash
# Set up everything the test suite needs (Python deps, Debian's Chromium for the web test) and run it.
set -euo pipefail
cd "$(dirname "$0")/.."
OKR_COACH_EXTRAS=test bash scripts/setup.sh
if [ -f scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LITELLM_LOCAL_MODEL_COST_MAP=True
exec .venv/bin/python -m pytest -q "$@"
