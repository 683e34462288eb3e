import sys

from clinician_desk.cli import main

sys.exit(main())
