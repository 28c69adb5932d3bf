#!/usr/bin/env bash
# The one test command (README): installs everything it needs, then lints and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/dev-setup.sh
.venv/bin/ruff check .
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
