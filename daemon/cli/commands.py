"""The commands: each reads its arguments, calls the engine or the store, prints the result.
Errors are raised, never printed: `main` renders every one of them the same way."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

import platformdirs

from radiosilence.apply.reconcile import (
    BrakeError,
    Draft,
    Observed,
    check_brake,
    decide,
    hold_back,
)
from radiosilence.cli.args import hold_state, load, open_store, parse_now, setup
from radiosilence.cli.errors import UsageProblem
from radiosilence.cli.output import (
    held_back_lines,
    other_events_table,
    plan_json,
    print_cycle,
    print_stale,
    status_table,
)
from radiosilence.config.settings import ConfigError, describe_options
from radiosilence.engine import Engine
from radiosilence.model import InterviewPlan
from radiosilence.runtime.lock import AlreadyRunning, service_holder
from radiosilence.runtime.logs import configure_logging
from radiosilence.runtime.service import run_service, serve_feed
from radiosilence.statefile import marker_path
from radiosilence.store import Store
from radiosilence.understand.interviews import interview_id


def cmd_scan(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    report = engine.cycle(now, dry_run=args.dry_run)
    print_cycle(report, settings, dry_run=args.dry_run)
    _print_held_back(report.outcome.stalled, report.plans, engine)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    report = engine.cycle(now, dry_run=True)
    print_cycle(report, settings, dry_run=True)
    _print_held_back(report.outcome.stalled, report.plans, engine)
    return 0


def _print_held_back(stalled: dict[str, int], plans: list[InterviewPlan],
                     engine: Engine) -> None:
    for line in held_back_lines(stalled, plans, engine.options.max_new_drafts):
        print(line)


def _brake_status(engine: Engine, plans: list[InterviewPlan],
                  desired: Mapping[str, Draft]) -> None:
    """What the brake would hold back next cycle (`desired`: the drafts it wants). From the
    store alone, without asking the mailbox (a status must not spend Gmail quota): the
    drafts it would create are the ones it holds no record of."""
    recorded = engine.store.actions()
    limit = engine.options.max_new_drafts
    ops, stalled = hold_back(decide(recorded, Observed(), desired), recorded, desired, limit)
    try:
        check_brake(ops, limit)
    except BrakeError as error:
        print(f"\nStopped by the draft brake: {error}")
    if stalled:
        print()
        _print_held_back(stalled, plans, engine)


def cmd_status(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    engine.sync(now)
    plans = engine.plan(now)
    wanted = engine.drafts_for(plans, now)
    stale = engine.stale_drafts(plans, wanted)
    reminders = {r.key: r for r in engine.reminders(plans, now, stale)}
    if args.json:
        print(json.dumps([plan_json(p, reminders) for p in plans], indent=2))
    else:
        print(status_table(plans, settings.user.timezone, now))
        print_stale(stale)
        _brake_status(engine, plans, wanted)
        if args.all:
            print("\nOther events (`radiosilence track ID` makes one an interview):")
            print(other_events_table(engine, {p.interview.id for p in plans},
                                     settings.user.timezone))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = load(args)
    configure_logging("debug" if args.verbose else settings.logging.level, service=True)
    start = parse_now(args.now, settings.user.timezone) if args.now else None
    return run_service(args.config, settings, start)


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load(args)
    configure_logging("debug" if args.verbose else settings.logging.level, service=True)
    return serve_feed(settings)


def cmd_feed_url(args: argparse.Namespace) -> int:
    from radiosilence.publish.server import feed_urls, load_or_create_token, subscribe_help

    settings = load(args)
    url, webcal = feed_urls(settings.feed.host, settings.feed.port,
                            load_or_create_token(settings.state_dir))
    print(f"{url}\n{webcal}\n\n{subscribe_help(url, webcal)}")
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    """The status page's address; opened in a browser where a desktop is at hand."""
    import os
    import webbrowser

    from radiosilence.publish.server import feed_urls, load_or_create_token

    settings = load(args)
    url = feed_urls(settings.feed.host, settings.feed.port,
                    load_or_create_token(settings.state_dir))[0].rpartition("/")[0] + "/"
    print(url)
    print("(served while `radiosilence run` or `radiosilence serve` runs; keep it private)")
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        webbrowser.open(url)
    return 0


def cmd_install_service(args: argparse.Namespace) -> int:
    from radiosilence.runtime.install import InstallProblem, install_service, installed_script

    settings = load(args)
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

    path = authorise(load(args))
    print(f"authorised; kept in {path} (readable only by you)")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """Every check `scan` and `run` make, without writing: problems raise ConfigError."""
    from radiosilence.cli.checks import setup_problems

    settings = load(args)
    problems, warnings = setup_problems(settings)
    for warning in warnings:
        print(f"warning: {warning}")
    if problems:
        raise ConfigError(problems)
    print(f"config OK: {settings.source_file}")
    for name, kind, default, help_text in describe_options():
        print(f"  {name} ({kind}, default {default!r}): {help_text}")
    return 0


def _known_interview(store: Store, ident: str) -> set[str]:
    """Refuse ids that name no event we know: a typo would otherwise be stored silently.
    Returns the addresses of the people in that event."""
    events = [e for e in store.events() if interview_id(e.uid, e.recurrence_id) == ident]
    if not events:
        raise UsageProblem(f"{ident}: no such event; `radiosilence status --all` lists the ids")
    return {person.email.lower() for e in events  # people, not rooms or mailing lists
            for person in (*e.attendees, *([e.organizer] if e.organizer else []))
            if person.cutype in ("INDIVIDUAL", "UNKNOWN", "")}


def cmd_override(args: argparse.Namespace) -> int:
    store = open_store(args, load(args))
    _known_interview(store, args.interview)
    mode = None if args.command == "untrack" else args.command
    with store.transaction():
        store.set_override(args.interview, mode, datetime.now(ZoneInfo("UTC")))
    print(f"{args.interview}: {mode or 'no override'}")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    settings = load(args)
    store = open_store(args, settings)
    people = _known_interview(store, args.interview) - {a.lower() for a in settings.user.addresses}
    if args.who and args.who.strip().lower() not in people:
        raise UsageProblem(f"--who {args.who}: nobody of that address is in {args.interview}; "
                           f"give one of {', '.join(sorted(people)) or '(nobody listed)'}")
    with store.transaction():
        store.set_note(args.interview, args.who, args.text, datetime.now(ZoneInfo("UTC")))
    print(f"{args.interview}: note saved; drafts not yet edited by you will use it")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    store = open_store(args, load(args))
    print(f"state saved to {store.backup(datetime.now(ZoneInfo('UTC')))}")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Start over: the database and its marker are moved aside, never deleted."""
    settings = load(args)
    hold_state(args, settings)
    database = settings.paths.database
    if (running := service_holder(database)) is not None:  # it would go on in the old file
        raise AlreadyRunning(f"radiosilence run is using {database} ({running}): stop it "
                             "(systemctl --user stop radiosilence), then reset")
    stamp = datetime.now(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")
    moved = []
    for path in (database, database.with_name(database.name + "-wal"),
                 database.with_name(database.name + "-shm"), marker_path(database)):
        if path.exists():
            path.rename(path.with_name(f"{path.name}.before-reset-{stamp}"))
            moved.append(path.name)
    if not moved:
        print(f"{database}: nothing to reset")
        return 0
    print(f"{database}: moved aside ({', '.join(moved)} now end in .before-reset-{stamp}); "
          "the next cycle starts a new state and may write again drafts you deleted")
    return 0
