"""`radiosilence demo`: the whole pipeline on a bundled sample mailbox and calendar.

The sample tells one invented job search; its story is in sample/README.md. The demo
copies it into a folder with a config.toml, so that `radiosilence --config DIR/config.toml
scan|status|plan` carry on from there.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from radiosilence.cli.args import hold_state, parse_now
from radiosilence.cli.errors import UsageProblem
from radiosilence.cli.output import print_cycle
from radiosilence.config.settings import load_settings
from radiosilence.connectors.local.maildir import discover_folders
from radiosilence.fsutil import ensure_private_dir
from radiosilence.wiring import open_engine

# Inside the sample's story: the Wednesday afternoon after the Brightloom panel.
DEMO_NOW = "2026-03-18T17:00:00+00:00"
DEMO_CONFIG = """\
# Written by `radiosilence demo`: the sample's user and folders, relative to this file.
[user]
addresses = ["sam.rivera@example.net"]
name = "Sam Rivera"
timezone = "Europe/London"

[maildir]
path = "mail"

[vdir]
path = "calendar"

[paths]
state_dir = "state"

[feed]
path = "feed/radiosilence.ics"
"""


def prepare(target: Path) -> Path:
    """Copy the sample into `target` (new or empty) and write its config; return the config."""
    if target.exists() and any(target.iterdir()):
        raise UsageProblem(f"{target} is not empty: give --dir a new or empty folder")
    ensure_private_dir(target)
    sample = resources.files("radiosilence.sample")
    with resources.as_file(sample) as sample_dir:
        for name in ("mail", "calendar"):
            shutil.copytree(Path(sample_dir) / name, target / name,
                            ignore=shutil.ignore_patterns(".keep", "__pycache__"))
    _complete_maildirs(target / "mail")
    config = target / "config.toml"
    config.write_text(DEMO_CONFIG, encoding="utf-8")
    return config


def _complete_maildirs(root: Path) -> None:
    """Every Maildir folder needs cur, new and tmp; git does not keep empty folders."""
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
        if folder.name in ("cur", "new", "tmp"):
            continue
        if (folder / "cur").is_dir() or (folder / "new").is_dir():
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)


def run_demo(args: argparse.Namespace) -> int:
    target = args.dir or Path(tempfile.mkdtemp(prefix="radiosilence-demo-"))
    config = prepare(target)
    settings = load_settings(config)
    hold_state(args, settings)
    engine = open_engine(settings)
    now = parse_now(args.now or DEMO_NOW, settings.user.timezone)
    print(f"Sample mailbox and calendar copied to {target}")
    print(f"Running one cycle as of {now:%Y-%m-%d %H:%M} UTC\n")
    report = engine.cycle(now)
    print_cycle(report, settings, dry_run=False)
    folders = discover_folders(settings.maildir.path)
    drafts_dir = next(path for name, path in folders.items()
                      if name.lower() == settings.maildir.drafts_folder.lower())
    drafts = sorted((drafts_dir / "cur").glob("*"))
    print(f"\nDrafts written ({len(drafts)}), ready for review in {drafts_dir}:")
    for path in drafts:
        print(f"  {path}")
    # The moment the story was run at, so that carrying on does not move it back.
    print(f"\nCarry on with: radiosilence --config {config} status --now {args.now or DEMO_NOW}")
    return 0

