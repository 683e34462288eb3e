#!/usr/bin/env bash
# Builds the one-folder desktop bundle into DISTDIR/clinician-desk and prints its size and the
# time it took, then (unless SELF_TEST=0) runs the bundle's own self-test.
#
#   packaging/build.sh [DISTDIR] [WORKDIR]      (defaults: dist/ and build/pyinstaller/)
#
# Environment: VENV_PY (the Python with PyInstaller and the app installed; default .venv, made or
# brought up to date from requirements.lock by scripts/_env.sh, hashes checked),
# CLEAN=0 to reuse PyInstaller's cache from an earlier build (faster; release builds keep the
# default CLEAN=1), SELF_TEST=0 to skip the self-test. The last line is machine-readable:
#   bundle: <path>  size_mb=<n>  compressed_mb=<n>  build_seconds=<n>
# size_mb is the one-folder bundle on disk (du, MiB); compressed_mb is it as a .tar.gz (gzip -6),
# about what a download or a zip for IT's software share weighs.
# Windows: run the same command from Git Bash, or see docs/it-install.md for the MSI.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${VENV_PY:-}" ]; then
    if [ -x "$ROOT/.venv/Scripts/python.exe" ]; then  # Windows (Git Bash): a venv made by hand
        VENV_PY="$ROOT/.venv/Scripts/python.exe"
    else
        source "$ROOT/scripts/_env.sh"
        ensure_venv
        VENV_PY="$ROOT/.venv/bin/python"
    fi
fi
DIST="${1:-$ROOT/dist}"
WORK="${2:-$ROOT/build/pyinstaller}"
clean=(--clean)
[ "${CLEAN:-1}" = "0" ] && clean=()
start=$(date +%s)
"$VENV_PY" -m PyInstaller --noconfirm "${clean[@]}" --log-level WARN \
    --distpath "$DIST" --workpath "$WORK" "$ROOT/packaging/clinician-desk.spec"
end=$(date +%s)
BUNDLE="$DIST/clinician-desk"
# Links PyInstaller made to libraries the spec then left out (QtQuick, QML, ...) point nowhere.
find "$BUNDLE" -xtype l -delete
# Linux: one executable; the admin CLI is the same program started by this name (launcher.py).
if [ ! -e "$BUNDLE/clinician-desk.exe" ]; then
    ln -sfn clinician-desk "$BUNDLE/clinician-desk-admin"
fi
if [ "${SELF_TEST:-1}" != "0" ]; then
    exe="$BUNDLE/clinician-desk"
    [ -x "$exe" ] || exe="$BUNDLE/clinician-desk.exe"
    QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" "$exe" --self-test
fi
size=$(du -sm "$BUNDLE" | cut -f1)
compressed=$(tar -C "$DIST" -cf - clinician-desk | gzip -6 | wc -c)
compressed=$(( (compressed + 1048575) / 1048576 ))
echo "bundle: $BUNDLE  size_mb=$size  compressed_mb=$compressed  build_seconds=$((end - start))"
