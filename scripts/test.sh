#!/usr/bin/env bash
# Run the linter and the whole test suite (sets up .venv first if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check storydesk tests bench
.venv/bin/python -m pytest -q "$@"
