"""Parsing calendars and mail: hand-written inputs, one trap each (DESIGN.md section 6)."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from radiosilence.connectors.base import RawItem
from radiosilence.model import CalEvent, Mail
from radiosilence.parse.calendar import ParseError, parse_calendar
from radiosilence.parse.mail import html_to_text, parse_mail

TZ = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
ME = "sam.seeker@example.org"


def ics(*event_lines: str, method: str = "REQUEST", extra: str = "") -> bytes:
    """A VCALENDAR with one VEVENT made of `event_lines`, CRLF line ends (RFC 5545 3.1)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//radiosilence tests//EN"]
    if method:
        lines.append(f"METHOD:{method}")
    lines += [extra] if extra else []
    lines += ["BEGIN:VEVENT", *event_lines, "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def one(data: bytes, tz: ZoneInfo = TZ) -> CalEvent:
    events = parse_calendar(data, source="calendar", source_ref="test.ics", default_tz=tz)
    assert len(events) == 1
    return events[0]


def mail(raw: str | bytes, folder: str = "INBOX", flags: str = "", **kwargs: object) -> Mail:
    data = raw.encode() if isinstance(raw, str) else raw
    options: dict = {"received": RECEIVED, **kwargs}
    return parse_mail(
        RawItem(ref=f"{folder}/1", folder=folder, data=data, flags=flags),
        own_addresses=frozenset({ME}),
        sent_folders=frozenset({"Sent", "[Gmail]/Sent Mail"}),
        drafts_folder="Drafts",
        default_tz=TZ,
        **options,
    )


BASIC = (
    "UID:iv-1@ats.example.net",
    "DTSTAMP:20250301T090000Z",
    "DTSTART:20250310T140000Z",
    "DTEND:20250310T150000Z",
    "SUMMARY:Technical interview",
)


# --- calendars -------------------------------------------------------------------------------


def test_basic_event_is_utc_and_carries_method() -> None:
    event = one(ics(*BASIC))
    assert event.uid == "iv-1@ats.example.net"
    assert event.method == "REQUEST" and not event.cancelled
    assert event.start == datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
    assert event.end == datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
    assert event.start.tzinfo is UTC and not event.all_day
    assert (event.summary, event.recurrence_id, event.sequence) == ("Technical interview", "", 0)


def test_cancel_method_and_status() -> None:
    event = one(ics(*BASIC, "STATUS:CANCELLED", "SEQUENCE:3", method="cancel"))
    assert event.method == "CANCEL" and event.status == "CANCELLED" and event.cancelled
    assert event.sequence == 3


def test_windows_zone_name_without_vtimezone_maps_to_olson() -> None:
    # Outlook writes Windows names; icalendar maps them (W. Europe -> Europe/Berlin) even
    # with no VTIMEZONE in the file. 10:00 CET in March (before DST) is 09:00 UTC. We keep
    # that mapping; only a name nobody knows falls back to default_tz.
    start = "DTSTART;TZID=W. Europe Standard Time:20250310T100000"
    end = "DTEND;TZID=W. Europe Standard Time:20250310T110000"
    event = one(ics(BASIC[0], start, end), tz=ZoneInfo("America/New_York"))
    assert event.start == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert event.end - event.start == timedelta(hours=1)


def test_unknown_tzid_is_read_in_default_tz() -> None:
    event = one(ics(BASIC[0], "DTSTART;TZID=Mars/Olympus Mons:20250310T100000"))
    assert event.start == datetime(2025, 3, 10, 10, 0, tzinfo=TZ).astimezone(UTC)


def test_custom_vtimezone_is_taken_from_its_own_file() -> None:
    # icalendar caches a non-standard TZID process-wide on first sight; two senders using
    # Outlook's "Customized Time Zone" with different offsets must not share one.
    def calendar(offset: str) -> bytes:
        vtimezone = "\r\n".join(
            [
                "BEGIN:VTIMEZONE",
                "TZID:Customized Time Zone",
                "BEGIN:STANDARD",
                "DTSTART:16010101T000000",
                f"TZOFFSETFROM:{offset}",
                f"TZOFFSETTO:{offset}",
                "END:STANDARD",
                "END:VTIMEZONE",
            ]
        )
        return ics(BASIC[0], "DTSTART;TZID=Customized Time Zone:20250310T100000", extra=vtimezone)

    assert one(calendar("+0100")).start.hour == 9
    assert one(calendar("-0500")).start.hour == 15
    assert one(calendar("+0100")).start.hour == 9


def test_huge_sequence_is_kept_as_int() -> None:
    assert one(ics(*BASIC, "SEQUENCE:14000000000000")).sequence == 14_000_000_000_000


@pytest.mark.parametrize("value", ["", "many", "-4", "1.5"])
def test_garbage_sequence_is_zero(value: str) -> None:
    assert one(ics(*BASIC, f"SEQUENCE:{value}")).sequence == 0


def test_organizer_without_mailto_and_params() -> None:
    event = one(ics(*BASIC, 'ORGANIZER;CN="Rita Recruiter":Rita.Recruiter@Example.COM'))
    assert event.organizer is not None
    assert event.organizer.email == "rita.recruiter@example.com"
    assert event.organizer.name == "Rita Recruiter"
    assert event.organizer.cutype == "INDIVIDUAL"


def test_attendees_room_kept_mailto_stripped_non_addresses_dropped() -> None:
    event = one(
        ics(
            *BASIC,
            "ATTENDEE;CUTYPE=room;CN=Room Ada:MAILTO:Room.Ada@Example.com",
            "ATTENDEE;ROLE=opt-participant;PARTSTAT=accepted;CN=Ian:mailto:ian@example.com",
            f"ATTENDEE;CN=Me:mailto:{ME}",
            "ATTENDEE;CN=Nobody:invalid:nomail",
            "ATTENDEE:mailto:ian@example.com",
        )
    )
    room, ian, me = event.attendees
    assert (room.email, room.name, room.cutype) == ("room.ada@example.com", "Room Ada", "ROOM")
    assert (ian.role, ian.partstat) == ("OPT-PARTICIPANT", "ACCEPTED")
    assert (me.email, me.role, me.partstat) == (ME, "REQ-PARTICIPANT", "NEEDS-ACTION")


def test_rrule_with_spaces_does_not_crash() -> None:
    event = one(ics(*BASIC, "RRULE:FREQ=WEEKLY;BYDAY=MO, TU"))
    assert event.start == datetime(2025, 3, 10, 14, 0, tzinfo=UTC)


def test_all_day_starts_at_local_midnight_and_lasts_a_day() -> None:
    event = one(ics(BASIC[0], "DTSTART;VALUE=DATE:20250330"))  # DST starts that night
    assert event.all_day
    assert event.start == datetime(2025, 3, 30, 0, 0, tzinfo=TZ)
    assert event.end == datetime(2025, 3, 31, 0, 0, tzinfo=TZ)
    assert event.end - event.start == timedelta(hours=23)


def test_floating_time_is_read_in_default_tz() -> None:
    event = one(ics(BASIC[0], "DTSTART:20250710T100000"), tz=ZoneInfo("America/Chicago"))
    assert event.start == datetime(2025, 7, 10, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lines", "length"),
    [
        ((), timedelta(hours=1)),  # our default: interviews have a length (RFC says 0)
        (("DURATION:PT45M",), timedelta(minutes=45)),
        (("DTEND:20250310T130000Z",), timedelta(hours=1)),  # ends before it starts
        (("DTEND:20250310T140000Z",), timedelta(hours=1)),  # zero length
        (("DTEND:not-a-time",), timedelta(hours=1)),
    ],
)
def test_end_defaults(lines: tuple[str, ...], length: timedelta) -> None:
    event = one(ics(BASIC[0], "DTSTART:20250310T140000Z", *lines))
    assert event.end - event.start == length


def test_recurrence_id_is_utc_iso() -> None:
    event = one(ics(*BASIC, "RECURRENCE-ID;TZID=Europe/Berlin:20250310T150000"))
    assert event.recurrence_id == "2025-03-10T14:00:00+00:00"


def test_events_without_uid_or_dtstart_are_skipped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = ics("SUMMARY:Secret salary talk", "DTSTART:20250310T140000Z")
    data += ics("UID:x@example.net", "SUMMARY:Secret salary talk")
    data += ics(*BASIC)
    with caplog.at_level(logging.INFO, logger="radiosilence.parse.calendar"):
        events = parse_calendar(data, source="calendar", source_ref="a.ics", default_tz=TZ)
    assert [e.uid for e in events] == ["iv-1@ats.example.net"]
    assert len(caplog.records) == 2
    assert "Secret" not in caplog.text and "a.ics" in caplog.text


def test_several_calendars_keep_their_own_method() -> None:
    data = ics(*BASIC, method="REQUEST") + ics(*BASIC, "SEQUENCE:1", method="CANCEL")
    events = parse_calendar(data, source="calendar", source_ref="x", default_tz=TZ)
    assert [(e.method, e.sequence) for e in events] == [("REQUEST", 0), ("CANCEL", 1)]


def test_conference_url_sources() -> None:
    google = one(ics(*BASIC, "X-GOOGLE-CONFERENCE:https://meet.google.com/abc-defg-hij"))
    assert google.conference_url == "https://meet.google.com/abc-defg-hij"
    url = one(ics(*BASIC, "URL:https://video.example.net/room/7"))
    assert url.conference_url == "https://video.example.net/room/7"
    text = "Join: <https://acme.zoom.us/j/123?pwd=x>. Or dial in."
    zoom = one(ics(*BASIC, f"DESCRIPTION:{text}", "LOCATION:Room 4"))
    assert zoom.conference_url == "https://acme.zoom.us/j/123?pwd=x"
    assert one(ics(*BASIC, "LOCATION:https://example.com/x")).conference_url == ""


def test_broken_alarm_does_not_lose_the_event() -> None:
    # icalendar refuses a whole file for one bad VALARM value; we read it leniently.
    alarm = ("BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15X", "END:VALARM")
    assert one(ics(*BASIC, *alarm)).uid == "iv-1@ats.example.net"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \r\n",
        b"hello",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n",
        b"BEGIN:VCARD\r\nEND:VCARD",
    ],
)
def test_unreadable_input_is_a_one_line_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_calendar(data, source="calendar", source_ref="x", default_tz=TZ)
    assert "\n" not in str(info.value)


def test_text_fields_default_to_empty() -> None:
    event = one(ics(BASIC[0], "DTSTART:20250310T140000Z"))
    assert (event.summary, event.description, event.location, event.status) == ("", "", "", "")
    assert event.organizer is None and event.attendees == ()


# --- mail ------------------------------------------------------------------------------------

HEAD = (
    "From: Rita Recruiter <Rita@ATS.example.net>\r\n"
    "To: Sam Seeker <Sam.Seeker@example.org>, undisclosed-recipients:;\r\n"
    "Subject: Your interview\r\n"
    "Date: Tue, 04 Mar 2025 10:15:00 +0100\r\n"
    "Message-ID: <m1@ats.example.net>\r\n"
)


def test_plain_mail_fields() -> None:
    raw = (
        HEAD + "In-Reply-To: <m0@example.org>\r\n"
        "References: <a@x.example>\r\n <m0@example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "List-Id: Jobs\r\n <jobs.example.net>\r\n"
        "X-Unrelated: dropped\r\n"
        "\r\nHello Sam,\r\nsee you then.\r\n"
    )
    m = mail(raw)
    assert m.id == "m1@ats.example.net"
    assert m.sender.email == "rita@ats.example.net" and m.sender.name == "Rita Recruiter"
    assert [a.email for a in m.to] == ["sam.seeker@example.org"]
    assert m.date == datetime(2025, 3, 4, 9, 15, tzinfo=UTC)
    assert m.in_reply_to == "m0@example.org"
    assert m.references == ("a@x.example", "m0@example.org")
    assert m.headers == {"auto-submitted": "auto-replied", "list-id": "Jobs <jobs.example.net>",
                         "date": "Tue, 04 Mar 2025 10:15:00 +0100"}
    assert m.body.startswith("Hello Sam,") and not m.own and not m.draft
    assert m.thread_hint == "" and m.invites == ()


def test_encoded_utf8_display_names_and_subject() -> None:
    name = base64.b64encode("Jürgen Müller-Łukasz".encode()).decode()
    raw = (
        f"From: =?UTF-8?B?{name}?= <jm@corp.example>\r\n"
        "Cc: =?utf-8?q?Ren=C3=A9e?= <RENEE@corp.example>\r\n"
        "Subject: =?utf-8?q?Gespr=C3=A4ch_am_Montag?=\r\n"
        "Date: Tue, 04 Mar 2025 10:15:00 +0000\r\n\r\nHallo\r\n"
    )
    m = mail(raw)
    assert m.sender.name == "Jürgen Müller-Łukasz"
    assert m.cc[0].name == "Renée" and m.cc[0].email == "renee@corp.example"
    assert m.subject == "Gespräch am Montag"


def test_unknown_charset_falls_back() -> None:
    utf8 = "Grüße aus Köln".encode()
    raw = HEAD.encode() + b'Content-Type: text/plain; charset="x-made-up"\r\n\r\n' + utf8
    assert mail(raw).body == "Grüße aus Köln"
    latin = "Grüße aus Köln".encode("latin-1")
    raw = HEAD.encode() + b'Content-Type: text/plain; charset="x-made-up"\r\n\r\n' + latin
    assert mail(raw).body == "Grüße aus Köln"


def test_unknown_charset_in_encoded_word_header() -> None:
    raw = HEAD.replace("Subject: Your interview", "Subject: =?x-made-up?q?Caf=E9?=")
    assert mail(raw).subject.startswith("Caf")


def test_missing_date_uses_received_else_parse_error() -> None:
    raw = HEAD.replace("Date: Tue, 04 Mar 2025 10:15:00 +0100\r\n", "") + "\r\nhi\r\n"
    assert mail(raw).date == RECEIVED
    assert mail(raw.replace("From:", "Date: not a date\r\nFrom:")).date == RECEIVED
    with pytest.raises(ParseError, match="no Date and no received time"):
        mail(raw, received=None)


def test_date_without_zone_is_default_tz_and_minus_zero_is_utc() -> None:
    raw = HEAD.replace("+0100", "") + "\r\nhi\r\n"
    assert mail(raw).date == datetime(2025, 3, 4, 10, 15, tzinfo=TZ)
    raw = HEAD.replace("+0100", "-0000") + "\r\nhi\r\n"
    assert mail(raw).date == datetime(2025, 3, 4, 10, 15, tzinfo=UTC)


def test_missing_message_id_is_a_content_hash() -> None:
    raw = (HEAD.replace("Message-ID: <m1@ats.example.net>\r\n", "") + "\r\nhi\r\n").encode()
    m = mail(raw)
    assert m.id == "sha256:" + hashlib.sha256(raw).hexdigest()[:32]
    assert mail(raw, folder="Archive").id == m.id


def test_unparseable_address_headers_give_empty_tuples() -> None:
    raw = HEAD.replace("To: Sam Seeker <Sam.Seeker@example.org>", 'To: "unclosed <@@>,,;')
    raw = raw.replace("From: Rita Recruiter <Rita@ATS.example.net>", "From: <<>>")
    m = mail(raw + "Cc: \r\n\r\nhi\r\n")
    assert m.to == () and m.cc == () and m.sender.email == ""


def test_long_address_header_takes_the_linear_path() -> None:
    # policy.default's address parser is superlinear; a long header goes to compat32,
    # which must still split before decoding (the encoded name holds a comma).
    others = ", ".join(f"P{i} <p{i}@list.example>" for i in range(3000))
    raw = HEAD.replace(
        "To: Sam Seeker <Sam.Seeker@example.org>",
        f"To: =?utf-8?q?M=C3=BCller=2C_Ada?= <Ada@x.example>, {others}",
    )
    to = mail(raw + "\r\nhi\r\n").to
    assert len(to) == 3001
    assert (to[0].email, to[0].name) == ("ada@x.example", "Müller, Ada")


def test_html_only_alternative() -> None:
    raw = (
        HEAD + "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><head><style>p {color: red}</style></head><body>"
        "<p>Hi&nbsp;Sam,</p><p>Thanks   for\r\nyour time.<br>Best,<br/>Rita</p>"
        "<script>track()</script></body></html>\r\n"
        "--b1--\r\n"
    )
    assert mail(raw).body == "Hi Sam,\n\nThanks for your time.\nBest,\nRita"


def test_plain_preferred_over_html_and_attachments_ignored() -> None:
    raw = (
        HEAD + 'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        '--m\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n'
        "--a\r\nContent-Type: text/plain\r\n\r\nPlain words\r\n"
        "--a\r\nContent-Type: text/html\r\n\r\n<p>HTML words</p>\r\n--a--\r\n"
        "--m\r\nContent-Type: text/plain\r\n"
        'Content-Disposition: attachment; filename="cv.txt"\r\n\r\nMy CV\r\n--m--\r\n'
    )
    assert mail(raw).body == "Plain words"


def _invite_mail(calendar: bytes, method: str = "REQUEST") -> bytes:
    encoded = base64.encodebytes(calendar).decode()
    return (
        HEAD + 'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        '--m\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n'
        "--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYou are invited.\r\n"
        f"--a\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + encoded + "--a--\r\n"
        '--m\r\nContent-Type: application/ics; name="invite.ics"\r\n'
        'Content-Disposition: attachment; filename="invite.ics"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + encoded + "--m--\r\n"
    ).encode()


def test_invite_request_inside_multipart_mixed() -> None:
    m = mail(_invite_mail(ics(*BASIC, "ORGANIZER:mailto:rita@ats.example.net")))
    assert m.body == "You are invited."
    # the same event inline and as invite.ics is reported once
    (event,) = m.invites
    assert (event.method, event.source, event.source_ref) == ("REQUEST", "mail", m.id)
    assert event.organizer is not None and event.organizer.email == "rita@ats.example.net"


def test_invite_cancel_inside_mail() -> None:
    m = mail(_invite_mail(ics(*BASIC, "STATUS:CANCELLED", method="CANCEL"), "CANCEL"))
    assert m.invites[0].cancelled


def test_broken_invite_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        m = mail(_invite_mail(b"BEGIN:VCALENDAR\r\nSecret stuff\r\n"))
    assert m.invites == () and m.body == "You are invited."
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings and all("\n" not in r.getMessage() for r in warnings)
    assert "Secret" not in caplog.text and "Your interview" not in caplog.text


@pytest.mark.parametrize(
    ("folder", "sender", "own"),
    [
        ("Sent", "rita@ats.example.net", True),
        ("sent", "rita@ats.example.net", True),
        ("[Gmail]/Sent Mail", "rita@ats.example.net", True),
        ("[Gmail].Sent Mail", "rita@ats.example.net", True),  # Maildir++ spelling, same folder
        ("INBOX", "Sam.Seeker@Example.org", True),
        ("INBOX", "rita@ats.example.net", False),
        ("Sent-archive", "rita@ats.example.net", False),
    ],
)
def test_own_by_folder_or_address(folder: str, sender: str, own: bool) -> None:
    raw = HEAD.replace("Rita@ATS.example.net", sender) + "\r\nhi\r\n"
    assert mail(raw, folder=folder).own is own


@pytest.mark.parametrize(
    ("folder", "flags", "draft"),
    [
        ("Drafts", "", True),
        ("drafts", "S", True),
        ("INBOX", "DS", True),
        ("INBOX", "RS", False),
        ("INBOX", "UNREAD,INBOX", False),  # labels from a provider, not Maildir letters
        ("INBOX", "DRAFT", True),
    ],
)
def test_draft_by_folder_or_flag(folder: str, flags: str, draft: bool) -> None:
    assert mail(HEAD + "\r\nhi\r\n", folder=folder, flags=flags).draft is draft


def test_body_is_capped() -> None:
    m = mail(HEAD + "\r\n" + ("word " * 100_000))
    assert len(m.body) == 200_000


def test_html_to_text_keeps_blocks_drops_scripts() -> None:
    html = "<div>One</div><ul><li>a</li><li>b</li></ul><script>x=1</script><p>Two &amp; three"
    assert html_to_text(html) == "One\n\na\n\nb\n\nTwo & three"
