"""Desktop notifications through the real desktop-notifier, over a real session bus, to a
recording notification service: at the reminder time, once a day, never for what is
handled, a click opens the drafts, and without a bus one line and nothing else."""

from __future__ import annotations

import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiosilence.publish.desktop import DesktopChannel
from radiosilence.publish.feed import Reminder
from radiosilence.store import Store
from tests.notify_rig import NotificationRig
from tests.notify_rig import notifications as notifications  # noqa: F401 - the fixture
from tests.test_service import Notifications, make_demo, start, stop

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 3, 18, 17, 0, tzinfo=UTC)


def reminder(key: str, start: datetime, who: str = "Hannah Okafor") -> Reminder:
    return Reminder(key=key, summary=f"Thank {who} for the Brightloom interview",
                    description="Send it by Thursday.\nThe draft is in your Drafts folder: "
                                "review it, send.\n\nShort version: ...",
                    start=start, minutes=15)


def channel(tmp_path: Path, opener: str = "true") -> DesktopChannel:
    return DesktopChannel(Store(tmp_path / "state.db"), LONDON, str(tmp_path / "Drafts"),
                          opener=opener)


def test_a_reminder_is_shown_at_its_time_and_once_a_day(
        tmp_path: Path, notifications: NotificationRig) -> None:  # noqa: F811
    desktop = channel(tmp_path)
    due = reminder("thank-you/iv-1/hannah/0", NOW + timedelta(minutes=30))
    desktop.publish([due], NOW)
    assert desktop.due(NOW) == due.start
    desktop.tick(NOW)  # not yet
    assert notifications.wait_for(1, 0.5) == []
    for moment in (due.start, due.start + timedelta(minutes=5), due.start + timedelta(hours=2)):
        desktop.tick(moment)
    (shown,) = notifications.wait_for(1, 10)
    assert shown.title == "Thank Hannah Okafor for the Brightloom interview"
    assert shown.body == "The draft is in your Drafts folder: review it, send."
    assert notifications.wait_for(2, 0.5) == [shown], "announced twice on one day"
    assert desktop.due(due.start + timedelta(minutes=1)) is None
    # The next day, still pending and moved to the morning: announced again, once.
    tomorrow = reminder(due.key, datetime(2026, 3, 19, 9, 30, tzinfo=UTC))
    desktop.publish([tomorrow], tomorrow.start)
    desktop.tick(tomorrow.start)
    desktop.tick(tomorrow.start + timedelta(minutes=1))
    assert len(notifications.wait_for(2, 10)) == 2
    assert notifications.wait_for(3, 0.5)[2:] == []
    desktop.close()


def test_what_is_handled_or_long_past_is_never_shown(
        tmp_path: Path, notifications: NotificationRig) -> None:  # noqa: F811
    desktop = channel(tmp_path)
    desktop.publish([reminder("a", NOW - timedelta(hours=13)),
                     reminder("b", NOW + timedelta(minutes=1))], NOW)
    desktop.publish([reminder("a", NOW - timedelta(hours=13))], NOW)  # b was handled since
    desktop.tick(NOW + timedelta(minutes=2))
    assert notifications.wait_for(1, 0.5) == []
    desktop.close()


def test_a_restart_does_not_repeat_what_was_shown(
        tmp_path: Path, notifications: NotificationRig) -> None:  # noqa: F811
    first = channel(tmp_path)
    first.publish([reminder("a", NOW)], NOW)
    first.tick(NOW)
    assert len(notifications.wait_for(1, 10)) == 1
    first.close()
    again = channel(tmp_path)
    again.publish([reminder("a", NOW)], NOW)
    again.tick(NOW + timedelta(minutes=1))
    assert notifications.wait_for(2, 0.5)[1:] == []
    again.close()


def test_a_click_opens_the_drafts_folder(
        tmp_path: Path, notifications: NotificationRig) -> None:  # noqa: F811
    opened = tmp_path / "opened"
    opener = f"{sys.executable} -c \"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])\""
    desktop = channel(tmp_path, opener)
    desktop.publish([reminder("a", NOW)], NOW)
    desktop.tick(NOW)
    (shown,) = notifications.wait_for(1, 10)
    assert "default" in shown.actions
    notifications.click(shown)
    deadline = time.monotonic() + 10
    while not (opened.exists() and opened.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert opened.read_text() == str(tmp_path / "Drafts")
    desktop.close()


def test_without_a_session_bus_it_says_so_once_and_goes_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    desktop = channel(tmp_path)
    desktop.publish([reminder("a", NOW), reminder("b", NOW)], NOW)
    with caplog.at_level(logging.INFO):
        desktop.tick(NOW)
        desktop.tick(NOW + timedelta(minutes=1))
    lines = [r for r in caplog.records if "desktop notifications are unavailable" in r.message]
    assert len(lines) == 1, caplog.text
    assert "Traceback" not in caplog.text
    desktop.close()


def test_the_running_service_shows_a_reminder_within_a_minute_of_its_time(
        tmp_path: Path, notifications: NotificationRig) -> None:  # noqa: F811
    """`radiosilence run` in a desktop session, from 17:29:50 by `--now`: the Brightloom
    thank-yous are due at 17:30 (two hours after the interview), and the three overdue
    reminders of the story were moved to the next quarter hour, 17:30 too."""
    config, _ = make_demo(tmp_path / "demo", interval=0.05)  # a cycle every 3 s
    with config.open("a", encoding="utf-8") as handle:
        handle.write('\n[reminders]\nchannels = ["feed", "desktop"]\ndesktop_open = "-"\n')
    listener = Notifications(tmp_path / "notify.sock")
    pretend = "2026-03-18T17:29:50+00:00"
    started = time.time()
    process = start(config, listener, "--now", pretend)  # the later --now wins
    try:
        shown = notifications.wait_for(6, 75)
        # Three more cycles, each handing the channel its reminders again: none comes twice.
        listener.wait_for("STATUS=10 interviews", count=3)
    finally:
        code, journal = stop(process)
        listener.close()
    assert code == 0, journal
    thanks = sorted(s.title for s in shown if s.title.startswith("Thank"))
    assert thanks == ["Thank Hannah Okafor for the Brightloom interview",
                      "Thank Lukas Brandt for the Brightloom interview",
                      "Thank Tomás Ferreira for the Brightloom interview"], journal
    assert len(notifications.shown) == 6, [s.title for s in notifications.shown]
    assert len({s.title for s in notifications.shown}) == 6, "a notification came twice"
    # 17:30 by the service's clock is 10 s after its start by the wall clock.
    due_wall = started + (datetime(2026, 3, 18, 17, 30, tzinfo=UTC)
                          - datetime.fromisoformat(pretend)).total_seconds()
    delays = [s.at - due_wall for s in shown]
    assert all(-2 < d < 60 for d in delays), delays
    print(f"\nnotification delay after the reminder time: {max(delays):.2f} s at most")
