#!/usr/bin/env bash
# The README's test command: install everything into .venv (torch first, so pip never pulls a CUDA
# build), make sure Debian's Chromium is there for the browser tests, then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet torch==2.13.0
.venv/bin/pip install --quiet -e '.[dev]'
if [ ! -x /usr/bin/chromium ]; then
  SUDO=$([ "$(id -u)" = 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium
fi
export HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest "$@"
