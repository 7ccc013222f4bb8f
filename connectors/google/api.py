"""What the Gmail and Calendar connectors share: credentials, the client, and one choke point
for calls where retries, quota pacing and error translation happen.

No client object or HttpError leaves the connectors: errors become our own exceptions here.
`execute(num_retries=N)` of the client ignores Retry-After and batches are never retried
(DESIGN.md section 4), so retries are ours: bounded, transient errors only, with jitter.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from radiosilence.connectors.base import (
    AuthNeeded,
    ConnectorError,
    CursorExpired,
    NotFound,
    RateLimited,
    Unavailable,
)
from radiosilence.fsutil import atomic_write

log = logging.getLogger(__name__)

# The narrowest scopes that allow reading mail, writing drafts and reading events. None of
# them lets us avoid `gmail.compose` also allowing send: our code simply never calls it.
SCOPES = (
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/calendar.events.readonly",
)

# Quota units per method (Gmail API usage limits table; Calendar counts one per call).
QUOTA_UNITS = {
    "gmail.users.getProfile": 1, "gmail.users.messages.list": 5, "gmail.users.messages.get": 20,
    "gmail.users.messages.attachments.get": 5,
    "gmail.users.threads.get": 10, "gmail.users.history.list": 2, "gmail.users.labels.list": 1,
    "gmail.users.drafts.create": 10, "gmail.users.drafts.update": 15,
    "gmail.users.drafts.get": 5, "gmail.users.drafts.list": 5, "gmail.users.drafts.delete": 10,
    "calendar.events.list": 1, "calendar.calendarList.list": 1,
}
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
BATCH_SIZE = 50  # up to 100 allowed; Google recommends 50 (each call still costs quota)


@dataclass(frozen=True)
class GoogleConfig:
    endpoint: str  # "" for Google itself; a base URL for an emulator
    anonymous: bool
    token_file: Path
    quota_per_minute: int = 4800
    attempts: int = 5  # tries per call for transient errors
    base_delay: float = 1.0  # seconds before the first retry; doubles each time


# --- credentials --------------------------------------------------------------------------


def load_credentials(config: GoogleConfig) -> Any:
    """Credentials for the client: anonymous for an emulator, else the stored authorisation,
    refreshed (and saved) when expired. Raises AuthNeeded when there is none or it was
    revoked: the user must run `radiosilence auth`."""
    if config.anonymous:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request
    from google.oauth2.credentials import Credentials

    if not config.token_file.exists():
        raise AuthNeeded(f"Google access is not authorised yet (nothing at {config.token_file}): "
                         "run `radiosilence auth` once")
    try:
        creds = Credentials.from_authorized_user_file(str(config.token_file), list(SCOPES))
    except (ValueError, json.JSONDecodeError) as error:
        raise AuthNeeded(f"unreadable authorisation in {config.token_file}") from error
    if config.endpoint:
        # google-auth always sends refreshes to Google's token endpoint, whatever the file
        # says; a test endpoint (the emulator) answers them itself.
        creds = creds.with_token_uri(config.endpoint.rstrip("/") + "/token")
    if not creds.valid:
        try:
            creds.refresh(Request())
        except RefreshError as error:  # invalid_grant: revoked, or a 7-day "Testing" token
            raise AuthNeeded("authorisation expired or revoked") from error
        save_credentials(creds, config.token_file)
    return creds


def save_credentials(creds: Any, path: Path) -> None:
    """The authorised-user JSON, written atomically with mode 0600 (it is a secret)."""
    atomic_write(path, creds.to_json().encode(), mode=0o600)


def build_service(api: str, version: str, config: GoogleConfig, credentials: Any) -> Any:
    """A discovery-based client from the discovery documents shipped with the library."""
    from googleapiclient.discovery import build

    options = None
    if config.endpoint:
        base = config.endpoint.rstrip("/") + "/"
        # Calendar's paths are relative to its servicePath, so its endpoint must carry it.
        options = {"api_endpoint": base + ("calendar/v3/" if api == "calendar" else "")}
    return build(api, version, credentials=credentials, client_options=options,
                 static_discovery=True, cache_discovery=False)


# --- pacing -------------------------------------------------------------------------------


@dataclass
class QuotaBudget:
    """A token bucket over quota units: a big first scan is paced to stay under the
    per-user-per-minute limit instead of running into 429s."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    spent: int = 0
    _level: float = field(default=-1.0)
    _at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spend(self, units: int) -> None:
        with self._lock:
            now = self.clock()
            if self._level < 0:
                self._level, self._at = float(self.per_minute), now
            refill = (now - self._at) * self.per_minute / 60
            self._level = min(float(self.per_minute), self._level + refill)
            self._at = now
            wait = (units - self._level) * 60 / self.per_minute if self._level < units else 0.0
            self._level -= units
            self.spent += units
        if wait > 0:
            log.info("pacing API calls for %.1f s to stay within quota", wait)
            self.sleep(wait)


# --- calls --------------------------------------------------------------------------------


class Caller:
    """Runs API requests: quota first, then the call, transient failures retried with
    exponential backoff and jitter (Retry-After honoured), errors translated once."""

    def __init__(self, config: GoogleConfig, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self.sleep = sleep
        self.budget = QuotaBudget(config.quota_per_minute, sleep=sleep)

    def call(self, request: Any, method: str, *, retry: bool = True) -> Any:
        """Execute one request; `retry=False` for calls that must not run twice blindly
        (creating a draft: a lost answer may hide a success; the key heals it next cycle)."""
        from googleapiclient.http import BatchHttpRequest

        attempts = self.config.attempts if retry else 1
        for attempt in range(1, attempts + 1):
            self.budget.spend(QUOTA_UNITS.get(method, 1))
            try:
                # A BatchHttpRequest's execute() takes no num_retries (it never retries).
                if isinstance(request, BatchHttpRequest):
                    return request.execute()
                return request.execute(num_retries=0)
            except Exception as error:  # noqa: BLE001 - translated right below
                problem = translate(error, method)
            if not _transient(problem) or attempt == attempts:
                raise problem
            self.sleep(self._delay(attempt, problem))
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, problem: ConnectorError) -> float:
        delay = self.config.base_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
        if isinstance(problem, RateLimited) and problem.retry_after:
            delay = max(delay, problem.retry_after)
        log.info("transient API error (%s); retrying in %.1f s", problem, delay)
        return min(delay, 120.0)

    def batch(self, service: Any, batch_uri: str, method: str,
              requests: Iterable[tuple[str, Any]], size: int = BATCH_SIZE,
              ) -> tuple[dict[str, Any], dict[str, Exception]]:
        """Run many requests in batches of `size`; failed transient parts are retried
        in the next round (a batch as a whole is never retried). Returns (answers by id,
        errors by id) for the ids given."""
        from googleapiclient.http import BatchHttpRequest

        pending = list(requests)
        answers: dict[str, Any] = {}
        errors: dict[str, Exception] = {}
        for round_ in range(1, self.config.attempts + 1):
            retry_later: list[tuple[str, Any]] = []
            wait_at_least = 0.0  # the longest Retry-After among the parts to retry
            for start in range(0, len(pending), size):
                chunk = pending[start:start + size]
                batch = BatchHttpRequest(batch_uri=batch_uri)
                failed: dict[str, ConnectorError] = {}

                def done(request_id: str, response: Any, exception: Exception | None,
                         failed: dict[str, ConnectorError] = failed) -> None:
                    if exception is None:
                        answers[request_id] = response
                    else:
                        failed[request_id] = translate(exception, method)

                for request_id, request in chunk:
                    batch.add(request, callback=done, request_id=request_id)
                self.budget.spend(QUOTA_UNITS.get(method, 1) * len(chunk))
                self.call(batch, "batch")
                by_id = dict(chunk)
                for request_id, problem in failed.items():
                    if _transient(problem) and round_ < self.config.attempts:
                        retry_later.append((request_id, by_id[request_id]))
                        if isinstance(problem, RateLimited) and problem.retry_after:
                            wait_at_least = max(wait_at_least, problem.retry_after)
                    else:
                        errors[request_id] = problem
            if not retry_later:
                break
            backoff = self.config.base_delay * 2 ** (round_ - 1) * random.uniform(0.5, 1.5)
            self.sleep(min(max(backoff, wait_at_least), 120.0))
            pending = retry_later
        return answers, errors


def translate(error: Exception, method: str) -> ConnectorError:
    """One HttpError, transport or auth error as one of our exceptions."""
    from google.auth.exceptions import InvalidOperation, RefreshError
    from googleapiclient.errors import HttpError

    if isinstance(error, ConnectorError):
        return error
    if isinstance(error, RefreshError | InvalidOperation):
        # InvalidOperation: a 401 on anonymous credentials, which cannot refresh.
        return AuthNeeded("authorisation expired or revoked")
    if isinstance(error, HttpError):
        return _from_http(error, method)
    if isinstance(error, OSError | socket.timeout | TimeoutError):
        return Unavailable(f"{method}: {type(error).__name__}: {error}")
    import httplib2

    if isinstance(error, httplib2.HttpLib2Error):
        return Unavailable(f"{method}: {type(error).__name__}")
    raise error


def _from_http(error: Any, method: str) -> ConnectorError:
    status = int(error.resp.status)
    reasons = _reasons(error)
    retry_after = _retry_after(error.resp.get("retry-after"))
    text = f"{method}: HTTP {status} {error.reason[:120]}"
    if status == 429 or (status == 403 and reasons & _RATE_REASONS):
        return RateLimited(text, retry_after)
    if status == 401:
        return AuthNeeded("authorisation expired or revoked")
    if status == 404:
        return NotFound(text)
    if status == 410:
        return CursorExpired(text)
    if status >= 500:
        return Unavailable(text)
    return ConnectorError(text)


def _reasons(error: Any) -> set[str]:
    details = error.error_details if isinstance(error.error_details, list) else []
    return {d.get("reason", "") for d in details if isinstance(d, dict)}


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None  # an HTTP date: our own backoff is good enough


def _transient(problem: ConnectorError) -> bool:
    return isinstance(problem, RateLimited | Unavailable)
