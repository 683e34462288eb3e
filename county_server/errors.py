"""Errors the county server's CLI and web layer know how to show (one clear line, no traceback)."""

from __future__ import annotations


class ServerError(Exception):
    """Base of every error meant for an operator. ``exit_code`` is used by the CLI."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ServerError):
    """A bad option, URL, file or argument."""

    exit_code = 2


class DatabaseError(ServerError):
    """The database cannot be used (unreachable, newer schema, not ours)."""

    exit_code = 3


class NotFound(ServerError):
    """A named thing (user, device, district, period) does not exist."""

    exit_code = 2


class Refused(ServerError):
    """An action is refused by a rule (locked account, wrong password, closed period)."""

    exit_code = 2
