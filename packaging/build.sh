#!/usr/bin/env bash
# Builds the one-folder desktop bundle into dist/clinician-desk and prints its size and the time
# it took. Usage: packaging/build.sh [DISTDIR] [WORKDIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="${VENV_PY:-$ROOT/.venv/bin/python}"
DIST="${1:-$ROOT/dist}"
WORK="${2:-$ROOT/build/pyinstaller}"
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/clinician-desk.spec"
end=$(date +%s)
size=$(du -sm "$DIST/clinician-desk" | cut -f1)
echo "bundle: $DIST/clinician-desk  size_mb=$size  build_seconds=$((end - start))"
