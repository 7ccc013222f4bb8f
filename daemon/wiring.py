"""Building the engine from settings: which connectors, with what arguments.

The only module that knows every connector and the only one below the command line that
reads the settings: everything under it gets explicit arguments (`PlanPolicy`,
`SyncOptions`, `EngineOptions`) and sees connectors through their interfaces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from radiosilence.config.options import WEEKDAYS
from radiosilence.config.secrets import PasswordSource
from radiosilence.config.settings import ConfigError, Settings, default_config_path
from radiosilence.connectors.base import CalendarSource, ConnectorError, DraftSink, MailSource
from radiosilence.connectors.imap.folders import SENT_NAME
from radiosilence.connectors.imap.session import ImapAccount, ImapSession
from radiosilence.engine import CycleTime, Engine, EngineOptions
from radiosilence.model import Address
from radiosilence.parse.limits import Limits
from radiosilence.plan.policy import PlanPolicy
from radiosilence.publish.channels import ReminderChannel
from radiosilence.publish.feed import FeedOptions
from radiosilence.render import template_environment
from radiosilence.store import Store
from radiosilence.sync import Sync, SyncOptions
from radiosilence.understand import senders
from radiosilence.understand.recruiting import RECRUITING_WORDS, RecruitingTriage


def open_engine(settings: Settings, heartbeat: Callable[[], None] = lambda: None) -> Engine:
    """The engine with the connectors the config names. `heartbeat` is called during long
    work (a watchdog tells slow from stuck by it). Raises ConfigError for an unusable config
    and AuthNeeded when Google access has not been authorised."""
    if not settings.user.addresses:
        where = settings.source_file or default_config_path()
        raise ConfigError([f"{where}: user.addresses: empty; set your own email address(es) "
                           "there, or try `radiosilence demo` first"])
    templates = template_environment(settings.drafts.templates_dir)
    store = Store(settings.paths.database)
    uses_google = settings.sources.mail == "gmail" or settings.sources.calendar == "google"
    google = _Google(settings) if uses_google else None
    imap = imap_session(settings) if settings.sources.mail == "imap" else None
    clock = CycleTime()
    sync = Sync(store, _mail_source(settings, store, google, clock, imap),
                _calendar_source(settings, google, clock), sync_options(settings), heartbeat)
    return Engine(store, sync, _draft_sink(settings, google, imap), plan_policy(settings),
                  engine_options(settings), templates, clock, _channels(settings, store),
                  feed="feed" in settings.reminders.channels)


def _channels(settings: Settings, store: Store) -> list[ReminderChannel]:
    """The reminder channels besides the feed, as [reminders] channels names them."""
    found: list[ReminderChannel] = []
    if "caldav" in settings.reminders.channels:
        found.append(_caldav_channel(settings))
    if "desktop" in settings.reminders.channels:
        from radiosilence.publish.desktop import DesktopChannel

        found.append(DesktopChannel(store, settings.user.timezone,
                                    settings.reminders.desktop_open or _drafts_place(settings)))
    return found


def _caldav_channel(settings: Settings) -> ReminderChannel:
    from radiosilence.connectors.caldav.dav import Dav, server_url
    from radiosilence.connectors.caldav.writer import CalDavEventWriter
    from radiosilence.publish.caldav import CalDavChannel

    own = settings.reminders__caldav
    url = _checked(lambda: server_url(own.url), "reminders.caldav.url", settings)
    password = PasswordSource("reminders.caldav", own.password_command, own.password_file).read()
    writer = CalDavEventWriter(Dav(url, own.username, password, label="reminders.caldav"),
                               own.calendar)
    return CalDavChannel(writer, own.lead_minutes)


def _drafts_place(settings: Settings) -> str:
    """Where the person's drafts are, for a notification click to open: the Drafts folder
    the Maildir sink writes to, found as it finds it (mbsync's per-account layout too)."""
    if settings.sources.mail == "gmail":
        return "https://mail.google.com/mail/u/0/#drafts"
    if settings.sources.mail != "maildir":
        return ""
    from radiosilence.connectors.local.maildir import discover_folders, find_drafts_folder

    maildir = settings.maildir
    try:
        found = find_drafts_folder(discover_folders(maildir.path), maildir.drafts_folder,
                                   maildir.path)
    except ConnectorError:  # several accounts, no root: the scan says so, not this
        found = None
    return str(found[1] if found else maildir.path)


def plan_policy(settings: Settings) -> PlanPolicy:
    p, user = settings.policy, settings.user
    return PlanPolicy(
        timezone=user.timezone, user=frozenset(user.addresses), user_name=user.name,
        thank_you_within_hours=p.thank_you_within_hours,
        thank_you_delay_hours=p.thank_you_delay_hours,
        thank_you_expire_days=p.thank_you_expire_days, nudge_after_days=p.nudge_after_days,
        deadline_grace_business_days=p.deadline_grace_business_days,
        final_after_days=p.final_after_days, max_followups=p.max_followups,
        min_days_between_followups=p.min_days_between_followups,
        reply_reminder_business_days=p.reply_reminder_business_days,
        give_up_after_days=p.give_up_after_days,
        business_days=frozenset(WEEKDAYS.index(d) for d in p.business_days),
        holidays=frozenset(p.holidays), reminder_time=p.reminder_time,
    )


def sync_options(settings: Settings) -> SyncOptions:
    return SyncOptions(
        user=frozenset(settings.user.addresses), timezone=settings.user.timezone,
        sent_folders=sent_folders(settings),
        drafts_folder=settings.maildir.drafts_folder,
        window_days=settings.policy.recruiting_window_days,
        limits=limits(settings),
    )


def limits(settings: Settings) -> Limits:
    """The config's [limits] in the units the parsers count in."""
    given = settings.limits
    return Limits(
        message_read_bytes=given.message_read_mb * 1024 * 1024, mime_parts=given.mime_parts,
        body_chars=given.body_chars, calendar_item_bytes=given.calendar_item_kb * 1024,
        events_per_item=given.events_per_file, attendees_per_event=given.attendees_per_event,
        description_chars=given.description_chars, seconds_per_item=given.seconds_per_item)


def engine_options(settings: Settings) -> EngineOptions:
    user, feed = settings.user, settings.feed
    return EngineOptions(
        sender=Address(user.addresses[0] if user.addresses else "", user.name),
        signature=user.signature or user.name or "[your name]",
        interview_threshold=settings.policy.interview_threshold,
        track=settings.policy.track, ignore=settings.policy.ignore,
        max_new_drafts=settings.drafts.max_new_per_cycle, feed_path=feed.path,
        feed=FeedOptions(feed.name, feed.refresh_minutes, feed.alarm_minutes_before),
        event_minutes=feed.event_minutes, page_dir=settings.state_dir / "page",
    )


def token_path(settings: Settings) -> Path:
    """Where the Google authorisation is kept."""
    return settings.google.token_file or settings.state_dir / "google-token.json"


def sent_folders(settings: Settings) -> frozenset[str]:
    """The folders whose mail is the user's own. The IMAP source names the server's sent
    folder (SPECIAL-USE \\Sent) "Sent", whatever the server calls it."""
    names = set(settings.maildir.sent_folders)
    if settings.sources.mail == "imap":
        names.add(SENT_NAME)
    return frozenset(names)


def mail_triage(settings: Settings, store: Store, clock: CycleTime) -> RecruitingTriage:
    """The headers-first policy of understand/recruiting.py, for the sources that read mail
    whole only when it may be kept: the store's contacts and messages, the window."""
    window = timedelta(days=settings.policy.recruiting_window_days)
    return RecruitingTriage(
        own=frozenset(settings.user.addresses), sent_folders=sent_folders(settings),
        known=store.contact_addresses, has_message=store.has_message,
        oldest=lambda: clock() - window, default_tz=settings.user.timezone)


def imap_session(settings: Settings) -> ImapSession:
    """The connection to the [imap] server, with the password from its command or file.
    Raises ConfigError for missing options or an unreadable password."""
    imap = settings.imap
    where = settings.source_file or default_config_path()
    missing = [name for name in ("host", "username") if not getattr(imap, name)]
    if missing:
        raise ConfigError([f"{where}: imap.{name}: empty; [sources] mail = \"imap\" needs "
                           "it" for name in missing])
    password = PasswordSource("imap", imap.password_command, imap.password_file).read()
    try:
        account = ImapAccount(host=imap.host, port=imap.port, username=imap.username,
                              password=password, security=imap.security)
    except ValueError as problem:
        raise ConfigError([f"{where}: imap.security: {problem}"]) from None
    return ImapSession(account)


def _mail_source(settings: Settings, store: Store, google: _Google | None,
                 clock: CycleTime, imap: ImapSession | None = None) -> MailSource:
    if google is not None and settings.sources.mail == "gmail":
        from radiosilence.connectors.google.gmail_source import GmailMailSource

        return GmailMailSource(
            google.service("gmail", "v1"), google.caller, google.batch_uri("gmail/v1"),
            settings.policy.recruiting_window_days, known_domains(store, settings),
            search_words=RECRUITING_WORDS,
            relay_domains=senders.RELAY_DOMAINS,
            max_bytes=settings.sources.max_message_mb * 1024 * 1024,
            read_bytes=limits(settings).message_read_bytes, clock=clock,
        )
    if imap is not None:
        from radiosilence.connectors.imap.source import ImapMailSource

        # Mail is delivered at or after its Date; two days more for clocks that run ahead.
        reach = timedelta(days=settings.policy.recruiting_window_days + 2)
        return ImapMailSource(imap, settings.sources.max_message_mb * 1024 * 1024,
                              folders=settings.imap.folders,
                              triage=mail_triage(settings, store, clock),
                              since=lambda: (clock() - reach).date(),
                              read_bytes=limits(settings).message_read_bytes)
    from radiosilence.connectors.local.maildir import MaildirSource

    maildir = settings.maildir
    return MaildirSource(maildir.path, maildir.skip_folders, maildir.drafts_folder,
                         settings.sources.max_message_mb * 1024 * 1024,
                         triage=mail_triage(settings, store, clock),
                         read_bytes=limits(settings).message_read_bytes)


def _calendar_source(settings: Settings, google: _Google | None,
                     clock: CycleTime) -> CalendarSource:
    if google is not None and settings.sources.calendar == "google":
        from radiosilence.connectors.google.calendar import GoogleCalendarSource

        return GoogleCalendarSource(
            google.service("calendar", "v3"), google.caller, settings.google.calendars,
            settings.policy.recruiting_window_days, clock,
        )
    if settings.sources.calendar == "caldav":
        return _caldav_source(settings)
    if settings.sources.calendar == "ics-url":
        return _ics_link_source(settings)
    from radiosilence.connectors.local.vdir import VdirCalendarSource

    return VdirCalendarSource(settings.vdir.path,
                              max_bytes=limits(settings).calendar_item_bytes)


def _caldav_source(settings: Settings) -> CalendarSource:
    from radiosilence.connectors.caldav.dav import Dav, server_url
    from radiosilence.connectors.caldav.source import CalDavCalendarSource

    caldav = settings.caldav
    url = _checked(lambda: server_url(caldav.url), "caldav.url", settings)
    password = PasswordSource("caldav", caldav.password_command, caldav.password_file).read()
    return CalDavCalendarSource(Dav(url, caldav.username, password), caldav.calendars)


def _ics_link_source(settings: Settings) -> CalendarSource:
    from radiosilence.connectors.ics_link import IcsLinkCalendarSource, link_url

    url = _checked(lambda: link_url(settings.ics_url.url), "ics_url.url", settings)
    return IcsLinkCalendarSource(url)


def _checked(make: Callable[[], str], option: str, settings: Settings) -> str:
    """The URL `make` returns, or a ConfigError naming `option` (the value is not quoted:
    a calendar link is a secret)."""
    try:
        return make()
    except ValueError as problem:
        where = settings.source_file or default_config_path()
        raise ConfigError([f"{where}: {option}: {problem}"]) from None


def _draft_sink(settings: Settings, google: _Google | None,
                imap: ImapSession | None = None) -> DraftSink:
    if google is not None and settings.sources.mail == "gmail":
        from radiosilence.connectors.google.gmail_drafts import GmailDraftSink

        return GmailDraftSink(google.service("gmail", "v1"), google.caller)
    if imap is not None:
        from radiosilence.connectors.imap.drafts import ImapDraftSink

        return ImapDraftSink(imap)
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
