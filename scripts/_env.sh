# Shared by scripts/demo, scripts/check and packaging/build.sh: make .venv with the project
# installed in it, every dependency at the version and sha256 of requirements.lock (made by
# scripts/lock). The venv is rebuilt from scratch when requirements.lock or pyproject.toml
# changed since the last install (stamp file in .venv), so it never keeps a package the lock
# dropped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "clinician-desk needs Python 3.11 or newer (found: $("$PY" --version 2>&1))." >&2
    exit 1
fi

# System libraries Qt needs even offscreen, poppler for PDF pictures, PostgreSQL for the
# county server's tests. Installed only when missing and only when we may (root + apt).
ensure_system_packages() {
    local wanted=("$@") missing=()
    command -v dpkg-query >/dev/null 2>&1 || return 0
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing system packages: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "note: system packages missing (install them for full function): ${missing[*]}" >&2
    fi
}

QT_SYSTEM_PACKAGES=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-render-util0 libxcb-image0)

ensure_venv() {
    local stamp="$VENV/.clinician-desk-installed" lock="$ROOT/requirements.lock"
    local want_lock want_project
    want_lock="lock $(sha256sum "$lock" | cut -d' ' -f1) python $("$PY" -c 'import sys; print(sys.version.split()[0])')"
    want_project="project $(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -x "$VENV/bin/python" ] || [ "$(sed -n 1p "$stamp" 2>/dev/null)" != "$want_lock" ]; then
        if [ -d "$VENV" ]; then
            echo "requirements.lock changed: rebuilding .venv from it" >&2
            rm -rf "$VENV"
        fi
        "$PY" -m venv "$VENV"
        # Every file checked against its sha256 in the lock; nothing is resolved here.
        "$VENV/bin/python" -m pip install -q --require-hashes --no-deps -r "$lock"
        echo "$want_lock" > "$stamp"
    fi
    if [ "$(sed -n 2p "$stamp")" != "$want_project" ]; then
        # The project itself, built with the locked setuptools (no unpinned build environment).
        "$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e "$ROOT"
        if ! "$VENV/bin/python" -m pip check >&2; then
            echo "requirements.lock does not satisfy pyproject.toml: run scripts/lock, then commit" \
                 "requirements.lock" >&2
            return 1
        fi
        printf '%s\n%s\n' "$want_lock" "$want_project" > "$stamp"
    fi
}
