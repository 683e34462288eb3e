"""PyInstaller entry script of the frozen ``clinician-desk`` executable.

On Linux the bundle has one executable, and ``clinician-desk-admin`` is a link to it (one module
archive instead of two, docs/decisions/0032): started under that name it runs the admin CLI.
Windows keeps a separate console executable for the admin CLI (``admin_launcher.py``).
"""

import os
import sys


def main() -> int:
    if os.path.basename(sys.argv[0]).startswith("clinician-desk-admin"):
        from clinician_desk.cli import main as admin_main

        return admin_main()
    from ui.app import main as app_main

    return app_main()


if __name__ == "__main__":
    sys.exit(main())
