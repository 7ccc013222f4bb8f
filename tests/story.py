"""The demo story through different connectors: one cycle at its moment, and what the
stories are compared by."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from radiosilence.cli.demo import DEMO_NOW
from radiosilence.config.settings import load_settings
from radiosilence.report import CycleReport
from radiosilence.wiring import open_engine


def plan_summary(report: CycleReport) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each interview's state and the keys of its follow-ups."""
    return {p.interview.id: (str(p.state), tuple(sorted(f.key for f in p.followups)))
            for p in report.plans}


def demo_cycle(config: Path) -> CycleReport:
    """One cycle through `config` at the demo's moment, the state closed after."""
    engine = open_engine(load_settings(config))
    try:
        return engine.cycle(datetime.fromisoformat(DEMO_NOW))
    finally:
        engine.store.close()
