"""PyInstaller entry script of the desktop app (the frozen ``clinician-desk`` executable)."""

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main())
