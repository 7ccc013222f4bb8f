"""Errors as the user sees them: one line with the remedy, and an exit code a service
manager can act on ("fix your setup" is not restarted; "try again" is)."""

from __future__ import annotations

from radiosilence.apply.reconcile import BrakeError
from radiosilence.config.settings import ConfigError
from radiosilence.connectors.base import AuthNeeded, ConnectorError, Refused, Unavailable
from radiosilence.render import TemplateProblem
from radiosilence.runtime.lock import AlreadyRunning
from radiosilence.store import SchemaError

# The systemd units list 2, 3, 4 and 7 in RestartPreventExitStatus.
EXIT_CONFIG, EXIT_AUTH, EXIT_SCHEMA, EXIT_BRAKE, EXIT_UNAVAILABLE, EXIT_LOCKED = 2, 3, 4, 5, 6, 7


class UsageProblem(Exception):
    """A command-line value that cannot be used (bad --now, unknown interview id)."""


def explain(error: Exception) -> tuple[str, int]:
    """The one-line message and exit code for an error."""
    if isinstance(error, ConfigError):
        return str(error), EXIT_CONFIG
    if isinstance(error, TemplateProblem | UsageProblem):
        return str(error), EXIT_CONFIG
    if isinstance(error, Refused):  # a password or link of the config: its own remedy
        return str(error), EXIT_AUTH
    if isinstance(error, AuthNeeded):
        return "authorisation expired or revoked: run `radiosilence auth`", EXIT_AUTH
    if isinstance(error, SchemaError):
        return str(error), EXIT_SCHEMA
    if isinstance(error, AlreadyRunning):
        return str(error), EXIT_LOCKED
    if isinstance(error, BrakeError):
        return f"stopped: {error}", EXIT_BRAKE
    if isinstance(error, Unavailable | ConnectorError):
        return f"source unavailable: {error}", EXIT_UNAVAILABLE
    return f"unexpected error: {error} (run with -v for details)", 1
