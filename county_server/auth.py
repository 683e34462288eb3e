"""Dashboard accounts: county admins and supervisors, Argon2id passwords, sessions, lockout.

* Passwords are hashed with ``cryptography``'s Argon2id in PHC string form (parameters travel in
  the string, so they can be raised later). At least 12 characters.
* ``login`` answers the same "wrong username or password" for unknown users and wrong
  passwords; after ``threshold`` consecutive failures the account is locked for
  ``lockout_minutes`` (even the right password is refused meanwhile). Each outcome is audited.
* A session is a random 256-bit token in an HttpOnly, SameSite=Strict, Secure cookie; only its
  SHA-256 is stored, with a per-session CSRF token that every form must echo.
* A supervisor sees only the districts assigned to them; an admin sees all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from county_server import audit
from county_server.db import Database, Tx, now_iso
from county_server.errors import ConfigError, NotFound, Refused

ROLES = ("admin", "supervisor")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 12


@dataclass(frozen=True)
class User:
    username: str
    role: str
    districts: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def allowed_districts(self) -> frozenset[str] | None:
        """None means every district."""
        return None if self.is_admin else self.districts


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


def hash_password(password: str, memory_kib: int = 65536, iterations: int = 3) -> str:
    kdf = Argon2id(
        salt=os.urandom(16), length=32, iterations=iterations, lanes=4, memory_cost=memory_kib
    )
    return kdf.derive_phc_encoded(password.encode())


def verify_password(password: str, encoded: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), encoded)
    except (InvalidKey, ValueError):
        return False
    return True


def add_user(
    db: Database,
    username: str,
    role: str,
    password: str,
    districts: list[str],
    *,
    now: datetime,
    actor: str,
    memory_kib: int = 65536,
    iterations: int = 3,
) -> None:
    if not _USERNAME.match(username):
        raise ConfigError("username: 2–40 characters of a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise ConfigError("--role must be admin or supervisor")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password needs at least {MIN_PASSWORD} characters")
    if role == "supervisor" and not districts:
        raise ConfigError("a supervisor needs --districts (district CDS codes)")
    encoded = hash_password(password, memory_kib, iterations)
    with db.transaction() as tx:
        for d in districts:
            if tx.one("SELECT 1 FROM districts WHERE code = ?", (d,)) is None:
                raise NotFound(f"district {d[:20]!r} is not in the directory")
        if tx.one("SELECT 1 FROM users WHERE username = ?", (username,)) is not None:
            raise Refused(f"user {username} already exists")
        tx.execute(
            "INSERT INTO users (username, role, password_hash, districts, failed_logins, "
            "locked_until, created_at) VALUES (?, ?, ?, ?, 0, NULL, ?)",
            (username, role, encoded, json.dumps(sorted(districts)), now_iso(now)),
        )
        audit.record(
            tx,
            now,
            actor,
            "user_added",
            {"username": username, "role": role, "districts": sorted(districts)},
        )


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_DUMMY_HASH: list[str] = []


def login(
    db: Database,
    username: str,
    password: str,
    *,
    now: datetime,
    threshold: int,
    lockout_minutes: int,
    session_hours: int,
) -> tuple[str, Session]:
    """Returns (cookie token, session) or raises Refused with a message safe to show."""
    wrong = "Wrong username or password."
    name = username.strip().lower()[:40]
    refusal: str | None = None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    # The transaction commits the failure counters and audit rows; the refusal is raised after.
    with db.transaction() as tx:
        row = tx.one(
            "SELECT role, password_hash, districts, failed_logins, locked_until FROM users "
            "WHERE username = ?",
            (name,),
        )
        if row is None:
            if not _DUMMY_HASH:
                _DUMMY_HASH.append(hash_password("not-a-real-password", 8192, 1))
            verify_password(password, _DUMMY_HASH[0])
            audit.record(tx, now, "anonymous", "login_failed", {"reason": "unknown user"})
            refusal = wrong
        else:
            role, encoded, districts, failed, locked_until = row
            if locked_until is not None and str(locked_until) > now_iso(now):
                audit.record(tx, now, name, "login_refused_locked", {})
                refusal = (
                    "Too many failed sign-ins; this account is locked for a while. "
                    "Ask a county admin if you need it sooner."
                )
            elif not verify_password(password, str(encoded)):
                failed = int(failed) + 1
                locked = failed >= threshold
                until = now_iso(now + timedelta(minutes=lockout_minutes)) if locked else None
                tx.execute(
                    "UPDATE users SET failed_logins = ?, locked_until = ? WHERE username = ?",
                    (0 if locked else failed, until, name),
                )
                audit.record(tx, now, name, "login_failed", {"locked": locked})
                refusal = wrong
            else:
                tx.execute(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = ?",
                    (name,),
                )
                tx.execute(
                    "INSERT INTO sessions (token_hash, username, csrf_token, created_at, "
                    "expires_at) VALUES (?, ?, ?, ?, ?)",
                    (
                        _hash_token(token),
                        name,
                        csrf,
                        now_iso(now),
                        now_iso(now + timedelta(hours=session_hours)),
                    ),
                )
                tx.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(now),))
                audit.record(tx, now, name, "login", {})
    if refusal is not None or row is None:
        raise Refused(refusal or wrong)
    user = User(name, str(role), frozenset(json.loads(districts)))
    return token, Session(user, csrf)


def session_for(tx: Tx, token: str | None, now: datetime) -> Session | None:
    if not token or len(token) > 100:
        return None
    row = tx.one(
        "SELECT u.username, u.role, u.districts, s.csrf_token FROM sessions s "
        "JOIN users u ON u.username = s.username WHERE s.token_hash = ? AND s.expires_at > ?",
        (_hash_token(token), now_iso(now)),
    )
    if row is None:
        return None
    return Session(User(row[0], row[1], frozenset(json.loads(row[2]))), row[3])


def logout(db: Database, token: str, now: datetime, username: str) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash_token(token),))
        audit.record(tx, now, username, "logout", {})


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")
