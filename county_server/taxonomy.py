"""The service taxonomy as the county server sees it: codes, names and the version string.

The server reads the same data file the desktop app ships (``resources/taxonomy.json`` of the
``clinician_desk`` distribution) as data, without importing the core's code, or a file given
with ``COUNTY_SERVER_TAXONOMY``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path

from county_server.errors import ConfigError


@dataclass(frozen=True)
class ServerTaxonomy:
    version: str
    names: dict[str, str]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.names)

    @property
    def versions(self) -> frozenset[str]:
        """Taxonomy versions whose snapshots the server accepts (the one it ships)."""
        return frozenset({self.version})


def _default_file() -> Path:
    spec = find_spec("clinician_desk")
    if spec is not None and spec.origin:
        checkout = Path(spec.origin).resolve().parent.parent / "resources" / "taxonomy.json"
        if checkout.is_file():
            return checkout
    return Path(str(resources.files("clinician_desk.resources").joinpath("taxonomy.json")))


@cache
def load_server_taxonomy() -> ServerTaxonomy:
    path = Path(os.environ.get("COUNTY_SERVER_TAXONOMY") or _default_file())
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        names = {str(s["code"]): str(s["name"]) for s in data["services"]}
        return ServerTaxonomy(version=str(data["version"]), names=names)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"taxonomy file {path.name} cannot be read ({exc.__class__.__name__})"
        ) from None
