"""PyInstaller entry script of ``clinician-desk-admin`` (console) in the same one-folder bundle.

Lets district IT run ``clinician-desk-admin doctor``, ``verify`` or ``backup`` on a laptop without
a Python install; it shares ``_internal/`` with the desktop app.
"""

import sys

from clinician_desk.cli import main

if __name__ == "__main__":
    sys.exit(main())
