#!/usr/bin/env bash
# Set up everything the test suite needs (Python deps, Debian's Chromium for the web test, a throwaway PostgreSQL
# and Redis for the store, API and two-instance tests) and run it. PostgreSQL and Redis are stopped at the end,
# even when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
OKR_COACH_EXTRAS=test bash scripts/setup.sh
if [ -f scripts/install-browser.sh ]; then bash scripts/install-browser.sh; fi
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 LITELLM_LOCAL_MODEL_COST_MAP=True
exec bash scripts/with-services.sh .venv/bin/python -m pytest -q "$@"
