# Shared by scripts/demo and scripts/check: make .venv with the project installed in it.
# Re-installs only when pyproject.toml changed since the last install (stamp file in .venv).
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
    if [ ! -x "$VENV/bin/python" ]; then
        "$PY" -m venv "$VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
    fi
    local stamp="$VENV/.clinician-desk-installed"
    local want
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
        echo "$want" > "$stamp"
    fi
}
