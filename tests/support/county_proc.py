"""Runs the real county server (uvicorn) for the sync tests: ``python -m ... URL PORT``.

The same ``create_app`` as ``county-server serve``, with rate limits raised so a 5-year
first sync and many enrollments are not throttled; a rate of 0 keeps the production defaults.
"""

from __future__ import annotations

import sys

import uvicorn

from county_server.app import create_app
from county_server.db import Database
from county_server.settings import ServerSettings


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 5000.0
    if rate <= 0:  # the production defaults of ``county-server serve``
        settings = ServerSettings(secure_cookies=False)
        app = create_app(Database.open(url), settings, include_web=False)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        return
    settings = ServerSettings(
        device_rate_per_second=rate,
        device_burst=int(rate * 2),
        client_rate_per_second=rate,
        client_burst=int(rate * 2),
        enroll_rate_per_second=rate,
        enroll_burst=int(rate * 2),
        secure_cookies=False,
    )
    app = create_app(Database.open(url), settings, include_web=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
