"""Dashboard accounts: county admins and supervisors, Argon2id passwords, sessions, sign-in
delays, account management.

* Passwords are hashed with ``cryptography``'s Argon2id in PHC string form (parameters travel in
  the string, so they can be raised later). The policy is the vault's (``clinician_desk.vault.
  policy``): at least 12 characters, not on the common-password list, no repeats or keyboard
  runs.
* ``login`` answers the same "wrong username or password" for unknown users and wrong
  passwords, and does the same work for both: exactly one Argon2id verification, against a
  dummy hash made with the server's own parameters when the user is unknown.
* Failed sign-ins slow down the pair (account, source address) only: from the ``threshold``-th
  consecutive failure on, the next attempt from that source must wait 1 s, 2 s, 4 s, … up to
  ``lockout_minutes``. An attempt during the wait is refused without checking the password
  (and does not lengthen the wait); the right password always works once the wait is over, and
  from any other source at once — so nobody can lock a colleague out by typing wrong passwords.
  ``unlock_user`` clears the waits.
* Failed sign-ins reach the audit trail as one row per (account, source, hour); further failures
  in that hour only raise the row's count in ``login_failure_summary`` (shown beside the row), so
  guessing cannot flush the trail.
* Admins can list, disable, enable and unlock accounts and reset a password to a printed
  temporary one that must be changed at the next sign-in (``must_change_password``).
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
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from clinician_desk.errors import UsageError
from clinician_desk.vault.passphrase_policy import check_new_passphrase
from county_server import audit
from county_server.db import Database, Tx, now_iso
from county_server.errors import ConfigError, NotFound, Refused

ROLES = ("admin", "supervisor")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 12


def check_password_policy(password: str) -> None:
    """The vault's policy: 12+ characters, not common, no repeats or keyboard runs."""
    if "\x00" in password or len(password) > 1000:
        raise ConfigError("the password may not contain NUL and must be under 1000 characters")
    try:
        check_new_passphrase(password)
    except UsageError as exc:
        raise ConfigError(f"password: {exc}") from None


@dataclass(frozen=True)
class User:
    username: str
    role: str
    districts: frozenset[str]
    must_change_password: bool = False

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


# One Argon2id computation at a time in this process: two threads inside cryptography's Argon2id
# at once were seen to hang for good (or fail with MemoryError) with cryptography 50 and
# OpenSSL 4, and sign-ins run on the server's thread pool. Each takes ~0.1-0.3 s, and sign-ins
# are rate limited, so queueing them costs nothing a person notices.
_ARGON2_LOCK = threading.Lock()


def hash_password(password: str, memory_kib: int = 65536, iterations: int = 3) -> str:
    kdf = Argon2id(
        salt=os.urandom(16), length=32, iterations=iterations, lanes=4, memory_cost=memory_kib
    )
    with _ARGON2_LOCK:
        return kdf.derive_phc_encoded(password.encode())


def verify_password(password: str, encoded: str) -> bool:
    try:
        with _ARGON2_LOCK:
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
    check_password_policy(password)
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


_DUMMY_HASHES: dict[tuple[int, int], str] = {}
UNKNOWN_ACCOUNT = "(unknown)"
WRONG = "Wrong username or password."


def dummy_hash(memory_kib: int, iterations: int) -> str:
    """A hash of nothing anyone knows, made with the server's parameters (cached)."""
    key = (memory_kib, iterations)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password(secrets.token_urlsafe(24), memory_kib, iterations)
    return _DUMMY_HASHES[key]


@dataclass(frozen=True)
class LoginPolicy:
    threshold: int = 5
    max_delay_seconds: int = 900
    session_hours: int = 8
    memory_kib: int = 65536
    iterations: int = 3


def _delay(failures: int, policy: LoginPolicy) -> int:
    if failures < policy.threshold:
        return 0
    return int(min(policy.max_delay_seconds, 2 ** min(failures - policy.threshold, 30)))


def _note_failure(tx: Tx, now: datetime, account: str, source: str, reason: str) -> None:
    """Audit one row per (account, source, hour); count the rest in the summary."""
    window = now_iso(now)[:13] + ":00:00Z"
    key = (window, account, source)
    bump = (
        "UPDATE login_failure_summary SET failures = failures + 1 WHERE window_start = ? "
        "AND username = ? AND source = ?"
    )
    if tx.execute(bump, key):
        return
    # First failure of this hour: claim the summary row (a concurrent claimer wins; then count).
    if not tx.execute(
        "INSERT INTO login_failure_summary (window_start, username, source, failures, audit_id) "
        "VALUES (?, ?, ?, 1, NULL) ON CONFLICT DO NOTHING",
        key,
    ):
        tx.execute(bump, key)
        return
    audit_id = audit.record(
        tx,
        now,
        account if account != UNKNOWN_ACCOUNT else "anonymous",
        "login_failed",
        {"username": account, "source": source, "reason": reason, "window": window},
    )
    tx.execute(
        "UPDATE login_failure_summary SET audit_id = ? WHERE window_start = ? AND username = ? "
        "AND source = ?",
        (audit_id, *key),
    )


def login(
    db: Database,
    username: str,
    password: str,
    *,
    now: datetime,
    source: str = "unknown",
    policy: LoginPolicy | None = None,
) -> tuple[str, Session]:
    """Returns (cookie token, session) or raises Refused with a message safe to show."""
    policy = policy or LoginPolicy()
    name = clean_text(username).strip().lower()[:40]
    source = clean_text(source)[:64] or "unknown"
    known_name = bool(_USERNAME.match(name))
    refusal: str | None = None
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    stamp = int(now.timestamp())
    row = None
    # The transaction commits the failure counters and audit rows; the refusal is raised after.
    with db.transaction() as tx:
        if known_name:
            row = tx.one(
                "SELECT role, password_hash, districts, disabled_at, must_change_password "
                "FROM users WHERE username = ?",
                (name,),
            )
        account = name if row is not None else UNKNOWN_ACCOUNT
        key = name if known_name else UNKNOWN_ACCOUNT
        throttle = tx.one(
            "SELECT failures, next_allowed_unix FROM login_throttle WHERE username = ? "
            "AND source = ?",
            (key, source),
        )
        failures = int(throttle[0]) if throttle else 0
        if throttle is not None and int(throttle[1]) > stamp:
            wait = int(throttle[1]) - stamp
            _note_failure(tx, now, account, source, "waiting")
            refusal = (
                f"Too many failed sign-ins from here; wait {wait} s and try again. "
                "A county admin can clear the wait (unlock-user)."
            )
        else:
            encoded = str(row[1]) if row is not None else None
            # Exactly one Argon2id verification either way (no username discovery by timing).
            ok = verify_password(
                password, encoded or dummy_hash(policy.memory_kib, policy.iterations)
            )
            if row is None or not ok:
                # Counted in SQL (concurrent failures must not overwrite each other's count);
                # the row stays locked for the rest of this transaction.
                counted = tx.one(
                    "INSERT INTO login_throttle (username, source, failures, next_allowed_unix) "
                    "VALUES (?, ?, 1, ?) ON CONFLICT (username, source) DO UPDATE SET "
                    "failures = login_throttle.failures + 1 RETURNING failures",
                    (key, source, stamp),
                )
                failures = int(counted[0]) if counted else failures + 1
                tx.execute(
                    "UPDATE login_throttle SET next_allowed_unix = ? WHERE username = ? "
                    "AND source = ?",
                    (stamp + _delay(failures, policy), key, source),
                )
                _note_failure(
                    tx, now, account, source, "unknown user" if row is None else "wrong password"
                )
                refusal = WRONG
            elif row[3] is not None:
                audit.record(tx, now, name, "login_refused_disabled", {"source": source})
                refusal = "This account is disabled. Ask a county admin."
            else:
                tx.execute(
                    "DELETE FROM login_throttle WHERE username = ? AND source = ?", (key, source)
                )
                tx.execute(
                    "INSERT INTO sessions (token_hash, username, csrf_token, created_at, "
                    "expires_at) VALUES (?, ?, ?, ?, ?)",
                    (
                        _hash_token(token),
                        name,
                        csrf,
                        now_iso(now),
                        now_iso(now + timedelta(hours=policy.session_hours)),
                    ),
                )
                tx.execute("DELETE FROM sessions WHERE expires_at < ?", (now_iso(now),))
                audit.record(tx, now, name, "login", {"source": source})
    if refusal is not None or row is None:
        raise Refused(refusal or WRONG)
    user = User(name, str(row[0]), frozenset(json.loads(row[2])), bool(row[4]))
    return token, Session(user, csrf)


def clean_text(text: str) -> str:
    """Text with control and bidi-format characters removed (they never belong in a name)."""
    return "".join(ch for ch in text if ch.isprintable() or ch == " ")


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    districts: tuple[str, ...]
    created_at: str
    disabled: bool
    must_change_password: bool
    waiting_sources: int


def list_users(tx: Tx) -> list[Account]:
    rows = tx.all(
        "SELECT u.username, u.role, u.districts, u.created_at, u.disabled_at, "
        "u.must_change_password, (SELECT COUNT(*) FROM login_throttle t "
        "WHERE t.username = u.username AND t.failures > 0) FROM users u ORDER BY u.username"
    )
    return [
        Account(
            str(r[0]),
            str(r[1]),
            tuple(json.loads(r[2])),
            str(r[3]),
            r[4] is not None,
            bool(r[5]),
            int(r[6]),
        )
        for r in rows
    ]


def _require_user(tx: Tx, username: str) -> None:
    if not _USERNAME.match(username) or (
        tx.one("SELECT 1 FROM users WHERE username = ?", (username,)) is None
    ):
        raise NotFound(f"no user {clean_text(username)[:40]!r} (see list-users)")


def set_disabled(db: Database, username: str, disabled: bool, *, now: datetime, actor: str) -> None:
    """Disable (and sign out) or enable an account. The last enabled admin cannot be disabled."""
    with db.transaction() as tx:
        _require_user(tx, username)
        if disabled:
            others = tx.scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL "
                "AND username <> ?",
                (username,),
            )
            role = tx.scalar("SELECT role FROM users WHERE username = ?", (username,))
            if role == "admin" and int(others) == 0:
                raise Refused("this is the last enabled admin; add or enable another first")
            tx.execute(
                "UPDATE users SET disabled_at = COALESCE(disabled_at, ?) WHERE username = ?",
                (now_iso(now), username),
            )
            tx.execute("DELETE FROM sessions WHERE username = ?", (username,))
        else:
            tx.execute("UPDATE users SET disabled_at = NULL WHERE username = ?", (username,))
        audit.record(
            tx, now, actor, "user_disabled" if disabled else "user_enabled", {"username": username}
        )


def unlock_user(db: Database, username: str, *, now: datetime, actor: str) -> int:
    """Clear the sign-in waits of an account (every source); returns how many were cleared."""
    with db.transaction() as tx:
        _require_user(tx, username)
        n = int(tx.scalar("SELECT COUNT(*) FROM login_throttle WHERE username = ?", (username,)))
        tx.execute("DELETE FROM login_throttle WHERE username = ?", (username,))
        audit.record(tx, now, actor, "user_unlocked", {"username": username, "sources": n})
    return n


def reset_password(
    db: Database,
    username: str,
    *,
    now: datetime,
    actor: str,
    memory_kib: int = 65536,
    iterations: int = 3,
) -> str:
    """Set a random temporary password (returned, to hand over) that must be changed at the
    next sign-in; signs the account out everywhere and clears its waits."""
    temporary = "-".join(secrets.token_hex(3) for _ in range(4))
    encoded = hash_password(temporary, memory_kib, iterations)
    with db.transaction() as tx:
        _require_user(tx, username)
        tx.execute(
            "UPDATE users SET password_hash = ?, must_change_password = 1 WHERE username = ?",
            (encoded, username),
        )
        tx.execute("DELETE FROM sessions WHERE username = ?", (username,))
        tx.execute("DELETE FROM login_throttle WHERE username = ?", (username,))
        audit.record(tx, now, actor, "password_reset", {"username": username})
    return temporary


def change_password(
    db: Database,
    username: str,
    current: str,
    new: str,
    *,
    now: datetime,
    memory_kib: int = 65536,
    iterations: int = 3,
) -> None:
    """The signed-in user's own change (required after a reset)."""
    check_password_policy(new)
    if new == current:
        raise ConfigError("the new password must differ from the current one")
    with db.transaction() as tx:
        stored = tx.scalar("SELECT password_hash FROM users WHERE username = ?", (username,))
        if stored is None or not verify_password(current, str(stored)):
            raise Refused("The current password is wrong.")
        tx.execute(
            "UPDATE users SET password_hash = ?, must_change_password = 0 WHERE username = ?",
            (hash_password(new, memory_kib, iterations), username),
        )
        audit.record(tx, now, username, "password_changed", {})


def session_for(tx: Tx, token: str | None, now: datetime) -> Session | None:
    if not token or len(token) > 100:
        return None
    if any(not ch.isprintable() for ch in token):
        return None
    row = tx.one(
        "SELECT u.username, u.role, u.districts, s.csrf_token, u.must_change_password "
        "FROM sessions s JOIN users u ON u.username = s.username "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL",
        (_hash_token(token), now_iso(now)),
    )
    if row is None:
        return None
    return Session(User(row[0], row[1], frozenset(json.loads(row[2])), bool(row[4])), row[3])


def logout(db: Database, token: str, now: datetime, username: str) -> None:
    with db.transaction() as tx:
        tx.execute("DELETE FROM sessions WHERE token_hash = ?", (_hash_token(token),))
        audit.record(tx, now, username, "logout", {})


def csrf_ok(session: Session, submitted: str | None) -> bool:
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, not a "no").
    given = (submitted or "").encode("utf-8", "replace")
    return bool(submitted) and hmac.compare_digest(session.csrf_token.encode(), given)
