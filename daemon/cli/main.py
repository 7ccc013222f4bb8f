"""The `radiosilence` command: the parser, and one place that turns errors into one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from radiosilence.cli.classify import add_classify_command
from radiosilence.cli.commands import (
    cmd_auth,
    cmd_backup,
    cmd_check_config,
    cmd_feed_url,
    cmd_install_service,
    cmd_note,
    cmd_open,
    cmd_override,
    cmd_plan,
    cmd_reset,
    cmd_run,
    cmd_scan,
    cmd_serve,
    cmd_status,
)
from radiosilence.cli.demo import run_demo
from radiosilence.cli.errors import explain
from radiosilence.cli.review import add_review_commands
from radiosilence.cli.setup import add_setup_command
from radiosilence.runtime.logs import configure_logging

log = logging.getLogger("radiosilence")


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
        message, code = explain(error, getattr(args, "database", None))
        if args.verbose:  # the traceback only when asked for: the line says what to do
            log.exception("failed")
        print(f"radiosilence: {message}", file=sys.stderr)
        return code
    finally:  # the process may go on (tests, a caller): the next writer must get in
        if (lock := getattr(args, "state_lock", None)) is not None:
            lock.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="radiosilence",
        description="Finds job interviews in your mail and calendar, drafts thank-you notes "
                    "and follow-ups for you to review, and publishes reminders. Never sends.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs, tracebacks")
    parser.add_argument("--config", type=Path, help="config file (default: the XDG location)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Any, help_text: str, now: bool = True) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(handler=handler)
        # Also accepted after the command; SUPPRESS keeps the top-level value otherwise.
        command.add_argument("--config", type=Path, default=argparse.SUPPRESS,
                             help="config file (default: the XDG location)")
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="debug logs, tracebacks")
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
    add("open", cmd_open, "the status page's address (opened in a browser where one is at "
        "hand)", now=False)
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
    add("backup", cmd_backup, "save a consistent copy of the state in its backups folder",
        now=False)
    add("reset", cmd_reset, "start over with a new state (the old one is moved aside); "
        "drafts you deleted may be written again", now=False)
    classify = add_classify_command(sub)
    classify.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                          help="debug logs, tracebacks")
    add_review_commands(add)
    add_setup_command(add)
    return parser


if __name__ == "__main__":
    sys.exit(main())
