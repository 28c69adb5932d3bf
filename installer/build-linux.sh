#!/usr/bin/env bash
# Build the Linux bundle of the counter app:
#   dist/counter-app/                                   the one-folder bundle (run dist/counter-app/counter-app)
#   dist/counter-app-<version>-linux-x86_64.tar.gz      the update artifact (top folder counter-app/)
#   dist/bundle-report.json                             sizes and build time (also printed)
# Needs the build extra (installer/dev-setup.sh installs it). PyInstaller's work folder build/ is kept
# between runs: a warm build reuses its analysis cache. `--clean` starts from nothing.
# Then check it: QT_QPA_PLATFORM=offscreen dist/counter-app/counter-app --self-test
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
clean=()
[ "${1:-}" = "--clean" ] && clean=(--clean)
version=$("$PYTHON" -c 'import counter_app; print(counter_app.__version__)')
bundle=dist/counter-app
artifact=dist/counter-app-${version}-linux-x86_64.tar.gz

started=$(date +%s.%N)
"$PYTHON" -m PyInstaller --noconfirm --log-level WARN "${clean[@]}" \
  --distpath dist --workpath build/pyinstaller installer/counter-app.spec
built=$(date +%s.%N)

# The update artifact: one top folder, no owners or modes from this machine beyond the executable bits,
# a fixed order, written beside and renamed so a half-written file never carries the final name.
# Packed again only when the bundle's contents changed (PyInstaller copies the folder afresh every run, so
# its dates say nothing; a fingerprint of names, link targets and file contents does, in about a second).
fingerprint=$(cd dist && { find counter-app -type f -print0 | sort -z | xargs -0 sha256sum;
                           find counter-app -type l -printf '%p -> %l\n' | sort; } | sha256sum | cut -c1-64)
stamp="$artifact.sha256-of-bundle"
if [ ! -f "$artifact" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
  tar --sort=name --owner=0 --group=0 --numeric-owner --use-compress-program="gzip -n -6" \
    -C dist -cf "$artifact.part" counter-app
  mv -f "$artifact.part" "$artifact"
  echo "$fingerprint" > "$stamp"
fi
finished=$(date +%s.%N)

"$PYTHON" - "$bundle" "$artifact" "$version" "$started" "$built" "$finished" <<'EOF'
import json, sys
from pathlib import Path

bundle, artifact, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
started, built, finished = map(float, sys.argv[4:7])
files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
report = {
    "version": version,
    "bundle": str(bundle),
    "bundle_bytes": sum(p.stat().st_size for p in files),
    "file_count": len(files),
    "artifact": str(artifact),
    "tarball_bytes": artifact.stat().st_size,
    "build_seconds": round(built - started, 1),
    "tarball_seconds": round(finished - built, 1),
}
Path("dist/bundle-report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
print(json.dumps(report))
EOF
