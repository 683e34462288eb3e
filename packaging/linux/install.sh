#!/usr/bin/env bash
# Installs a built one-folder bundle system-wide on Linux (run as root), or into a staging root.
#
#   packaging/linux/install.sh [BUNDLE] [PREFIX]     (defaults: dist/clinician-desk, /opt)
#   DESTDIR=/tmp/stage packaging/linux/install.sh ... (stage for a .deb/.rpm or a test)
#
# Puts the bundle in PREFIX/clinician-desk, links both executables into /usr/local/bin, and
# installs the desktop entry, the AppStream metainfo and the icon where desktops look for them.
# Uninstall: packaging/linux/install.sh --uninstall [PREFIX]. Neither touches user data
# (~/.local/share/clinician-desk): vaults survive upgrades and uninstalls.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
APP_ID="org.clinician_desk.ClinicianDesk"
DEST="${DESTDIR:-}"
uninstall=0
if [ "${1:-}" = "--uninstall" ]; then uninstall=1; shift; set -- "" "${1:-}"; fi
BUNDLE="${1:-$ROOT/dist/clinician-desk}"
PREFIX="${2:-/opt}"
APP_DIR="$DEST$PREFIX/clinician-desk"
BIN="$DEST/usr/local/bin"
SHARE="$DEST/usr/share"

if [ "$uninstall" = 1 ]; then
    rm -rf "$APP_DIR"
    rm -f "$BIN/clinician-desk" "$BIN/clinician-desk-admin" \
        "$SHARE/applications/$APP_ID.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml" \
        "$SHARE/icons/hicolor/256x256/apps/$APP_ID.png" "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
    echo "removed clinician-desk from $DEST$PREFIX (user data kept)"
    exit 0
fi
[ -x "$BUNDLE/clinician-desk" ] || { echo "no bundle at $BUNDLE (run packaging/build.sh)" >&2; exit 2; }
# Replace the program folder as a whole (an upgrade leaves no stale files behind).
mkdir -p "$DEST$PREFIX"
staging="$(mktemp -d "$DEST$PREFIX/.clinician-desk.XXXXXX")"
cp -a "$BUNDLE/." "$staging/"
chmod 755 "$staging"
rm -rf "$APP_DIR.old"
[ -e "$APP_DIR" ] && mv "$APP_DIR" "$APP_DIR.old"
mv "$staging" "$APP_DIR"
rm -rf "$APP_DIR.old"
mkdir -p "$BIN" "$SHARE/applications" "$SHARE/metainfo" \
    "$SHARE/icons/hicolor/256x256/apps" "$SHARE/icons/hicolor/scalable/apps"
ln -sfn "$PREFIX/clinician-desk/clinician-desk" "$BIN/clinician-desk"
ln -sfn "$PREFIX/clinician-desk/clinician-desk-admin" "$BIN/clinician-desk-admin"
install -m 644 "$HERE/$APP_ID.desktop" "$SHARE/applications/$APP_ID.desktop"
install -m 644 "$HERE/$APP_ID.metainfo.xml" "$SHARE/metainfo/$APP_ID.metainfo.xml"
icons="$APP_DIR/_internal/resources/icons"
install -m 644 "$icons/clinician-desk.png" "$SHARE/icons/hicolor/256x256/apps/$APP_ID.png"
install -m 644 "$icons/clinician-desk.svg" "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
if [ -z "$DEST" ]; then
    command -v update-desktop-database >/dev/null && update-desktop-database -q || true
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q /usr/share/icons/hicolor || true
fi
echo "installed clinician-desk into $APP_DIR"
