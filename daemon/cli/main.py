"""The `radiosilence` command: thin commands over the engine, errors as one line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs

from radiosilence.apply.drafts import TemplateProblem
from radiosilence.apply.reconcile import BrakeError
from radiosilence.cli.classify import add_classify_command
from radiosilence.config.settings import (
    ConfigError,
    Settings,
    describe_options,
    load_settings,
)
from radiosilence.connectors.base import AuthNeeded, ConnectorError, Unavailable
from radiosilence.engine import CycleReport, Engine
from radiosilence.model import InterviewPlan
from radiosilence.runtime.logs import configure_logging
from radiosilence.runtime.service import AlreadyRunning, run_service, serve_feed
from radiosilence.store import SchemaError, Store
from radiosilence.understand.interviews import interview_id, merge_events, score_event
from radiosilence.wiring import open_engine

log = logging.getLogger("radiosilence")

# Exit codes, so that a service manager can tell "fix your setup" from "try again".
EXIT_CONFIG, EXIT_AUTH, EXIT_SCHEMA, EXIT_BRAKE, EXIT_UNAVAILABLE, EXIT_LOCKED = 2, 3, 4, 5, 6, 7


class UsageProblem(Exception):
    """A command-line value that cannot be used (bad --now, unknown interview id)."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    configure_logging("debug" if args.verbose else "warning", service=False)
    try:
        return int(args.handler(args) or 0)
    except BrokenPipeError:
        # The reader went away (`status | head`): not an error. Point stdout at /dev/null
        # so the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # one line for the user; the traceback with -v
        message, code = _explain(error)
        if args.verbose or code == 1:
            log.exception("failed")
        print(f"radiosilence: {message}", file=sys.stderr)
        return code


def _explain(error: Exception) -> tuple[str, int]:
    """The one-line message and exit code for an error."""
    if isinstance(error, ConfigError):
        return str(error), EXIT_CONFIG
    if isinstance(error, TemplateProblem | UsageProblem):
        return str(error), EXIT_CONFIG
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radiosilence",
        description="Finds job interviews in your mail and calendar, drafts thank-you notes "
                    "and follow-ups for you to review, and publishes reminders. Never sends.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs, tracebacks")
    parser.add_argument("--config", type=Path, help="config file (default: the XDG location)")
    sub = parser.add_subparsers(dest="command", required=True)
    from radiosilence.cli.demo import run_demo  # demo pulls in the bundled sample

    def add(name: str, handler: Any, help_text: str, now: bool = True) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        # Also accepted after the command; SUPPRESS keeps the top-level value otherwise.
        command.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                             help="config file (default: the XDG location)")
        if now:
            command.add_argument("--now", help="pretend it is this time (ISO 8601)")
        return command

    demo = add("demo", run_demo, "run everything on a bundled sample mailbox and calendar")
    demo.add_argument("--dir", type=Path, help="where to put the sample (default: a new "
                      "temporary folder)")
    scan = add("scan", cmd_scan, "one cycle: read, plan, write drafts and the feed")
    scan.add_argument("--dry-run", action="store_true",
                      help="show what would change, change nothing")
    add("plan", cmd_plan, "what the next cycle would do, changing nothing")
    status = add("status", cmd_status, "a table of interviews, their state and what is next")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--all", action="store_true",
                        help="also list the events not taken for interviews, with their ids")
    add("run", cmd_run, "the service: a cycle every few minutes and the feed over HTTP "
        "(--now starts its clock at that time)")
    add("serve", cmd_serve, "only serve the reminder feed over HTTP", now=False)
    add("feed-url", cmd_feed_url, "print the feed's address and how to subscribe", now=False)
    install = add("install-service", cmd_install_service,
                  "write the systemd user unit and print how to enable it", now=False)
    install.add_argument("--template", action="store_true",
                         help="the radiosilence@.service template, one instance per account")
    install.add_argument("--force", action="store_true", help="replace a unit that differs")
    install.add_argument("--unit-dir", type=Path,
                         help="where to write it (default ~/.config/systemd/user)")
    add("auth", cmd_auth, "authorise access to Gmail and Google Calendar (once)", now=False)
    add("check-config", cmd_check_config, "validate the config and list every option", now=False)
    for name, text in (("ignore", "never treat this event as an interview"),
                       ("track", "always treat this event as an interview"),
                       ("untrack", "forget an ignore/track override")):
        command = add(name, cmd_override, text, now=False)
        command.add_argument("interview", help="interview id (iv-...) as `status` shows it")
    note = add("note", cmd_note, "remember what you talked about, for the drafts", now=False)
    note.add_argument("interview", help="interview id (iv-...)")
    note.add_argument("text", help="e.g. 'how they moved billing to event sourcing'")
    note.add_argument("--who", default="", help="the interviewer's address this note is about")
    add_classify_command(sub)
    return parser


# --- wiring ------------------------------------------------------------------------------


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


def _setup(args: argparse.Namespace) -> tuple[Settings, Engine, datetime]:
    settings = _load(args)
    return settings, open_engine(settings), parse_now(args.now, settings.user.timezone)


def _load(args: argparse.Namespace) -> Settings:
    """The settings, with the log level they ask for (unless -v asked for everything).

    A one-shot command prints what it did itself, so its INFO lines would only repeat it:
    it logs warnings and worse, or everything when the config says debug. The service
    (`run`, `serve`) sets the configured level as it is.
    """
    settings = load_settings(args.config)
    if not args.verbose:
        level = settings.logging.level
        logging.getLogger().setLevel("WARNING" if level == "info" else level.upper())
    return settings


# --- commands ----------------------------------------------------------------------------


def cmd_scan(args: argparse.Namespace) -> int:
    settings, engine, now = _setup(args)
    report = engine.cycle(now, dry_run=args.dry_run)
    print_cycle(report, settings, dry_run=args.dry_run)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    settings, engine, now = _setup(args)
    report = engine.cycle(now, dry_run=True)
    print_cycle(report, settings, dry_run=True)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings, engine, now = _setup(args)
    engine.sync(now)
    plans = engine.plan(now)
    if args.json:
        print(json.dumps([_plan_json(p) for p in plans], indent=2))
    else:
        print(status_table(plans, settings.user.timezone))
        if args.all:
            print("\nOther events (`radiosilence track ID` makes one an interview):")
            print(other_events_table(engine, {p.interview.id for p in plans},
                                     settings.user.timezone))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = _load(args)
    configure_logging("debug" if args.verbose else settings.logging.level, service=True)
    start = parse_now(args.now, settings.user.timezone) if args.now else None
    return run_service(args.config, settings, start)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _load(args)
    configure_logging("debug" if args.verbose else settings.logging.level, service=True)
    return serve_feed(settings)


def cmd_feed_url(args: argparse.Namespace) -> int:
    from radiosilence.publish.server import feed_urls, load_or_create_token, subscribe_help

    settings = _load(args)
    url, webcal = feed_urls(settings.feed.host, settings.feed.port,
                            load_or_create_token(settings.state_dir))
    print(f"{url}\n{webcal}\n\n{subscribe_help(url, webcal)}")
    return 0


def cmd_install_service(args: argparse.Namespace) -> int:
    from radiosilence.runtime.install import InstallProblem, install_service, installed_script

    settings = _load(args)
    executable = installed_script()
    if executable is None:
        raise UsageProblem("cannot find the installed `radiosilence` program: "
                           "install the package (pip install .) first")
    state = (platformdirs.user_data_path("radiosilence") if args.template
             else settings.state_dir)
    feed_dir = settings.feed.path.parent
    extra = [] if feed_dir.is_relative_to(settings.state_dir) else [feed_dir]
    try:
        path, commands = install_service(executable, args.unit_dir, args.template,
                                         settings.maildir.path, state,
                                         extra_writable=extra, force=args.force)
    except InstallProblem as error:
        raise UsageProblem(str(error)) from error
    print(f"wrote {path}\nthen run:")
    print("\n".join(f"  {command}" for command in commands))
    return 0


def cmd_auth(args: argparse.Namespace) -> int:
    from radiosilence.cli.auth import authorise

    path = authorise(_load(args))
    print(f"authorised; kept in {path} (readable only by you)")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    settings = _load(args)
    print(f"config OK: {settings.source_file or 'defaults (no config file)'}")
    for name, kind, default, help_text in describe_options():
        print(f"  {name} ({kind}, default {default!r}): {help_text}")
    return 0


def _known_interview(store: Store, ident: str) -> None:
    """Refuse ids that name no event we know: a typo would otherwise be stored silently."""
    known = {interview_id(e.uid, e.recurrence_id) for e in store.events()}
    if ident not in known:
        raise UsageProblem(f"{ident}: no such event; `radiosilence status --all` lists the ids")


def cmd_override(args: argparse.Namespace) -> int:
    settings = _load(args)
    store = Store(settings.paths.database)
    _known_interview(store, args.interview)
    mode = None if args.command == "untrack" else args.command
    with store.transaction():
        store.set_override(args.interview, mode, datetime.now(ZoneInfo("UTC")))
    print(f"{args.interview}: {mode or 'no override'}")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    settings = _load(args)
    store = Store(settings.paths.database)
    _known_interview(store, args.interview)
    with store.transaction():
        store.set_note(args.interview, args.who, args.text, datetime.now(ZoneInfo("UTC")))
    print(f"{args.interview}: note saved; drafts not yet edited by you will use it")
    return 0


# --- output ------------------------------------------------------------------------------


def status_table(plans: list[InterviewPlan], tz: ZoneInfo) -> str:
    rows = [("ID", "COMPANY", "ROLE", "INTERVIEW", "STATE", "NEXT", "DUE")]
    for p in plans:
        iv = p.interview
        rows.append((
            iv.id, iv.company or "?", iv.role or "?",
            iv.start.astimezone(tz).strftime("%a %d %b %H:%M"), str(p.state), p.next_action,
            p.due.astimezone(tz).strftime("%a %d %b %H:%M") if p.due else "-",
        ))
    return _table(rows)


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    """Left-aligned columns, two spaces apart, the first row as the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def other_events_table(engine: Engine, shown: set[str], tz: ZoneInfo) -> str:
    overrides = engine.store.overrides()
    rows = [("ID", "WHEN", "SCORE", "OVERRIDE", "TITLE")]
    for event in merge_events(engine.store.events()):
        ident = interview_id(event.uid, event.recurrence_id)
        if ident in shown:
            continue
        score, _ = score_event(event, engine.user)
        rows.append((ident, event.start.astimezone(tz).strftime("%a %d %b %H:%M"),
                     f"{score:.2f}", overrides.get(ident, "-"), event.summary[:60]))
    return _table(rows)


def print_cycle(report: CycleReport, settings: Settings, *, dry_run: bool) -> None:
    print(status_table(report.plans, settings.user.timezone))
    verb = "would" if dry_run else "did"
    outcome = report.outcome
    print(f"\nDrafts: {verb} create {len(outcome.created)}, update {len(outcome.updated)}, "
          f"remove {len(outcome.removed)}; left {len(outcome.left_edited)} you edited alone")
    for label, keys in (("create", outcome.created), ("update", outcome.updated),
                        ("remove", outcome.removed)):
        for key in keys:
            print(f"  {label}: {key}")
    if report.feed_path:
        print(f"Reminder feed: {report.feed_path}")


def _plan_json(p: InterviewPlan) -> dict[str, Any]:
    iv = p.interview
    return {
        "id": iv.id, "company": iv.company, "role": iv.role, "title": iv.title,
        "start": iv.start.isoformat(), "end": iv.end.isoformat(), "state": str(p.state),
        "next_action": p.next_action, "due": p.due.isoformat() if p.due else None,
        "interviewers": [a.email for a in iv.interviewers],
        "followups": [{"key": f.key, "kind": str(f.kind), "to": [a.email for a in f.to],
                       "due": f.due.isoformat()} for f in p.followups],
    }


if __name__ == "__main__":
    sys.exit(main())
