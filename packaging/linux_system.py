"""Libraries the Linux bundle leaves to the system (docs/decisions/0032), with what only they need.

PySide6's own wheels ship Qt but not these: Qt Core needs GLib, Qt DBus needs libdbus, and Qt's
CUPS print plugin needs libcups, all from the system (scripts/_env.sh installs the first two
even for the offscreen tests). Every Linux desktop the app runs on has GLib and D-Bus, and a
desktop that prints has CUPS, whose client library should match the system's CUPS anyway. The
copies PyInstaller would take from the build machine (with GnuTLS, Kerberos, Avahi, systemd,
libgcrypt, libmount and PCRE2 behind them) weigh about 15 MB.

The Debian/Ubuntu packages that provide them: libglib2.0-0, libdbus-1-3, libcups2
(Fedora/RHEL: glib2, dbus-libs, cups-libs).
"""

SYSTEM_LIBRARIES = frozenset(
    {
        "libglib-2.0.so.0",
        "libgio-2.0.so.0",
        "libgobject-2.0.so.0",
        "libgthread-2.0.so.0",
        "libgmodule-2.0.so.0",
        "libdbus-1.so.3",
        "libcups.so.2",
    }
)
