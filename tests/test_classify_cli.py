"""`radiosilence classify`: JSON lines or .eml files in, one JSON line out per input.

Most tests build the argument parser themselves and call the handler with in-memory streams;
the last one runs the real command as a subprocess, and is skipped while `cli.py` does not
register `classify` yet.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiosilence.cli.classify import add_classify_command, classify_line, classify_lines
from radiosilence.understand.classify.classifier import REVIEW_BELOW

UTC = ZoneInfo("UTC")

REJECTION = {"id": "a", "subject": "Your application", "from": "Rita <rita@lumenlabs.example>",
             "date": "2025-03-04T10:00:00+00:00",
             "body": "Thank you for your time. Unfortunately we have decided to move forward "
                     "with other candidates."}
AWAY = {"id": "b", "subject": "", "body": "", "headers": {"Auto-Submitted": "auto-replied"}}
# Thursday 23:30 in Los Angeles is already Friday in UTC: "by Friday" depends on the zone.
LATE = {"id": "c", "subject": "Re: Thanks", "date": "2025-03-06T23:30:00-08:00",
        "body": "Hi Sam, no decision yet. We'll get back to you by Friday."}

EML = """\
From: Jana Roth <jana.roth@fernwick.example>
To: Sam Seeker <sam@example.org>
Subject: Abwesenheitsnotiz: Danke
Date: Mon, 10 Mar 2025 09:00:00 +0100
Message-ID: <away-1@fernwick.example>
Auto-Submitted: auto-replied
Content-Type: text/plain; charset=utf-8

Ich bin bis einschließlich 14. März nicht im Büro.
"""


def parser() -> argparse.ArgumentParser:
    """Like `radiosilence`'s own: --config on the main parser, commands below."""
    main = argparse.ArgumentParser(prog="radiosilence")
    main.add_argument("--config", type=Path)
    add_classify_command(main.add_subparsers(dest="command", required=True))
    return main


def run(argv: list[str], stdin: str = "") -> tuple[int, list[dict]]:
    args = parser().parse_args(["classify", *argv])
    out = io.StringIO()
    code = args.handler(args, io.StringIO(stdin), out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def lines(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def test_one_output_line_per_input_line_in_order() -> None:
    code, outputs = run([], lines(REJECTION, AWAY))
    assert code == 0
    assert [o["id"] for o in outputs] == ["a", "b"]
    assert [o["category"] for o in outputs] == ["rejection", "auto_reply"]
    for output in outputs:
        assert set(output) >= {"category", "confidence", "evidence", "timeframe_phrase", "due",
                               "language", "needs_review"}
        assert isinstance(output["evidence"], list) and output["evidence"]
        assert 0 < output["confidence"] <= 1
        assert output["needs_review"] is (output["confidence"] < REVIEW_BELOW)
    assert outputs[0]["language"] == "en"
    assert outputs[1]["language"] == ""  # a headers-only auto-reply has no words to go by


def test_language_and_review_flag() -> None:
    french = {"subject": "Votre candidature",
              "body": "Bonjour, nous avons le regret de vous informer que nous ne donnerons "
                      "pas suite à votre candidature pour ce poste."}
    vague = {"subject": "", "body": "Ok."}
    _, [fr, unsure] = run([], lines(french, vague))
    assert fr["language"] == "fr" and fr["category"] == "rejection"
    assert fr["needs_review"] is False
    assert unsure["needs_review"] is True  # two letters decide nothing


def test_bad_lines_report_an_error_and_the_run_goes_on() -> None:
    code, outputs = run([], lines("not json", "[1, 2]", {"subject": 3},
                                  {"id": "d", "date": "next Tuesday"},
                                  {"headers": ["x"]}, "", REJECTION))
    assert code == 1
    assert len(outputs) == 6  # the blank line is not an input
    assert all("error" in o for o in outputs[:5])
    assert outputs[0]["line"] == 1 and outputs[3]["id"] == "d"
    assert outputs[5]["category"] == "rejection"


def test_timeframe_fields() -> None:
    code, [output] = run(["--timezone", "America/Los_Angeles"], lines(LATE))
    assert code == 0
    assert output["category"] == "timeframe_update"
    assert output["timeframe_phrase"] == "by Friday"
    assert output["due"] == "2025-03-07"  # said on Thursday, local time


def test_the_day_is_the_one_in_the_chosen_timezone() -> None:
    _, [utc] = run([], lines(LATE))  # no --timezone, no --config: UTC, already Friday
    assert utc["due"] == "2025-03-14"


def test_the_config_supplies_the_timezone(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[user]\ntimezone = "America/Los_Angeles"\n', encoding="utf-8")
    args = parser().parse_args(["--config", str(config), "classify"])
    out = io.StringIO()
    assert args.handler(args, io.StringIO(lines(LATE)), out) == 0
    assert json.loads(out.getvalue())["due"] == "2025-03-07"


def test_a_message_without_a_date_counts_from_today() -> None:
    output = classify_line(json.dumps({"body": "We will let you know within a week."}), UTC,
                           today=date(2025, 3, 4))
    assert output["due"] == "2025-03-11"


def test_eml_files_one_line_each_with_the_file_name(tmp_path: Path) -> None:
    away = tmp_path / "away.eml"
    away.write_text(EML, encoding="utf-8")
    missing = tmp_path / "missing.eml"
    code, outputs = run([str(away), str(missing), "-"], lines(REJECTION))
    assert code == 1
    assert outputs[0]["file"] == str(away)
    assert outputs[0]["category"] == "auto_reply"
    assert outputs[0]["return_date"] == "2025-03-17"  # back the Monday after the 14th
    assert outputs[1]["file"] == str(missing) and "error" in outputs[1]
    assert outputs[2]["category"] == "rejection"  # "-" read standard input in its turn


def test_an_unknown_timezone_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parser().parse_args(["classify", "--timezone", "Mars/Olympus"])
    assert stop.value.code == 2
    assert "unknown time zone" in capsys.readouterr().err


def test_classify_lines_counts_failures() -> None:
    out = io.StringIO()
    assert classify_lines(io.StringIO(lines(AWAY, "{")), out, UTC) == 1
    assert len(out.getvalue().splitlines()) == 2


def test_the_installed_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "radiosilence", "classify", "--timezone", "UTC"],
        input=lines(REJECTION, "oops", AWAY), capture_output=True, text=True, timeout=60,
        cwd=tmp_path)
    outputs = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1, done.stderr
    assert [o.get("category") for o in outputs] == ["rejection", None, "auto_reply"]
    assert "error" in outputs[1]
