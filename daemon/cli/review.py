"""`radiosilence review` and `radiosilence label`: the person answers what the classifier is
unsure of, and corrects what it got wrong. Answers are kept in the state and win over the
classifier from the next cycle on; `label --export` hands them out as training data."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from radiosilence.cli.args import load, open_store, setup
from radiosilence.cli.errors import UsageProblem
from radiosilence.cli.output import table
from radiosilence.model import Category
from radiosilence.store import Store

FORGET = "forget"  # `label ID forget`: the classifier decides again


def add_review_commands(add: Any) -> None:
    """Declare `review` and `label` with the parser's `add(name, handler, help, now)`."""
    review = add("review", cmd_review, "the labels the classifier is unsure of, to answer")
    review.add_argument("--json", action="store_true", help="machine-readable output")
    label = add("label", cmd_label, "say what a message is: it wins over the classifier",
                now=False)
    label.add_argument("message_id", nargs="?", help="its Message-ID, as `review` shows it")
    label.add_argument("category", nargs="?",
                       help=f"one of {', '.join(Category)}, or {FORGET}")
    label.add_argument("--export", action="store_true",
                       help="print every labelled message as JSON Lines (training data)")


def cmd_review(args: argparse.Namespace) -> int:
    settings, engine, now = setup(args)
    engine.sync(now)
    rows = [(q, p.interview) for p in engine.plan(now) for q in p.questions]
    if args.json:
        print(json.dumps([{"message_id": q.message_id, "interview": iv.id,
                           "company": iv.company, "category": str(q.category),
                           "confidence": q.confidence, "subject": q.subject,
                           "from": q.sender, "question": q.text} for q, iv in rows], indent=2))
        return 0
    if not rows:
        print("No open questions: every label is sure enough to act on.")
        return 0
    print(table([("MESSAGE-ID", "COMPANY", "FROM", "SUBJECT", "QUESTION"), *[
        (q.message_id, iv.company or "?", q.sender, q.subject[:40],
         f"{q.text} ({q.confidence:.2f})") for q, iv in rows]]))
    print("\nAnswer with: radiosilence label MESSAGE-ID CATEGORY "
          f"(one of {', '.join(Category)})")
    return 0


def cmd_label(args: argparse.Namespace) -> int:
    store = open_store(args, load(args))
    if args.export:
        return _export(store)
    if not args.message_id or not args.category:
        raise UsageProblem("give a Message-ID and a category, or --export")
    message_id = args.message_id.strip().strip("<>")
    category = args.category.strip().lower()
    if category != FORGET and category not in set(Category):
        raise UsageProblem(f"{category!r}: not a category; use one of {', '.join(Category)} "
                           f"or {FORGET}")
    if store.message(message_id) is None:
        raise UsageProblem(f"{message_id}: no such message among the kept recruiting mail; "
                           "`radiosilence review` lists the open questions")
    with store.transaction():
        store.set_label(message_id, None if category == FORGET else category,
                        datetime.now(ZoneInfo("UTC")))
    said = "the classifier decides again" if category == FORGET else f"labelled {category}"
    print(f"{message_id}: {said}; the next cycle acts on it")
    return 0


def _export(store: Store) -> int:
    for message_id, category in sorted(store.labels().items()):
        mail = store.message(message_id)
        if mail is None:
            continue  # forgotten by housekeeping: nothing left to learn from
        sys.stdout.write(json.dumps({
            "id": message_id, "category": category, "subject": mail.subject,
            "from": mail.sender.email, "date": mail.date.isoformat(), "body": mail.body,
        }, ensure_ascii=False) + "\n")
    return 0
