#!/usr/bin/env bash
# The one test command (README): installs everything it needs, then lints and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash installer/dev-setup.sh
.venv/bin/ruff check .
export QT_QPA_PLATFORM=offscreen
# Two pytest-xdist workers (the CI machine has two cores and the tests wait on processes and sockets much of
# the time); each test file runs whole on one worker, in order, so a module's fixture is built once. Files go
# out in collection order (tests/conftest.py puts the longest first), not xdist's "most tests first".
# `bash tests/run.sh -n 0` runs in one process.
exec .venv/bin/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder "$@"
