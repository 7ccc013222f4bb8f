"""The systemd user units and their installer.

The units must load without a single warning (`systemd-analyze verify`), their sandbox must
score 2.0 or better (`systemd-analyze security --offline`), and `install_service` must write
them with this machine's paths and never clobber a unit the user changed. systemd-analyze is
required, not optional: CI installs it (Debian: `apt-get install systemd`).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from radiosilence.cli.errors import (
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_FILES,
    EXIT_LOCKED,
    EXIT_SCHEMA,
    EXIT_STATE,
)
from radiosilence.runtime.install import (
    TEMPLATE_UNIT,
    UNIT,
    InstallProblem,
    bundled_unit,
    install_service,
    installed_script,
)

SOURCES = Path(__file__).resolve().parents[1] / "systemd"
MAX_EXPOSURE = 2.0
HOME = Path("/home/sam")  # paths in a unit are not checked for existence; none is created
REWRITTEN = ("ExecStart=", "ExecStartPre=", "ReadWritePaths=")


@pytest.fixture(scope="module")
def analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        pytest.fail("systemd-analyze not found: install systemd (apt-get install systemd)")
    return found


@pytest.fixture(scope="module")
def packaged() -> None:
    """The units are read as package data; fail with the fix when they are not installed so."""
    try:
        bundled_unit()
    except ModuleNotFoundError:
        pytest.fail("radiosilence.systemd is not installed: map it to systemd/ in "
                    "pyproject.toml (packages, package-dir, package-data '*.service'), add "
                    "systemd/__init__.py, and reinstall")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """systemd-analyze --user needs a runtime folder (absent when root runs in a container)
    and reads units from the user's folders: give it empty ones of its own."""
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    return {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
            "XDG_CONFIG_HOME": str(home / ".config"), "XDG_DATA_HOME": str(home / ".data"),
            "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""}


def executable() -> Path:
    """A real program for ExecStart= (verify checks that it exists) outside /tmp, which the
    installer refuses: the installed script, else this interpreter, else the shell."""
    for candidate in (installed_script(), Path(sys.executable), Path("/bin/sh")):
        if candidate and not any(candidate.is_relative_to(tmp) for tmp in ("/tmp", "/var/tmp")):
            return candidate
    raise AssertionError("no executable outside /tmp for ExecStart=")


def run(analyze: str, env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([analyze, "--no-pager", *map(str, args)], env=env, text=True,
                          capture_output=True, timeout=60, check=False)


def verify_problems(analyze: str, env: dict[str, str], unit: Path) -> list[str]:
    """What `systemd-analyze verify --user` says about our unit: warnings go to stderr and do
    not change its exit status, so every line naming the unit or its program counts."""
    result = run(analyze, env, "verify", "--user", unit)
    lines = (result.stdout + result.stderr).splitlines()
    problems = [line for line in lines if "radiosilence" in line]
    if result.returncode != 0:
        problems.append(f"exit status {result.returncode}: {result.stderr.strip()}")
    return problems


def installed(tmp_path: Path, template: bool = False, **paths: Path) -> Path:
    unit, _ = install_service(executable(), tmp_path / "units", template,
                              mail_dir=paths.get("mail_dir", HOME / "Mail"),
                              state_dir=paths.get("state_dir", HOME / ".local/share/radiosilence"))
    return unit


@pytest.mark.usefixtures("packaged")
@pytest.mark.parametrize("template", [False, True], ids=["unit", "template"])
def test_installed_units_verify_without_warnings(
        analyze: str, env: dict[str, str], tmp_path: Path, template: bool) -> None:
    unit = installed(tmp_path, template, mail_dir=HOME / "Mail Box")  # a space, quoted
    assert verify_problems(analyze, env, unit) == []


def test_verify_problems_are_seen(analyze: str, env: dict[str, str], tmp_path: Path) -> None:
    """The check above can fail: an unknown key and a missing program are both reported."""
    text = (SOURCES / UNIT).read_text().replace("UMask=0077", "UMask=0077\nSandboxed=maybe")
    unit = tmp_path / UNIT
    unit.write_text(text.replace("%h/.local/bin/radiosilence", "/nonexistent/radiosilence"))
    problems = verify_problems(analyze, env, unit)
    assert any("Sandboxed" in line for line in problems)
    assert any("/nonexistent/radiosilence" in line for line in problems)


@pytest.mark.parametrize("name", [UNIT, TEMPLATE_UNIT])
def test_sandbox_exposure_is_low(analyze: str, env: dict[str, str], name: str) -> None:
    result = run(analyze, env, "security", "--user", "--offline=yes", SOURCES / name)
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert match, f"no exposure level in: {result.stdout[-500:]} {result.stderr}"
    assert float(match[1]) <= MAX_EXPOSURE, result.stdout


def test_both_units_share_sandbox_and_restart_policy() -> None:
    """The template repeats the unit's settings: they must not drift apart."""
    def settings(name: str) -> list[str]:
        lines = (SOURCES / name).read_text().splitlines()
        return [line for line in lines if line and not line.startswith(("#", *REWRITTEN))
                and not line.startswith("Description=")]

    assert settings(UNIT) == settings(TEMPLATE_UNIT)


@pytest.mark.parametrize("name", [UNIT, TEMPLATE_UNIT])
def test_setup_errors_are_not_restarted(name: str) -> None:
    """Config, auth and schema errors need the user: restarting would only loop."""
    text = (SOURCES / name).read_text()
    codes = re.search(r"^RestartPreventExitStatus=(.*)$", text, re.MULTILINE)
    assert codes and {int(code) for code in codes[1].split()} >= {
        EXIT_CONFIG, EXIT_AUTH, EXIT_SCHEMA, EXIT_LOCKED, EXIT_STATE, EXIT_FILES}


@pytest.mark.usefixtures("packaged")
@pytest.mark.parametrize("name", [UNIT, TEMPLATE_UNIT])
def test_units_are_package_data(name: str) -> None:
    assert bundled_unit(name == TEMPLATE_UNIT) == (SOURCES / name).read_text()


@pytest.mark.usefixtures("packaged")
def test_install_writes_this_machines_paths(tmp_path: Path) -> None:
    program = executable()
    unit, commands = install_service(
        program, tmp_path / "units", mail_dir=HOME / "Mail Box",
        state_dir=HOME / "state 100%", extra_writable=[HOME / "feeds"])
    assert unit == tmp_path / "units" / UNIT
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    text = unit.read_text()
    assert f"\nExecStart={program} run\n" in text
    assert '\nReadWritePaths="/home/sam/state 100%%" "-/home/sam/Mail Box" -/home/sam/feeds\n' \
        in text
    assert '\nExecStartPre=+/bin/mkdir -p -m 0700 "/home/sam/state 100%%"\n' in text
    assert _without(text, REWRITTEN) == _without(bundled_unit(), REWRITTEN)
    assert commands == [
        "systemctl --user daemon-reload",
        "systemctl --user enable --now radiosilence.service",
        "loginctl enable-linger $USER",
        "journalctl --user -u radiosilence -f",
    ]


@pytest.mark.usefixtures("packaged")
def test_install_template_gives_each_instance_its_state_folder(tmp_path: Path) -> None:
    program = executable()
    unit, commands = install_service(program, tmp_path, template=True,
                                     state_dir=HOME / ".local/share/radiosilence")
    text = unit.read_text()
    assert unit.name == TEMPLATE_UNIT
    assert f"\nExecStart={program} --config %h/.config/radiosilence/%i.toml run\n" in text
    assert "\nReadWritePaths=/home/sam/.local/share/radiosilence/%i -%h/Mail\n" in text
    assert "systemctl --user enable --now radiosilence@ACCOUNT.service" in commands


@pytest.mark.usefixtures("packaged")
def test_install_keeps_defaults_when_paths_not_given(tmp_path: Path) -> None:
    unit, _ = install_service(executable(), tmp_path)
    assert "\nReadWritePaths=%h/.local/share/radiosilence -%h/Mail\n" in unit.read_text()


@pytest.mark.usefixtures("packaged")
def test_install_never_clobbers_a_changed_unit(tmp_path: Path) -> None:
    unit = installed(tmp_path)
    installed(tmp_path)  # the same text again: nothing to refuse
    unit.write_text(unit.read_text().replace("RestartSec=1min", "RestartSec=5min"))
    with pytest.raises(InstallProblem, match="exists and differs.*--force") as refused:
        installed(tmp_path)
    assert isinstance(refused.value, ValueError) and "\n" not in str(refused.value)
    assert "RestartSec=5min" in unit.read_text()
    install_service(executable(), tmp_path / "units", mail_dir=HOME / "Mail",
                    state_dir=HOME / ".local/share/radiosilence", force=True)
    assert "RestartSec=1min" in unit.read_text()


@pytest.mark.parametrize(("program", "paths", "reason"), [
    (Path("/nonexistent/radiosilence"), {}, "not an executable"),
    (None, {"mail_dir": Path("/tmp/Mail")}, "private /tmp"),
    (None, {"state_dir": Path("/var/tmp/state")}, "private /tmp"),
    (None, {"mail_dir": HOME / 'say "hi"'}, "cannot go into a unit file"),
    (None, {"mail_dir": HOME / "$HOME"}, "cannot go into a unit file"),
])
def test_install_refuses_unusable_paths(
        tmp_path: Path, program: Path | None, paths: dict[str, Path], reason: str) -> None:
    with pytest.raises(InstallProblem, match=reason):
        install_service(program or executable(), tmp_path, **paths)
    assert not (tmp_path / UNIT).exists()


def _without(text: str, prefixes: tuple[str, ...]) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(prefixes)]
