"""clinician-desk core: domain rules, services, encrypted storage, vault, reports and sync.

Nothing in this package imports Qt, the desktop UI or the county server (enforced by
import-linter contracts in pyproject.toml). Nothing connects to a database at import time.
"""

__version__ = "0.1.0"
