"""Building the engine from settings: which connectors, with what arguments.

The only module that knows every connector; everything else sees the interfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from radiosilence.cli.auth import token_path
from radiosilence.config.settings import ConfigError, Settings, default_config_path
from radiosilence.connectors.base import CalendarSource, DraftSink, MailSource
from radiosilence.engine import CycleTime, Engine
from radiosilence.store import Store
from radiosilence.understand import senders


def open_engine(settings: Settings) -> Engine:
    """The engine with the connectors the config names. Raises ConfigError for an unusable
    config and AuthNeeded when Google access has not been authorised."""
    if not settings.user.addresses:
        where = settings.source_file or default_config_path()
        raise ConfigError([f"{where}: user.addresses: empty; set your own email address(es) "
                           "there, or try `radiosilence demo` first"])
    store = Store(settings.paths.database)
    uses_google = settings.sources.mail == "gmail" or settings.sources.calendar == "google"
    google = _Google(settings) if uses_google else None
    clock = CycleTime()
    return Engine(settings, store, _mail_source(settings, store, google, clock),
                  _calendar_source(settings, google, clock), _draft_sink(settings, google),
                  clock)


def _mail_source(settings: Settings, store: Store, google: _Google | None,
                 clock: CycleTime) -> MailSource:
    if google is not None and settings.sources.mail == "gmail":
        from radiosilence.connectors.google.gmail_source import GmailMailSource

        return GmailMailSource(
            google.service("gmail", "v1"), google.caller, google.batch_uri("gmail/v1"),
            settings.policy.recruiting_window_days, known_domains(store, settings),
            max_bytes=settings.sources.max_message_mb * 1024 * 1024, clock=clock,
        )
    from radiosilence.connectors.local.maildir import MaildirSource

    maildir = settings.maildir
    return MaildirSource(maildir.path, maildir.skip_folders, maildir.drafts_folder,
                         settings.sources.max_message_mb * 1024 * 1024)


def _calendar_source(settings: Settings, google: _Google | None,
                     clock: CycleTime) -> CalendarSource:
    if google is not None and settings.sources.calendar == "google":
        from radiosilence.connectors.google.calendar import GoogleCalendarSource

        return GoogleCalendarSource(
            google.service("calendar", "v3"), google.caller, settings.google.calendars,
            settings.policy.recruiting_window_days, clock,
        )
    from radiosilence.connectors.local.vdir import VdirCalendarSource

    return VdirCalendarSource(settings.vdir.path)


def _draft_sink(settings: Settings, google: _Google | None) -> DraftSink:
    if google is not None and settings.sources.mail == "gmail":
        from radiosilence.connectors.google.gmail_drafts import GmailDraftSink

        return GmailDraftSink(google.service("gmail", "v1"), google.caller)
    from radiosilence.connectors.local.maildir_drafts import MaildirDraftSink

    return MaildirDraftSink(settings.maildir.path, settings.maildir.drafts_folder)


def known_domains(store: Store, settings: Settings) -> Callable[[], Iterable[str]]:
    """The company domains of people in known interviews, for narrowing a mail search."""
    own = {address.rpartition("@")[2] for address in settings.user.addresses}

    def current() -> Iterable[str]:
        found = set()
        for event in store.events():
            people = [*event.attendees, *([event.organizer] if event.organizer else [])]
            for person in people:
                domain = person.email.rpartition("@")[2]
                if domain not in own and senders.is_company_domain(domain):
                    found.add(domain)
        return sorted(found)

    return current


class _Google:
    """One set of credentials, one caller (one quota budget) for Gmail and Calendar."""

    def __init__(self, settings: Settings) -> None:
        from radiosilence.connectors.google.api import Caller, GoogleConfig, load_credentials

        self.config = GoogleConfig(
            endpoint=settings.google.api_endpoint, anonymous=settings.google.anonymous,
            token_file=token_path(settings), quota_per_minute=settings.google.quota_per_minute,
        )
        self.credentials = load_credentials(self.config)
        self.caller = Caller(self.config)
        self._services: dict[str, Any] = {}

    def service(self, api: str, version: str) -> Any:
        from radiosilence.connectors.google.api import build_service

        if api not in self._services:
            self._services[api] = build_service(api, version, self.config, self.credentials)
        return self._services[api]

    def batch_uri(self, api_path: str) -> str:
        # new_batch_http_request() ignores an endpoint override, so the URI is built here.
        base = self.config.endpoint.rstrip("/") if self.config.endpoint else \
            "https://www.googleapis.com"
        return f"{base}/batch/{api_path}"
