#!/usr/bin/env bash
# Run the linter and the whole test suite (sets up .venv first if needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The web tests drive a real headless browser; CI machines get Chromium from the distribution (quietly).
if [ -n "${CI:-}" ] && [ "$(id -u)" = 0 ] && ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "warning: could not install chromium; the real-browser test will say it is skipped" >&2
fi
.venv/bin/ruff check storydesk tests bench
.venv/bin/ruff format --check storydesk tests bench
.venv/bin/mypy storydesk
.venv/bin/python -m pytest -q "$@"
