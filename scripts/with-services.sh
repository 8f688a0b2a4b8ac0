#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL and Redis (see scripts/services.sh), stopped afterwards, even on failure.
#   bash scripts/with-services.sh .venv/bin/python benchmarks/bench_api.py
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh
services_install
trap services_stop EXIT
services_start
set +e
"$@"
rc=$?
exit $rc
