"""Install radiosilence as a systemd user service.

The unit files ship inside the package (`radiosilence.systemd`, from the repository's
`systemd/` folder). Installing one means rewriting the lines that name this machine's paths
(the console script in ExecStart=, the folders the sandbox lets it write) and writing the
result where the user's systemd looks for units. Nothing here runs systemctl: the caller
prints the commands, so the user sees and runs each step (enabling, linger) themselves.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import platformdirs

from radiosilence.fsutil import atomic_write

UNIT = "radiosilence.service"
TEMPLATE_UNIT = "radiosilence@.service"
# A unit file holds no secret, only paths; 0644 is what systemctl and editors create, and
# tools run as other users (an admin's `systemd-analyze`) can read it. The folder it goes in
# is created 0700 if missing, like every folder we make.
UNIT_MODE = 0o644
# PrivateTmp=yes gives the service its own empty /tmp and /var/tmp: anything the service
# must run or write there would be invisible to it.
_HIDDEN_FROM_SERVICE = (Path("/tmp"), Path("/var/tmp"))
# Characters that cannot be written into a unit file safely: controls end or split a line;
# a quote, backslash or "$" would be read as syntax (systemd.syntax(7), systemd.service(5)
# "Command lines"). Spaces are fine inside double quotes.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\'\\$]')


class InstallProblem(ValueError):
    """The unit cannot be installed as asked; the message says why, in one line."""


def default_unit_dir() -> Path:
    """Return the folder of the user's own units: $XDG_CONFIG_HOME/systemd/user, by default
    ~/.config/systemd/user (systemd.unit(5), "User Unit Search Path")."""
    return platformdirs.user_config_path() / "systemd" / "user"


def bundled_unit(template: bool = False) -> str:
    """Return the text of the unit shipped with the package (the template when `template`)."""
    name = TEMPLATE_UNIT if template else UNIT
    return resources.files("radiosilence.systemd").joinpath(name).read_text(encoding="utf-8")


def installed_script(argv0: str | None = None) -> Path | None:
    """Best guess at the `radiosilence` console script the unit should start, or None.

    `sys.argv[0]` first (the script actually running, not a pyenv or asdf shim that
    depends on the login shell's environment), then the script next to this interpreter
    (a venv, pipx), then $PATH.
    """
    found = shutil.which("radiosilence")
    for candidate in (argv0 or sys.argv[0], Path(sys.executable).parent / "radiosilence", found):
        if candidate and Path(candidate).name == "radiosilence" and _is_executable(candidate):
            return Path(candidate).absolute()
    return None


def install_service(executable: Path, unit_dir: Path | None = None, template: bool = False,
                    mail_dir: Path | None = None, state_dir: Path | None = None, *,
                    extra_writable: Sequence[Path] = (), force: bool = False,
                    ) -> tuple[Path, list[str]]:
    """Write the unit, with this machine's paths, into `unit_dir` (default
    `default_unit_dir()`); return its path and the commands for the user to run.

    `executable` is the absolute path of the `radiosilence` script (see `installed_script`).
    `mail_dir` (the Maildir root, whose Drafts folder receives drafts), `state_dir` and any
    `extra_writable` folders (feed.path's folder when outside the state folder) become the
    only places the service may write; None keeps the unit's defaults (~/Mail and
    ~/.local/share/radiosilence). With `template`, `state_dir` is the folder under which
    each instance NAME gets NAME/, and the commands name the instance ACCOUNT for the user
    to replace. Writing the same text again changes nothing. Raises InstallProblem when the
    script is not executable, a path cannot be used (unsafe characters, under /tmp), or a
    different unit is already there and not `force`.
    """
    executable = Path(executable).absolute()
    if not _is_executable(executable):
        raise InstallProblem(f"{executable}: not an executable file; pass the path of the "
                             "installed `radiosilence` script")
    name = TEMPLATE_UNIT if template else UNIT
    instance = "/%i" if template else ""
    state = _unit_path(state_dir, instance) if state_dir else \
        f"%h/.local/share/radiosilence{instance}"
    # "-": a missing folder is skipped, so radiosilence itself reports a missing Maildir.
    writable = [state, _unit_path(mail_dir, prefix="-") if mail_dir else "-%h/Mail"]
    writable += [_unit_path(path, prefix="-") for path in extra_writable]
    text = render_unit(bundled_unit(template), _unit_path(executable), state, writable)
    target = (unit_dir or default_unit_dir()) / name
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current is not None and current != text and not force:  # the user's edits, maybe
        raise InstallProblem(f"{target} exists and differs from the unit this version "
                             "would write; compare them, then use --force to replace it")
    if current != text:
        atomic_write(target, text.encode("utf-8"), mode=UNIT_MODE)
    return target, service_commands(template)


def service_commands(template: bool = False) -> list[str]:
    """The commands that load, start and follow the installed unit; linger keeps the user's
    service manager (and so radiosilence) running without a login session."""
    unit = "radiosilence@ACCOUNT" if template else "radiosilence"
    return [
        "systemctl --user daemon-reload",
        f"systemctl --user enable --now {unit}.service",
        "loginctl enable-linger $USER",
        f"journalctl --user -u {unit} -f",
    ]


def render_unit(text: str, executable: str, state: str, writable: Sequence[str]) -> str:
    """Return the unit `text` with ExecStart='s program, the state folder that ExecStartPre=
    creates and ReadWritePaths= replaced; arguments are already in unit-file syntax."""
    replacements = {
        r"^(ExecStart=)\S+": executable,
        r"^(ExecStartPre=\+/bin/mkdir -p -m 0700 ).*$": state,
        r"^(ReadWritePaths=).*$": " ".join(writable),
    }
    for pattern, value in replacements.items():
        escaped = value.replace("\\", "\\\\")  # re.sub reads backslashes in a replacement
        text, count = re.subn(pattern, r"\g<1>" + escaped, text, flags=re.MULTILINE)
        if count != 1:  # the bundled unit and this code disagree: a packaging bug
            raise RuntimeError(f"bundled unit: expected one line matching {pattern!r}")
    return text


def _unit_path(path: Path, suffix: str = "", prefix: str = "") -> str:
    """`prefix` + `path` (made absolute) + `suffix` in unit-file syntax: "%" doubled so it is
    no specifier, the whole in double quotes when it holds spaces."""
    path = Path(path).absolute()
    if _UNSAFE.search(str(path)):
        raise InstallProblem(f"{str(path)!r}: quotes, backslashes, '$' and control characters "
                             "cannot go into a unit file; use a path without them")
    if any(path == hidden or hidden in path.parents for hidden in _HIDDEN_FROM_SERVICE):
        raise InstallProblem(f"{path}: the service has its own private /tmp and /var/tmp "
                             "(PrivateTmp=yes) and cannot see this; use a folder elsewhere")
    text = prefix + str(path).replace("%", "%%") + suffix
    return f'"{text}"' if re.search(r"\s", text) else text


def _is_executable(path: str | Path) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)
