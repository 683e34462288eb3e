"""Process hardening: no core dump can carry key material or note text out of the process.

``disable_core_dumps()`` runs first thing in the app and in ``clinician-desk-admin``:

* Linux and other POSIX systems: ``RLIMIT_CORE`` is set to 0 (soft and hard, so nothing in the
  process can raise it again), and on Linux ``prctl(PR_SET_DUMPABLE, 0)`` marks the process
  not dumpable, which also stops a core-dump helper (``core_pattern`` piping to systemd-coredump
  or apport) and other processes of the same user from attaching with ptrace or reading
  ``/proc/<pid>/mem``.
* Windows: Windows Error Reporting would write a crash dump (with heap) for a crashing process.
  ``WerAddExcludedApplication`` excludes the running executable from WER reports for this user
  and ``SetErrorMode(SEM_NOGPFAULTERRORBOX)`` suppresses the crash dialog that offers to send
  one. This is coded but not tested here (no Windows in CI); LocalDumps configured by an
  administrator in the registry are outside a program's control and are documented instead.

Each step is best effort and reported by ``core_dump_status()`` (``doctor`` prints it).
"""

from __future__ import annotations

import ctypes
import os
import sys

_PR_SET_DUMPABLE = 4
_PR_GET_DUMPABLE = 3


def disable_core_dumps() -> None:
    """Best effort; never raises (a process that cannot harden itself still runs)."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        _windows_no_wer()
        return
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass


def core_dump_status() -> str:
    """One line for ``doctor``: whether this process can leave a core dump."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return "core dumps: excluded from Windows Error Reporting (best effort)"
    parts = []
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        parts.append(f"RLIMIT_CORE {soft}/{hard}")
        off = soft == 0 and hard == 0
    except (ImportError, OSError):
        off = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            dumpable = int(libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0))
            parts.append(f"dumpable {dumpable}")
            off = off and dumpable == 0
        except (OSError, AttributeError):
            off = False
    return f"core dumps: {'off' if off else 'ON'} ({', '.join(parts)})"


def _windows_no_wer() -> None:  # pragma: no cover - Windows only
    try:
        sem_nogpfaulterrorbox = 0x0002
        kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
        kernel32.SetErrorMode(sem_nogpfaulterrorbox | kernel32.GetErrorMode())
        wer = ctypes.WinDLL("wer")  # type: ignore[attr-defined]
        wer.WerAddExcludedApplication(ctypes.c_wchar_p(os.path.abspath(sys.executable)), False)
    except (OSError, AttributeError):
        pass
