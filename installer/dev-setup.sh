#!/usr/bin/env bash
# Prepare a fresh Debian 12 machine (or a developer's checkout) to run the counter app and its tests:
# the system libraries Qt needs, then a virtual environment in .venv with the pinned packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib libEGL.so.1 || need_apt+=(libegl1)
have_lib libGL.so.1 || need_apt+=(libgl1)
have_lib libxkbcommon.so.0 || need_apt+=(libxkbcommon0)
have_lib libfontconfig.so.1 || need_apt+=(libfontconfig1)
have_lib libdbus-1.so.3 || need_apt+=(libdbus-1-3)
have_lib libglib-2.0.so.0 || need_apt+=(libglib2.0-0)
# On a desktop, Qt's xcb platform plugin needs these too (tests run offscreen and do not).
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  for pair in libxcb-cursor.so.0:libxcb-cursor0 libxcb-icccm.so.4:libxcb-icccm4 libxcb-keysyms.so.1:libxcb-keysyms1 \
              libxcb-image.so.0:libxcb-image0 libxcb-randr.so.0:libxcb-randr0 libxcb-render-util.so.0:libxcb-render-util0 \
              libxcb-shape.so.0:libxcb-shape0 libxcb-xfixes.so.0:libxcb-xfixes0 libxcb-xkb.so.1:libxcb-xkb1 \
              libX11-xcb.so.1:libx11-xcb1 libxkbcommon-x11.so.0:libxkbcommon-x11-0; do
    have_lib "${pair%%:*}" || need_apt+=("${pair##*:}")
  done
fi
python3 -c "import ensurepip, venv" 2>/dev/null || need_apt+=(python3-venv)
# PostgreSQL server binaries: the sync tests start their own private cluster with them
# (tests/sync/postgres.py); the provincial server runs on PostgreSQL in production.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null \
   || ! compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
  need_apt+=(postgresql)
fi
# makensis: tests/installer/test_windows_installer.py compiles the Windows installer script (docs/installer.md).
command -v makensis >/dev/null || need_apt+=(nsis)
# nginx: tests/installer/test_reverse_proxy.py runs installer/server/nginx-provincial-server.conf for real
# (on its own ports, from a temporary folder; the Debian package's own service is not needed).
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Cài thư viện hệ thống: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "Cần Python 3.11 (Debian 12: apt-get install python3)"; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[server,test,build]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
