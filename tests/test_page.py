"""The status page in a real browser (Debian's Chromium, driven by Playwright) over the demo
story served by a real `radiosilence run`: every interview and state in order, screenshots at
1280 and 375 px, each kind of correction through its real form with its effect on the page
and in `status --json`; and the refusals: a wrong token, a missing nonce, a cross-origin
POST, a GET that tries to change state."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_review import ON_HOLD
from tests.test_service import Notifications, make_demo, start, stop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOW = "2026-03-18T17:00:00+00:00"
DEMO_STATES = {"next round", "final due", "nudge due", "in conversation", "thank-you due",
               "scheduled", "waiting", "closed: rejected", "cancelled"}
CLOSED = {"closed: rejected", "closed: offer", "cancelled", "ignored", "silent",
          "not followed up"}


@dataclass
class Site:
    root: Path
    config: Path
    port: int
    token: str
    listener: Notifications

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.token}/"

    def status(self) -> list[dict[str, Any]]:
        done = subprocess.run([sys.executable, "-m", "radiosilence", "--config",
                               str(self.config), "status", "--json", "--now", NOW],
                              capture_output=True, text=True, timeout=120, check=True)
        return list(json.loads(done.stdout))

    def plan(self, company: str) -> dict[str, Any]:
        return next(p for p in self.status() if p["company"] == company)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    config, port = make_demo(tmp_path / "demo", interval=60)
    root = config.parent
    (root / "mail" / "new" / f"{int(time.time())}.M9P{os.getpid()}.test").write_text(ON_HOLD)
    listener = Notifications(tmp_path / "notify.sock")
    process = start(config, listener)
    try:
        listener.wait_for("STATUS=10 interviews")
        token = (root / "state" / "feed-token").read_text().strip()
        yield Site(root, config, port, token, listener)
    finally:
        code, journal = stop(process)
        listener.close()
    assert code == 0, journal


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield launched
        launched.close()


def _rows(page: Any) -> list[tuple[str, str]]:
    return [(row.get_attribute("data-id"), row.get_attribute("data-state"))
            for row in page.query_selector_all("tr.row")]


def _until(check: Any, page: Any, url: str, timeout: float = 30.0) -> None:
    """Reload `url` until `check(page)` holds: a correction shows after the cycle it asks for."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        if check(page):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not shown in time on {url}")
        time.sleep(0.2)


def test_the_overview_and_the_story_in_a_browser(site: Site, browser: Any,
                                                 tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site.url)
    rows = _rows(page)
    plans = site.status()
    assert len(rows) == 10 and sorted(rows) == sorted((p["id"], p["state"]) for p in plans)
    # The demo's states (Quillstone waits on the question the on-hold mail raises).
    assert {state for _, state in rows} == DEMO_STATES - {"nudge due"}
    open_rows = [i for i, (_, s) in enumerate(rows) if s not in CLOSED]
    closed_rows = [i for i, (_, s) in enumerate(rows) if s in CLOSED]
    assert max(open_rows) < min(closed_rows), rows
    assert page.inner_text("th a >> nth=0")  # each row links to its interview
    overdue = page.query_selector_all("strong.overdue")
    assert overdue, "the demo's late follow-ups are marked overdue"
    assert "Is this a rejection?" in page.inner_text("section[aria-labelledby=review]")
    wide = tmp_path / "overview-1280.png"
    page.screenshot(path=str(wide), full_page=True)
    narrow_page = browser.new_page(viewport={"width": 375, "height": 800})
    narrow_page.goto(site.url)
    narrow = tmp_path / "overview-375.png"
    narrow_page.screenshot(path=str(narrow), full_page=True)
    assert narrow_page.evaluate("document.documentElement.scrollWidth") <= 375
    print(f"\nscreenshots: {wide} {narrow}")
    weight = sum(len(_get(site, path).read()) for path in ("", "style.css"))
    print(f"page weight: {weight} bytes")
    assert weight < 100_000

    brightloom = next(ident for ident, s in rows if s == "thank-you due")
    page.goto(f"{site.url}{brightloom}.html")
    assert page.query_selector_all("svg.timeline .mark.interview")
    story = page.inner_text("#timeline-text")
    assert "interview, Wednesday 18 March, 13:00" in story and "reminder: Thank" in story
    assert "I enjoyed our discussion" in page.inner_text("pre.draft >> nth=0")
    page.screenshot(path=str(tmp_path / "brightloom-1280.png"), full_page=True)
    # Every control has a label (the accessibility tree names each one).
    unnamed = page.evaluate("""[...document.querySelectorAll('select, textarea')]
        .filter(e => !e.labels || e.labels.length === 0).length""")
    assert unnamed == 0


def test_each_correction_through_its_form(site: Site, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # The review queue's answer: the on-hold mail is not a rejection.
    page.goto(site.url)
    page.select_option("section[aria-labelledby=review] select", "other")
    page.click("section[aria-labelledby=review] button")
    _until(lambda p: not p.query_selector("section[aria-labelledby=review]"), page, site.url)
    assert not site.plan("Quillstone")["questions"]

    brightloom = site.plan("Brightloom")
    url = f"{site.url}{brightloom['id']}.html"
    # A note on an interviewer re-renders that person's untouched thank-you.
    page.goto(url)
    page.fill("form.note:has(input[value='hannah.okafor@brightloom.example']) textarea",
              "the queue migration and its rollback plan")
    page.click("form.note:has(input[value='hannah.okafor@brightloom.example']) button")
    _until(lambda p: "the queue migration and its rollback plan, and" in p.inner_text("main"),
           page, url)
    # "I did this one myself": Lukas's thank-you is no longer owed.
    page.click("article[data-key*='lukas.brandt'] button")
    _until(lambda p: not p.query_selector("article[data-key*='lukas.brandt']"), page, url)
    owed = [f["to"] for f in site.plan("Brightloom")["followups"] if f["kind"] == "thank-you"]
    assert ["lukas.brandt@brightloom.example"] not in owed and owed
    # Ignore an event: the cancelled Driftwood interview is not an interview at all.
    driftwood = site.plan("Driftwood")
    url = f"{site.url}{driftwood['id']}.html"
    page.goto(url)
    page.select_option("#mode", "ignore")
    page.click("form[action='action/override'] button")
    _until(lambda p: all(s != "cancelled" for _, s in _rows(p)), page, site.url)
    assert all(p["company"] != "Driftwood" for p in site.status())


def _get(site: Site, path: str, token: str | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    connection.request("GET", f"/{token or site.token}/{path}")
    return connection.getresponse()


def _post(site: Site, path: str, body: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    connection.request("POST", f"/{site.token}/{path}", body=body.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", **headers})
    response = connection.getresponse()
    response.read()
    return response.status


def test_what_is_refused(site: Site) -> None:
    assert _get(site, "", token="x" * 43).status == 404
    assert _get(site, "style.css", token="x" * 43).status == 404
    index = _get(site, "").read().decode()
    nonce = re.search(r'name="nonce" value="([^"]+)"', index)
    assert nonce
    same = {"Origin": f"http://127.0.0.1:{site.port}"}
    form = "message_id=on-hold-1%40quillstone.example&category=other"
    before = site.plan("Quillstone")["questions"]
    assert _post(site, "action/label", form, same) == 403  # no nonce
    assert _post(site, "action/label", f"{form}&nonce={nonce[1]}",
                 {"Origin": "http://evil.example"}) == 403  # another origin
    assert _post(site, "action/label", f"{form}&nonce={nonce[1]}", {}) == 403  # no origin
    assert _get(site, f"action/label?{form}&nonce={nonce[1]}").status == 405
    assert site.plan("Quillstone")["questions"] == before, "a refused request changed state"
    assert _post(site, "action/label", f"{form}&nonce={nonce[1]}", same) == 303


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_text_colour_of_the_stylesheet_passes_wcag_aa() -> None:
    """WCAG 2.1 AA: 4.5:1 for text. Each rule's colour on its own background (or on the
    page's white), measured from the stylesheet the page ships."""
    from importlib.resources import files

    css = (files("radiosilence.config.templates") / "page" / "style.css").read_text()
    pairs = []
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        colour = re.search(r"(?<!-)color:\s*(#[0-9a-f]{6})", body)
        ground = re.search(r"background:\s*(#[0-9a-f]{6})", body)
        if colour:
            pairs.append((selector.strip(), colour[1], ground[1] if ground else "#ffffff"))
    assert len(pairs) >= 8, pairs
    for selector, colour, ground in pairs:
        assert _contrast(colour, ground) >= 4.5, (selector, colour, ground)


def test_nonces_verify_expire_and_keep_an_unchanged_page_unchanged(tmp_path: Path) -> None:
    from radiosilence.publish.page import (
        NONCE_LIFETIME_SECONDS,
        load_or_create_secret,
        make_nonce,
        nonce_ok,
    )

    secret = load_or_create_secret(tmp_path)
    assert load_or_create_secret(tmp_path) == secret  # kept, not made anew
    issued = 1_800_000_000.0
    nonce = make_nonce(secret, issued)
    assert make_nonce(secret, issued + 600) == nonce  # the same within the hour
    assert nonce_ok(secret, nonce, now=issued + 60)
    assert not nonce_ok(secret, nonce, now=issued + NONCE_LIFETIME_SECONDS + 3600)
    assert not nonce_ok(b"another secret" * 3, nonce, now=issued + 60)
    forged = nonce.split(".")[0] + "." + "0" * 32
    assert not nonce_ok(secret, forged, now=issued + 60)
    assert not nonce_ok(secret, "", now=issued)
