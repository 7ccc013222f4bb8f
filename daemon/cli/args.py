"""What every command reads from its arguments: the settings (setting the log level they
ask for), the engine, and the moment it runs as (`--now`)."""

from __future__ import annotations

import argparse
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from radiosilence.cli.errors import UsageProblem
from radiosilence.config.settings import Settings, load_settings
from radiosilence.engine import Engine
from radiosilence.runtime.lock import StateLock
from radiosilence.store import Store
from radiosilence.wiring import open_engine


def parse_now(value: str | None, tz: ZoneInfo) -> datetime:
    """--now as an aware UTC datetime; a time without zone is in the user's timezone."""
    if not value:
        return datetime.now(ZoneInfo("UTC"))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise UsageProblem(f"--now {value!r}: not an ISO 8601 time like 2026-03-18T17:00") \
            from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(ZoneInfo("UTC"))


def setup(args: argparse.Namespace) -> tuple[Settings, Engine, datetime]:
    """Settings, engine and moment of a command that syncs (so writes): under the lock."""
    settings = load(args)
    now = parse_now(args.now, settings.user.timezone)
    hold_state(args, settings)
    return settings, open_engine(settings), now


def open_store(args: argparse.Namespace, settings: Settings) -> Store:
    """The store, for a command that writes it, under the lock."""
    hold_state(args, settings)
    return Store(settings.paths.database)


def hold_state(args: argparse.Namespace, settings: Settings) -> StateLock:
    """Take the state's write lock for the rest of the command (the process's exit drops
    it), before the database is opened, so that a migration runs under it too."""
    lock = StateLock(settings.paths.database.parent, str(args.command))
    lock.acquire()
    vars(args)["state_lock"] = lock  # kept alive with the command's arguments
    return lock


def load(args: argparse.Namespace) -> Settings:
    """The settings, with the log level they ask for (unless -v asked for everything).

    A one-shot command prints what it did itself, so its INFO lines would only repeat it:
    it logs warnings and worse, or everything when the config says debug. The service
    (`run`, `serve`) sets the configured level as it is.
    """
    settings = load_settings(args.config)
    vars(args)["database"] = settings.paths.database  # for the error messages of `main`
    if not args.verbose:
        level = settings.logging.level
        logging.getLogger().setLevel("WARNING" if level == "info" else level.upper())
    return settings
