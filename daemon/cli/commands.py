"""The commands: each reads its arguments, calls the engine or the store, prints the result.
Errors are raised, never printed: `main` renders every one of them the same way."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import platformdirs

from radiosilence.cli.args import load, parse_now, setup
from radiosilence.cli.errors import UsageProblem
from radiosilence.cli.output import (
    other_events_table,
    plan_json,
    print_cycle,
    print_stale,
    status_table,
)
from radiosilence.config.settings import describe_options
from radiosilence.runtime.logs import configure_logging
from radiosilence.runtime.service import run_service, serve_feed
from radiosilence.store import Store
from radiosilence.understand.interviews import interview_id


def cmd_scan(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    report = engine.cycle(now, dry_run=args.dry_run)
    print_cycle(report, settings, dry_run=args.dry_run)
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    report = engine.cycle(now, dry_run=True)
    print_cycle(report, settings, dry_run=True)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    engine.sync(now)
    plans = engine.plan(now)
    stale = engine.stale_drafts(plans, engine.drafts_for(plans, now))
    reminders = {r.key: r for r in engine.reminders(plans, now, stale)}
    if args.json:
        print(json.dumps([plan_json(p, reminders) for p in plans], indent=2))
    else:
        print(status_table(plans, settings.user.timezone, now))
        print_stale(stale)
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
    settings = load(args)
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
    settings = load(args)
    store = Store(settings.paths.database)
    _known_interview(store, args.interview)
    mode = None if args.command == "untrack" else args.command
    with store.transaction():
        store.set_override(args.interview, mode, datetime.now(ZoneInfo("UTC")))
    print(f"{args.interview}: {mode or 'no override'}")
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    settings = load(args)
    store = Store(settings.paths.database)
    _known_interview(store, args.interview)
    with store.transaction():
        store.set_note(args.interview, args.who, args.text, datetime.now(ZoneInfo("UTC")))
    print(f"{args.interview}: note saved; drafts not yet edited by you will use it")
    return 0
