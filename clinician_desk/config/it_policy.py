"""Machine-wide policy preset by district IT, read-only to the clinician.

District IT deploys the app silently and may preset, for every user of a machine:

* ``server_url`` — the county server's base URL (``https://…``);
* ``ca_bundle`` — path to a PEM bundle for an inspecting school proxy;
* ``auto_lock_minutes`` — idle minutes before the app locks (at least 1);
* ``auto_sync`` — ``false`` turns off the desktop app's automatic background sync (default on;
  "Sync now" still works);
* ``county_crisis_line`` — the county's 24/7 crisis line printed on every safety plan and
  crisis handout (e.g. ``"(916) 555-0100"``; wins over ``resources/handouts/contacts.json``).

Where it is read from:

* Windows: registry ``HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\clinician-desk`` (values
  ``ServerUrl`` REG_SZ, ``CaBundle`` REG_SZ or REG_EXPAND_SZ, ``AutoLockMinutes`` REG_DWORD,
  ``AutoSync`` REG_DWORD 0/1, ``CountyCrisisLine`` REG_SZ), set by Group Policy with
  ``packaging/windows/clinician-desk.admx``, by Intune, or by the MSI;
* Linux and others: ``/etc/clinician-desk/policy.json``
  (``{"server_url": …, "ca_bundle": …, "auto_lock_minutes": …, "auto_sync": true,
  "county_crisis_line": …}``);
* ``CLINICIAN_DESK_POLICY_FILE`` names another JSON file (used by tests and by IT to trial a
  policy); it is consulted instead of the default file, never in addition.

A value set by policy wins over the clinician's own setting and is shown read-only. A policy
file that cannot be parsed is reported with ``ValidationError`` naming the file and field,
rather than silently ignored: an unreadable lock-time policy must not fall back to "never".
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinician_desk.errors import ValidationError
from clinician_desk.messages import M

DEFAULT_POLICY_FILE = Path("/etc/clinician-desk/policy.json")
REGISTRY_KEY = r"SOFTWARE\Policies\clinician-desk"
DEFAULT_AUTO_LOCK_MINUTES = 5
_KNOWN = {"server_url", "ca_bundle", "auto_lock_minutes", "auto_sync", "county_crisis_line"}


@dataclass(frozen=True)
class Policy:
    server_url: str | None = None
    ca_bundle: str | None = None
    auto_lock_minutes: int | None = None
    auto_sync: bool | None = None
    source: str | None = None
    locked: frozenset[str] = field(default_factory=frozenset)
    county_crisis_line: str | None = None

    def is_locked(self, name: str) -> bool:
        """True when IT has set ``name``; the clinician may not change it."""
        return name in self.locked

    def effective_auto_lock_minutes(self, user_choice: int | None = None) -> int:
        if self.auto_lock_minutes is not None:
            return self.auto_lock_minutes
        if user_choice is not None and user_choice >= 1:
            return user_choice
        return DEFAULT_AUTO_LOCK_MINUTES

    @property
    def automatic_sync(self) -> bool:
        """Background sync is on unless IT turned it off."""
        return self.auto_sync is not False


def parse_policy(data: Any, source: str) -> Policy:
    """Validates a policy mapping; raises ValidationError naming the source and field."""
    if not isinstance(data, dict):
        raise ValidationError(M("{source}: the policy must be a JSON object", source=source))
    unknown = set(data) - _KNOWN
    if unknown:
        raise ValidationError(
            M(
                "{source}: unknown policy field(s) {fields}",
                source=source,
                fields=", ".join(sorted(unknown)),
            )
        )
    server_url = data.get("server_url")
    if server_url is not None:
        if not isinstance(server_url, str) or not server_url.startswith(("https://", "http://")):
            raise ValidationError(M("{source}: server_url must be an http(s) URL", source=source))
        if server_url.startswith("http://") and not _is_loopback_url(server_url):
            raise ValidationError(
                M("{source}: server_url must use https (except for loopback)", source=source)
            )
    ca_bundle = data.get("ca_bundle")
    if ca_bundle is not None and (not isinstance(ca_bundle, str) or not ca_bundle):
        raise ValidationError(M("{source}: ca_bundle must be a file path", source=source))
    minutes = data.get("auto_lock_minutes")
    if minutes is not None and (
        isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 240
    ):
        raise ValidationError(
            M("{source}: auto_lock_minutes must be a whole number 1–240", source=source)
        )
    auto_sync = data.get("auto_sync")
    if isinstance(auto_sync, int) and not isinstance(auto_sync, bool) and auto_sync in (0, 1):
        auto_sync = bool(auto_sync)  # a registry DWORD
    if auto_sync is not None and not isinstance(auto_sync, bool):
        raise ValidationError(M("{source}: auto_sync must be true or false", source=source))
    county = data.get("county_crisis_line")
    if county is not None and (
        not isinstance(county, str)
        or not 3 <= sum(ch.isdigit() for ch in county) <= 20
        or len(county) > 40
        or not county.isprintable()
    ):
        raise ValidationError(
            M(
                "{source}: county_crisis_line must be a phone number such as (916) 555-0100",
                source=source,
            )
        )
    locked = frozenset(k for k in _KNOWN if data.get(k) is not None)
    return Policy(
        server_url,
        ca_bundle,
        minutes,
        auto_sync,
        source,
        locked,
        county.strip() if county else None,
    )


def _is_loopback_url(url: str) -> bool:
    rest = url.split("://", 1)[1]
    host = rest.split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    return host in {"localhost", "127.0.0.1", "::1"}


def _read_registry() -> dict[str, Any] | None:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        return None
    import winreg

    names = {
        "ServerUrl": "server_url",
        "CaBundle": "ca_bundle",
        "AutoLockMinutes": "auto_lock_minutes",
        "AutoSync": "auto_sync",
        "CountyCrisisLine": "county_crisis_line",
    }
    try:
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY)
    except OSError:
        return None
    out: dict[str, Any] = {}
    with key:
        for reg_name, field_name in names.items():
            try:
                value, kind = winreg.QueryValueEx(key, reg_name)
            except OSError:
                continue
            if kind == winreg.REG_EXPAND_SZ and isinstance(value, str):
                value = winreg.ExpandEnvironmentStrings(value)  # e.g. %ProgramData%\certs
            out[field_name] = value
    return out


def load_policy() -> Policy:
    """The machine's policy; an empty Policy when none is set."""
    override = os.environ.get("CLINICIAN_DESK_POLICY_FILE")
    if override is None and sys.platform == "win32":  # pragma: no cover - Windows only
        data = _read_registry()
        return parse_policy(data, "registry policy") if data else Policy()
    path = Path(override) if override else DEFAULT_POLICY_FILE
    if not path.exists():
        return Policy()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise ValidationError(
            M("{path}: the policy file is not readable JSON", path=path)
        ) from None
    return parse_policy(data, str(path))
