"""`radiosilence classify`: label messages from the command line, one JSON line each.

    radiosilence classify < messages.jsonl
    radiosilence classify interview.eml offer.eml
    echo '{"subject": "Automatic reply", "body": "Back on 14 March."}' | radiosilence classify

Input lines are JSON objects with any of `subject`, `body`, `from`, `date` (ISO 8601; without
an offset it is read in the timezone) and `headers` (an object); `id` is echoed back. Files
given as arguments are read as RFC 5322 messages (.eml); "-" reads standard input. Every
input gives exactly one output line: the label, or an `error` and the run goes on.

Needs no config file: the timezone (which turns a message's time into the local day that
"by Friday" counts from) comes from `--timezone`, else the config named by `--config`, else
UTC. A message without a date counts from today.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from radiosilence.connectors.base import RawItem
from radiosilence.model import Classification
from radiosilence.parse.mail import ParseError, parse_mail
from radiosilence.understand.classify.classifier import classify

UTC = ZoneInfo("UTC")
_TEXT_FIELDS = ("subject", "body", "from", "date")
_HELP = "label mail (JSON lines on stdin, or .eml files) as rejection, offer, next round, ..."


class BadInput(ValueError):
    """One input the command cannot read; reported on its own output line."""


def add_classify_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register `classify` on the `radiosilence` sub-command parsers."""
    command: argparse.ArgumentParser = subparsers.add_parser(
        "classify", help=_HELP, description=_HELP + " One JSON line out per input.")
    command.set_defaults(handler=cmd_classify)
    command.add_argument("files", nargs="*", type=Path,
                         help=".eml files to classify; '-' or none: JSON lines on stdin")
    command.add_argument("--timezone", type=_timezone,
                         help="IANA time zone for message days (default: the config's, or UTC)")
    return command


def cmd_classify(args: argparse.Namespace, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> int:
    """The handler: 0 when every input was classified, 1 when some could not be read."""
    tz = args.timezone or _config_timezone(getattr(args, "config", None))
    source, sink = stdin or sys.stdin, stdout or sys.stdout
    files = list(args.files) or [Path("-")]
    failed = 0
    for path in files:
        if str(path) == "-":
            failed += classify_lines(source, sink, tz)
        else:
            failed += _write(sink, classify_file(path, tz))
    sink.flush()
    return 1 if failed else 0


def classify_lines(lines: Iterable[str], out: TextIO, tz: tzinfo,
                   today: date | None = None) -> int:
    """Classify JSON lines from `lines` into `out`; return how many could not be read."""
    failed = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        failed += _write(out, classify_line(line, tz, today, number))
    return failed


def classify_line(line: str, tz: tzinfo, today: date | None = None,
                  number: int = 0) -> dict[str, Any]:
    """The output object for one input line (with `error` when it cannot be read)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return {"line": number, "error": f"not JSON: {error.msg} at column {error.colno}"}
    ident = record.get("id") if isinstance(record, dict) else None
    try:
        subject, body, sender, sent_on, headers = _fields(record, tz, today)
    except BadInput as error:
        return _tagged({"line": number, "error": str(error)}, ident)
    result = classify(subject, body, headers, sender, sent_on)
    return _tagged(to_json(result), ident)


def classify_file(path: Path, tz: tzinfo) -> dict[str, Any]:
    """The output object for one .eml file, named by `file`."""
    try:
        data = path.read_bytes()
        mail = parse_mail(RawItem(ref=str(path), folder="", data=data), own_addresses=frozenset(),
                          sent_folders=frozenset(), drafts_folder="", default_tz=tz)
    except (OSError, ParseError) as error:
        return {"file": str(path), "error": str(error)}
    result = classify(mail.subject, mail.body, mail.headers, mail.sender.email,
                      mail.date.astimezone(tz).date())
    return {"file": str(path)} | to_json(result)


def to_json(result: Classification) -> dict[str, Any]:
    timeframe = result.timeframe
    return {
        "category": str(result.category),
        "confidence": result.confidence,
        "evidence": list(result.evidence),
        "timeframe_phrase": timeframe.phrase if timeframe else None,
        "due": timeframe.due.isoformat() if timeframe and timeframe.due else None,
        "return_date": result.return_date.isoformat() if result.return_date else None,
        "asks_user": result.asks_user,
        "language": result.language,
        "needs_review": result.needs_review,
    }


def _fields(record: Any, tz: tzinfo,
            today: date | None) -> tuple[str, str, str, date, dict[str, str]]:
    if not isinstance(record, dict):
        raise BadInput(f"expected a JSON object, got {type(record).__name__}")
    for name in _TEXT_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], str):
            raise BadInput(f"{name}: expected a string")
    headers = record.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise BadInput("headers: expected an object of strings")
    sender = parseaddr(record.get("from") or "")[1].lower()
    written = record.get("date") or ""
    sent_on = _local_day(written, tz) if written else today or datetime.now(tz).date()
    return (record.get("subject") or "", record.get("body") or "", sender, sent_on,
            {str(k).lower(): v for k, v in headers.items()})


def _local_day(value: str, tz: tzinfo) -> date:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:  # an RFC 5322 Date header pasted as is
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            raise BadInput(f"date: {value!r} is not ISO 8601 (2025-03-04T10:00:00+00:00)") \
                from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz).date()


def _tagged(output: dict[str, Any], ident: Any) -> dict[str, Any]:
    return {"id": ident} | output if ident is not None else output


def _write(out: TextIO, output: dict[str, Any]) -> int:
    out.write(json.dumps(output, ensure_ascii=False) + "\n")
    return 1 if "error" in output else 0


def _timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"unknown time zone {name!r} (try Europe/London)") \
            from None


def _config_timezone(config: Path | None) -> tzinfo:
    if config is None:
        return UTC
    from radiosilence.config.settings import load_settings  # ConfigError surfaces as one CLI line

    return load_settings(config).user.timezone
