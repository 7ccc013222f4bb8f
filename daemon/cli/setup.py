"""`radiosilence setup`: from "which mail provider?" to a tested config in a few minutes.

It asks what it needs (or takes it from flags, for scripts and tests), says where to get an
app password or a calendar's secret link, writes a candidate config, reads the mailbox and
calendar through it exactly as a scan would (no drafts are written), and only then saves
the config, readable only by you, with what it found and the next command. A password is
never written into the config: it comes from a command or from a 0600 file that setup can
write for you.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from radiosilence.cli.args import parse_now
from radiosilence.cli.errors import UsageProblem
from radiosilence.config.settings import default_config_path, load_settings
from radiosilence.fsutil import atomic_write, ensure_private_dir
from radiosilence.wiring import open_engine


@dataclass(frozen=True)
class Provider:
    name: str
    mail: str  # [sources] mail
    imap_host: str = ""
    caldav_url: str = ""
    calendar: str = "ics-url"  # the calendar that goes with it unless told otherwise
    help: str = ""


PROVIDERS = {
    "gmail": Provider(
        "Gmail with an app password", "imap", "imap.gmail.com", calendar="ics-url",
        help="App password: myaccount.google.com > Security > 2-Step Verification > App "
             "passwords (2-Step Verification must be on).\nCalendar: Google Calendar > "
             "Settings > your calendar > Integrate calendar > Secret address in iCal format."),
    "fastmail": Provider(
        "Fastmail", "imap", "imap.fastmail.com", "https://caldav.fastmail.com/dav/", "caldav",
        help="App password: Settings > Privacy & Security > Integrations > New app password, "
             "with access to mail and calendars."),
    "icloud": Provider(
        "iCloud", "imap", "imap.mail.me.com", "https://caldav.icloud.com/", "caldav",
        help="App-specific password: account.apple.com > Sign-In and Security > "
             "App-Specific Passwords (two-factor authentication must be on)."),
    "imap": Provider("another IMAP server", "imap", calendar="none",
                     help="Use the password or app password your mail provider gives for IMAP."),
    "gmail-api": Provider(
        "Gmail and Google Calendar through Google's API", "gmail", calendar="google",
        help="Needs your own Google Cloud OAuth client: see the README, then run "
             "`radiosilence auth`."),
    "maildir": Provider("a local Maildir (mbsync, offlineimap, lieer)", "maildir",
                        calendar="vdir", help="Point it at the Maildir your sync tool fills."),
}


def add_setup_command(add: Callable[..., argparse.ArgumentParser]) -> None:
    setup = add("setup", cmd_setup, "set up your mailbox and calendar, test them, write the "
                "config", now=True)
    setup.add_argument("--provider", choices=sorted(PROVIDERS))
    setup.add_argument("--email", help="your email address")
    setup.add_argument("--name", help="your name, to sign the drafts")
    setup.add_argument("--username", help="login name, if not your email address")
    setup.add_argument("--password-command", help='e.g. "pass show mail/imap"')
    setup.add_argument("--password-file", type=Path, help="a file (0600) holding the password")
    setup.add_argument("--imap-host")
    setup.add_argument("--imap-port", type=int, default=993)
    setup.add_argument("--imap-security", choices=("tls", "starttls", "none"), default="tls")
    setup.add_argument("--calendar", choices=("caldav", "ics-url", "vdir", "google", "none"))
    setup.add_argument("--calendar-url", help="the CalDAV server's address")
    setup.add_argument("--calendar-link", help="the calendar's secret ICS link")
    setup.add_argument("--maildir", type=Path, help="the Maildir folder")
    setup.add_argument("--vdir", type=Path, help="the folder of .ics files")
    setup.add_argument("--state-dir", type=Path, help="where radiosilence keeps its state")
    setup.add_argument("--timezone", default="local", help="e.g. Europe/Berlin")
    setup.add_argument("--force", action="store_true", help="replace an existing config")


def cmd_setup(args: argparse.Namespace) -> int:
    target: Path = getattr(args, "config", None) or default_config_path()
    if target.exists() and not args.force:
        raise UsageProblem(f"{target} exists; pass --force to replace it, or --config FILE")
    ask = _Asker(interactive=sys.stdin.isatty())
    provider = PROVIDERS[args.provider or ask.choice("Which mail provider?", PROVIDERS)]
    print(f"Setting up {provider.name}.\n{provider.help}\n")
    text = _config_text(args, provider, ask, target.parent)
    now = _now(args)
    found = _try(text, now)
    ensure_private_dir(target.parent)
    atomic_write(target, text.encode("utf-8"))  # 0600, as every file we write
    print(f"Wrote {target} (readable only by you).")
    print(f"Found {found.messages} recruiting messages and {found.interviews} interviews in "
          f"the last 60 days.")
    print(f"Next: radiosilence --config {target} scan --dry-run   (what it would draft; "
          "then scan, or install-service to run it every few minutes)")
    return 0


@dataclass(frozen=True)
class Found:
    messages: int
    interviews: int


def _try(text: str, now: datetime) -> Found:
    """Read the mailbox and calendar through `text` as a scan would, writing no draft."""
    with tempfile.TemporaryDirectory(prefix="radiosilence-setup-") as folder:
        candidate = Path(folder) / "config.toml"
        candidate.write_text(text, encoding="utf-8")
        settings = load_settings(candidate)
        engine = open_engine(settings)
        try:
            engine.sync(now)
            since = now - timedelta(days=60)
            messages = sum(1 for m in engine.store.messages() if m.date >= since and not m.own)
            interviews = sum(1 for p in engine.plan(now) if p.interview.start >= since)
        finally:
            engine.close()
    return Found(messages, interviews)


def _now(args: argparse.Namespace) -> datetime:
    return parse_now(args.now, ZoneInfo("UTC")) if args.now else datetime.now(UTC)


def _config_text(args: argparse.Namespace, provider: Provider, ask: _Asker,
                 folder: Path) -> str:
    email = args.email or ask.text("Your email address")
    lines = ["[user]", f"addresses = [{_q(email)}]", f"name = {_q(args.name or '')}",
             f"timezone = {_q(args.timezone)}", ""]
    if args.state_dir:
        lines += ["[paths]", f"state_dir = {_q(_absolute(args.state_dir))}", ""]
    calendar = args.calendar or provider.calendar
    if calendar == "none":  # invitations still come by mail; an empty folder stands in
        calendar, args.vdir = "vdir", folder / "calendar"
        ensure_private_dir(args.vdir)
    lines += ["[sources]", f"mail = {_q(provider.mail)}", f"calendar = {_q(calendar)}", ""]
    secret = _password(args, ask, folder) if provider.mail == "imap" or calendar == "caldav" \
        else ("", None)
    if provider.mail == "imap":
        host = args.imap_host or provider.imap_host or ask.text("IMAP server (host name)")
        lines += ["[imap]", f"host = {_q(host)}", f"port = {args.imap_port}",
                  f"security = {_q(args.imap_security)}",
                  f"username = {_q(args.username or email)}", *_secret_lines(secret), ""]
    if provider.mail == "maildir":
        where = args.maildir or Path(ask.text("Maildir folder"))
        lines += ["[maildir]", f"path = {_q(_absolute(where))}", ""]
    lines += _calendar_lines(args, provider, calendar, email, secret, ask)
    return "\n".join(lines) + "\n"


def _calendar_lines(args: argparse.Namespace, provider: Provider, calendar: str, email: str,
                    secret: tuple[str, Path | None], ask: _Asker) -> list[str]:
    if calendar == "caldav":
        url = args.calendar_url or provider.caldav_url or ask.text("CalDAV server address")
        return ["[caldav]", f"url = {_q(url)}", f"username = {_q(args.username or email)}",
                *_secret_lines(secret), ""]
    if calendar == "ics-url":
        link = args.calendar_link or ask.text("The calendar's secret link (ends in .ics)",
                                              secret=True)
        return ["[ics_url]", f"url = {_q(link)}", ""]
    if calendar == "vdir":
        where = args.vdir or Path(ask.text("Folder of .ics files"))
        return ["[vdir]", f"path = {_q(_absolute(where))}", ""]
    return []  # google: the same authorisation as the mail


def _password(args: argparse.Namespace, ask: _Asker, folder: Path) -> tuple[str, Path | None]:
    """(password_command, password_file): from the flags, or typed once and kept in a 0600
    file beside the config (never in the config itself)."""
    if args.password_command:
        return args.password_command, None
    if args.password_file:
        return "", args.password_file.expanduser().absolute()
    typed = ask.text("App password (kept in a file only you can read)", secret=True)
    path = folder / "mail-password"
    atomic_write(path, (typed + "\n").encode("utf-8"))
    return "", path


def _secret_lines(secret: tuple[str, Path | None]) -> list[str]:
    command, path = secret
    return [f"password_command = {_q(command)}"] if command else \
        [f"password_file = {_q(str(path))}"]


def _absolute(path: Path) -> str:
    """The config is tried from a temporary folder first: no path may depend on where."""
    return str(Path(path).expanduser().absolute())


def _q(value: str) -> str:
    """A TOML basic string."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class _Asker:
    """Questions at the terminal; without one, a missing answer is a usage error naming the
    flag that gives it."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def text(self, question: str, secret: bool = False) -> str:
        if not self.interactive:
            raise UsageProblem(f"setup needs: {question.lower()} (see `radiosilence setup -h` "
                               "for the flag)")
        answer = getpass.getpass(f"{question}: ") if secret else input(f"{question}: ")
        if not answer.strip():
            raise UsageProblem(f"setup needs: {question.lower()}")
        return answer.strip()

    def choice(self, question: str, options: dict[str, Any]) -> str:
        if not self.interactive:
            raise UsageProblem(f"setup needs --provider: one of {', '.join(sorted(options))}")
        names = list(options)
        for number, name in enumerate(names, 1):
            print(f"  {number}. {options[name].name}")
        answer = input(f"{question} [1-{len(names)}]: ").strip()
        if not answer.isdigit() or not 1 <= int(answer) <= len(names):
            raise UsageProblem(f"setup: {answer!r} is not one of 1-{len(names)}")
        return names[int(answer) - 1]
