"""`radiosilence check-config`: every check `scan` and `run` would make, before they make
it, each problem one line naming the file or option and the remedy. Nothing is written."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import jinja2

from radiosilence.config.settings import ConfigError, Settings, default_config_path
from radiosilence.connectors.base import ConnectorError
from radiosilence.connectors.local.maildir import accounts, discover_folders, find_drafts_folder
from radiosilence.render import SHORT_TEMPLATE, TEMPLATE_NAMES, template_environment
from radiosilence.runtime.lock import service_holder
from radiosilence.wiring import token_path


def setup_problems(settings: Settings, *, port: bool = True) -> tuple[list[str], list[str]]:
    """(problems, warnings): what would stop `scan` or `run`, and what would surprise."""
    where = settings.source_file or default_config_path()
    problems: list[str] = []
    warnings: list[str] = []
    if settings.source_file is None:
        problems.append(f"{where}: no config file there; write one (`radiosilence "
                        "check-config` lists the options once it exists), or give --config, "
                        "or try `radiosilence demo` first")
    if not settings.user.addresses:
        problems.append(f"{where}: user.addresses: empty; set your own email address(es)")
    problems += _template_problems(settings)
    if settings.sources.mail == "maildir":
        _maildir(settings, where, problems, warnings)
    if settings.sources.calendar == "vdir" and not settings.vdir.path.is_dir():
        problems.append(f"{where}: vdir.path: {settings.vdir.path} is not a folder; point it "
                        "at your calendars (as vdirsyncer writes them)")
    if settings.sources.mail == "gmail" or settings.sources.calendar == "google":
        problems += _google_problems(settings, where)
    problems += _state_problems(settings, where)
    running = service_holder(settings.paths.database)
    if running:  # its port is busy by its own doing
        warnings.append(f"radiosilence run is running on this state ({running}): the feed "
                        "port was not checked")
    elif port:
        problems += _port_problems(settings, where)
    return problems, warnings


def _template_problems(settings: Settings) -> list[str]:
    folder = settings.drafts.templates_dir
    if folder is not None and not folder.is_dir():
        return [f"drafts.templates_dir: {folder} is not a folder"]
    env = template_environment(folder)
    found = []
    for name in [*TEMPLATE_NAMES.values(), SHORT_TEMPLATE]:
        try:
            env.get_template(name)
        except jinja2.TemplateError as error:
            found.append(f"template {name}: {error}; fix it in {folder or 'the package'}")
    return found


def _maildir(settings: Settings, where: Path, problems: list[str], warnings: list[str]) -> None:
    root, drafts = settings.maildir.path, settings.maildir.drafts_folder
    if not root.is_dir():
        problems.append(f"{where}: maildir.path: {root} is not a folder; point it at your "
                        "Maildir (the folder mbsync or offlineimap writes)")
        return
    try:
        folders = discover_folders(root)
        found = find_drafts_folder(folders, drafts, root)
    except ConnectorError as error:
        problems.append(f"{where}: maildir.drafts_folder: {error}")
        return
    if found is not None:
        return
    names = accounts(folders)
    if names and "/" not in drafts:
        problems.append(f'{where}: maildir.drafts_folder: no {drafts} folder in {root}, which '
                        f'keeps mail per account ({", ".join(names)}): set it to '
                        f'"{names[0]}/{drafts}"')
    else:
        warnings.append(f"{root / drafts}: no {drafts} folder yet; the first draft creates "
                        "it there: check that your mail client shows it, or set "
                        "maildir.drafts_folder")


def _google_problems(settings: Settings, where: Path) -> list[str]:
    found = []
    secrets = settings.google.client_secrets
    if secrets is not None:
        found += client_file_problems(secrets, where)
    if not settings.google.anonymous and not token_path(settings).exists():
        found.append(f"{token_path(settings)}: Google access is not authorised yet: run "
                     "`radiosilence auth` once")
    return found


def client_file_problems(secrets: Path, where: Path | str) -> list[str]:
    """One line when `secrets` is not an OAuth client file of an installed (desktop) app."""
    try:
        data = json.loads(secrets.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [f"{where}: google.client_secrets: {secrets} does not exist"]
    except (OSError, ValueError) as error:
        return [f"{secrets}: not an OAuth client file ({error}); download the client of type "
                "Desktop app from Google Cloud (APIs & Services > Credentials)"]
    if not isinstance(data, dict) or not isinstance(data.get("installed"), dict):
        kind = next(iter(data), "?") if isinstance(data, dict) and data else "?"
        return [f"{secrets}: an OAuth client file of type {kind!r}, not an installed app; "
                "create a client of type Desktop app in Google Cloud (APIs & Services > "
                "Credentials) and download its JSON"]
    return []


def _state_problems(settings: Settings, where: Path) -> list[str]:
    folder = settings.paths.database.parent
    existing = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if existing is None or not os.access(existing, os.W_OK | os.X_OK):
        return [f"{where}: paths.state_dir: cannot write {folder}; make it writable or "
                "choose another folder"]
    return []


def _port_problems(settings: Settings, where: Path) -> list[str]:
    host, port = settings.feed.host, settings.feed.port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as error:
            return [f"{where}: feed.port: cannot listen on {host}:{port} ({error.strerror}); "
                    "another program (or a running radiosilence) uses it: choose another "
                    "port, or stop that one"]
    return []


def raise_problems(problems: list[str]) -> None:
    if problems:
        raise ConfigError(problems)
