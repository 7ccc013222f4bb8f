"""The state database: schema version, privacy, transactions, and round trips of the model."""

from __future__ import annotations

import logging
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from radiosilence.cli.demo import DEMO_NOW, prepare
from radiosilence.config.settings import load_settings
from radiosilence.model import Address, Attendee, CalEvent, Mail
from radiosilence.store import MIGRATIONS, Action, SchemaError, Store
from radiosilence.wiring import open_engine

NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)


def _event() -> CalEvent:
    return CalEvent(
        uid="u1@acme.example", recurrence_id="", sequence=3, method="REQUEST", status="",
        summary="Interview", description="Agenda", location="Room 1",
        start=datetime(2026, 3, 17, 10, tzinfo=UTC), end=datetime(2026, 3, 17, 11, tzinfo=UTC),
        all_day=False, organizer=Attendee("rae@acme.example", "Rae"),
        attendees=(Attendee("ivo@acme.example", "Ivo Ü", "INDIVIDUAL"),),
        conference_url="https://meet.example/x", source="mail", source_ref="m1@acme.example",
    )


def _mail() -> Mail:
    return Mail(
        id="m1@acme.example", ref="INBOX/1", folder="INBOX", date=NOW,
        sender=Address("rae@acme.example", "Rae Ö"), to=(Address("sam@example.net"),), cc=(),
        subject="Interview", in_reply_to="m0@acme.example", references=("m0@acme.example",),
        headers={"auto-submitted": "no"}, body="Hello", invites=(_event(),),
    )


def test_new_database_is_private_and_at_the_latest_schema(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.sqlite3"
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_database_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    Store(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    raw.commit()
    raw.close()
    with pytest.raises(SchemaError, match="upgrade radiosilence"):
        Store(path)


def test_mail_and_its_invites_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with_store = Store(path)
    with with_store.transaction():
        with_store.put_message(_mail())
    with_store.close()
    reopened = Store(path)
    assert reopened.messages() == [_mail()]
    assert reopened.events() == [_event()]
    assert reopened.has_message("m1@acme.example")
    assert "ivo@acme.example" in reopened.contact_addresses()


def test_a_failed_transaction_saves_neither_data_nor_cursor() -> None:
    store = Store(":memory:")
    with pytest.raises(RuntimeError), store.transaction():
        store.put_message(_mail())
        store.set_cursor("mail", "after-m1", NOW)
        raise RuntimeError("crash between the two")
    assert store.messages() == [] and store.cursor("mail") is None


def test_actions_overrides_and_notes() -> None:
    store = Store(":memory:")
    action = Action("k", "nudge", "iv-1", "rae@acme.example", "ref1", "h", "drafted",
                    NOW.isoformat(), NOW.isoformat(), NOW.isoformat())
    with store.transaction():
        store.put_action(action)
        store.set_override("iv-1", "ignore", NOW)
        store.set_note("iv-1", "Ivo@Acme.example", "queues", NOW)
    assert store.actions() == {"k": action}
    assert store.overrides() == {"iv-1": "ignore"}
    assert store.notes() == {("iv-1", "ivo@acme.example"): "queues"}
    with store.transaction():
        store.set_override("iv-1", None, NOW)
    assert store.overrides() == {}


def test_expired_cursors_mean_a_full_resync_without_duplicates(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = prepare(tmp_path / "demo")
    engine = open_engine(load_settings(config))
    now = datetime.fromisoformat(DEMO_NOW)
    first = engine.cycle(now)
    messages = len(engine.store.messages())
    with engine.store.transaction():
        engine.store.set_cursor("mail", "not json", now)
        engine.store.set_cursor("calendar", "{broken", now)
    with caplog.at_level(logging.WARNING):
        second = engine.cycle(now)
    assert "mail cursor expired" in caplog.text and "calendar cursor expired" in caplog.text
    assert second.outcome.changes == 0
    assert len(engine.store.messages()) == messages
    assert [p.state for p in second.plans] == [p.state for p in first.plans]


def test_config_track_and_ignore_by_title_or_id(tmp_path: Path) -> None:
    config = prepare(tmp_path / "demo")
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '\n[policy]\ntrack = ["dentist"]\nignore = ["Fernhill"]\n',
                      encoding="utf-8")
    engine = open_engine(load_settings(config))
    titles = {p.interview.title for p in engine.cycle(datetime.fromisoformat(DEMO_NOW)).plans}
    assert "Dentist" in titles
    assert not [t for t in titles if "Fernhill" in t]
    # The command line has the last word about one event.
    dentist = next(p.interview.id for p in engine.plan(datetime.fromisoformat(DEMO_NOW))
                   if p.interview.title == "Dentist")
    with engine.store.transaction():
        engine.store.set_override(dentist, "ignore", NOW)
    titles = {p.interview.title for p in engine.plan(datetime.fromisoformat(DEMO_NOW))}
    assert "Dentist" not in titles
