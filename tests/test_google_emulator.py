"""The loopback Gmail/Calendar emulator, driven by the real google-api-python-client.

Every JSON answer is checked against the discovery document's schema for the method
(a small walker below: types, formats, enums, known properties only, a few required keys).
"""

from __future__ import annotations

import base64
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import google.oauth2.credentials
import pytest
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import InvalidOperation, RefreshError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, MediaInMemoryUpload

from tests.google_emulator import Emulator
from tests.google_emulator.routes import discovery, response_schema

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ICS = ROOT / "daemon" / "sample" / "calendar" / "personal"
ME = "me@example.com"

# --- schema walker ----------------------------------------------------------------------------

# Keys our answers must carry (the discovery documents mark almost nothing required).
REQUIRED = {
    "Message": {"id", "threadId"},
    "MessagePart": {"mimeType", "headers"},
    "MessagePartBody": {"size"},
    "Draft": {"id", "message"},
    "Thread": {"id"},
    "History": {"id", "messages"},
    "ListHistoryResponse": {"historyId"},
    "ListMessagesResponse": {"resultSizeEstimate"},
    "Profile": {"emailAddress", "messagesTotal", "threadsTotal", "historyId"},
    "Label": {"id", "name", "type"},
    "Events": {"kind", "items", "etag"},
    "Event": {"id", "status", "kind", "etag"},
    "EventAttendee": {"email"},
    "CalendarListEntry": {"id", "summary", "accessRole"},
}


def validate(value: object, schema: dict, doc: dict, where: str = "$") -> None:
    """Raise AssertionError when `value` does not fit the discovery `schema`."""
    name = schema.get("$ref")
    if name:
        schema = doc["schemas"][name]
        missing = REQUIRED.get(name, set()) - set(value if isinstance(value, dict) else ())
        if name == "Event" and isinstance(value, dict) and value.get("status") == "cancelled":
            missing -= {"kind", "etag"}
        assert not missing, f"{where}: {name} lacks {sorted(missing)}"
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        assert isinstance(value, dict), f"{where}: expected object, got {value!r}"
        props, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, item in value.items():
            assert key in props or extra, f"{where}: unknown property {key!r}"
            validate(item, props.get(key, extra), doc, f"{where}.{key}")
    elif kind == "array":
        assert isinstance(value, list), f"{where}: expected array"
        for i, item in enumerate(value):
            validate(item, schema["items"], doc, f"{where}[{i}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: expected string, got {value!r}"
        fmt = schema.get("format")
        if fmt in ("int64", "uint64"):
            assert value.lstrip("-").isdigit(), f"{where}: {fmt} as string, got {value!r}"
        elif fmt == "byte":
            base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        elif fmt == "date-time":
            assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo, where
        elif fmt == "date":
            datetime.strptime(value, "%Y-%m-%d")
        if "enum" in schema:
            assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: not an integer"
    elif kind == "number":
        assert isinstance(value, (int, float)) and not isinstance(value, bool), where
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: not a boolean"


def validate_transcript(emu: Emulator) -> int:
    checked = 0
    for method_id, status, payload in emu.transcript:
        if status >= 300:
            check_error_shape(payload, status)
        elif payload is not None:
            name = response_schema(method_id)
            validate(payload, {"$ref": name}, discovery(method_id.split(".")[0]), method_id)
        checked += 1
    return checked


def check_error_shape(body: object, status: int) -> None:
    assert isinstance(body, dict) and set(body) == {"error"}
    error = body["error"]
    assert error["code"] == status and isinstance(error["message"], str)
    assert error["errors"] and {"domain", "reason", "message"} <= set(error["errors"][0])


def reason(exc: HttpError) -> str:
    return json.loads(exc.content)["error"]["errors"][0]["reason"]


# --- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture
def emu():
    with Emulator(record=True) as emulator:
        yield emulator
        validate_transcript(emulator)  # every test's answers fit the discovery schemas


def gmail_client(base: str, credentials=None):
    return build("gmail", "v1", credentials=credentials or AnonymousCredentials(),
                 client_options={"api_endpoint": base}, static_discovery=True)


def calendar_client(base: str, credentials=None):
    return build("calendar", "v3", credentials=credentials or AnonymousCredentials(),
                 client_options={"api_endpoint": base + "calendar/v3/"}, static_discovery=True)


@pytest.fixture
def gmail(emu):
    client = gmail_client(emu.base_url)
    yield client
    client.close()


@pytest.fixture
def cal(emu):
    client = calendar_client(emu.base_url)
    yield client
    client.close()


def mail(subject: str = "Interview", sender: str = "amy@acme.example", to: str = ME,
         msgid: str | None = None, reply_to: list[str] | None = None, body: str = "Hello there",
         date: str = "Mon, 15 Jan 2024 10:00:00 +0000") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, to, subject, date
    if msgid:
        msg["Message-ID"] = msgid
    if reply_to:
        msg["In-Reply-To"] = reply_to[-1]
        msg["References"] = " ".join(reply_to)
    msg.set_content(body)
    return msg.as_bytes()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def conversation(emu: Emulator) -> tuple[str, str]:
    """An employer's mail and our reply in one thread; returns (thread id, first message id)."""
    first = emu.gmail.add_message(mail("Interview at Acme", msgid="<a1@acme.example>"))
    emu.gmail.add_message(
        mail("Re: Interview at Acme", sender=ME, to="amy@acme.example", msgid="<b1@example.com>",
             reply_to=["<a1@acme.example>"], date="Mon, 15 Jan 2024 11:00:00 +0000"),
        labels=("SENT",))
    return emu.gmail.messages[first].thread_id, first


def reply_draft(subject: str = "Re: Interview at Acme", refs: list[str] | None = None) -> bytes:
    refs = ["<a1@acme.example>", "<b1@example.com>"] if refs is None else refs
    return mail(subject, sender=ME, to="amy@acme.example", reply_to=refs or None, body="Thanks!")


# --- Gmail ------------------------------------------------------------------------------------

def test_get_profile(emu, gmail):
    conversation(emu)
    profile = gmail.users().getProfile(userId="me").execute()
    assert profile == {"emailAddress": ME, "messagesTotal": 2, "threadsTotal": 1,
                       "historyId": str(emu.gmail.history_id)}
    assert emu.counts["gmail.users.getProfile"] == 1 and emu.quota["gmail.users.getProfile"] == 1


def test_messages_list_pages_newest_first(emu, gmail):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ids = [emu.gmail.add_message(mail(f"m{i}"), internal_date=start + timedelta(hours=i))
           for i in range(230)]
    first = gmail.users().messages().list(userId="me").execute()
    assert len(first["messages"]) == 100 and first["resultSizeEstimate"] == 230
    assert first["messages"][0]["id"] == ids[-1]
    seen, request = [], gmail.users().messages().list(userId="me", maxResults=1000)
    while request is not None:
        page = request.execute()
        assert len(page["messages"]) <= 500
        seen += [m["id"] for m in page["messages"]]
        request = gmail.users().messages().list_next(request, page)
    assert seen == ids[::-1]


def test_messages_list_labels_query_and_spam_trash(emu, gmail):
    inbox = emu.gmail.add_message(mail("Interview"))
    spam = emu.gmail.add_message(mail("Interview"), labels=("SPAM",))
    emu.gmail.add_message(mail("Newsletter"), labels=("INBOX", "Jobs"))

    def ids(**kw):
        answer = gmail.users().messages().list(userId="me", **kw).execute()
        return [m["id"] for m in answer.get("messages", [])]

    assert ids(q="interview") == [inbox]
    assert set(ids(q="interview", includeSpamTrash=True)) == {inbox, spam}
    assert ids(q="interview in:spam") == [spam]
    assert len(ids(labelIds=["INBOX"])) == 2
    assert len(ids(q="label:jobs")) == 1 and ids(q="nothing-matches") == []
    with pytest.raises(HttpError) as err:
        gmail.users().messages().list(userId="me", q="after:soon").execute()
    assert err.value.resp.status == 400


def test_messages_get_formats(emu, gmail):
    raw = mail("Interview", body="Thanks for applying. <Details> & more")
    mid = emu.gmail.add_message(raw, labels=("INBOX", "UNREAD"))
    full = gmail.users().messages().get(userId="me", id=mid).execute()
    assert full["payload"]["partId"] == "" and full["payload"]["mimeType"] == "text/plain"
    body = base64.urlsafe_b64decode(full["payload"]["body"]["data"])
    assert body.startswith(b"Thanks for applying.")
    assert full["snippet"] == "Thanks for applying. &lt;Details&gt; &amp; more"
    assert full["labelIds"] == ["INBOX", "UNREAD"] and full["internalDate"] == "1705312800000"
    meta = gmail.users().messages().get(userId="me", id=mid, format="metadata",
                                        metadataHeaders=["subject", "From"]).execute()
    assert [h["name"] for h in meta["payload"]["headers"]] == ["From", "Subject"]
    minimal = gmail.users().messages().get(userId="me", id=mid, format="minimal").execute()
    assert "payload" not in minimal and minimal["historyId"].isdigit()
    got = gmail.users().messages().get(userId="me", id=mid, format="raw").execute()
    assert base64.urlsafe_b64decode(got["raw"]) == raw
    with pytest.raises(HttpError) as err:
        gmail.users().messages().get(userId="me", id="0000000000000000").execute()
    assert err.value.resp.status == 404 and reason(err.value) == "notFound"


def test_multipart_payload_and_attachment(emu, gmail):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "hr@acme.example", ME, "Offer"
    msg.set_content("Plain body")
    msg.add_alternative("<p>HTML body</p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 offer", maintype="application", subtype="pdf",
                       filename="offer.pdf")
    mid = emu.gmail.add_message(msg.as_bytes())
    payload = gmail.users().messages().get(userId="me", id=mid).execute()["payload"]
    assert payload["mimeType"] == "multipart/mixed" and payload["body"] == {"size": 0}
    alternative, attachment = payload["parts"]
    assert [p["partId"] for p in alternative["parts"]] == ["0.0", "0.1"]
    assert attachment["partId"] == "1" and attachment["filename"] == "offer.pdf"
    assert "data" not in attachment["body"] and attachment["body"]["size"] == 14
    got = gmail.users().messages().attachments().get(
        userId="me", messageId=mid, id=attachment["body"]["attachmentId"]).execute()
    assert base64.urlsafe_b64decode(got["data"]) == b"%PDF-1.4 offer"
    assert gmail.users().messages().list(userId="me", q="has:attachment filename:pdf").execute()[
        "resultSizeEstimate"] == 1


def test_threading_by_headers_and_threads_get(emu, gmail):
    thread_id, first = conversation(emu)
    other = emu.gmail.add_message(mail("Interview at Acme", msgid="<c1@acme.example>"))
    assert emu.gmail.messages[other].thread_id != thread_id  # same subject, no reference
    wrong_subject = emu.gmail.add_message(mail("Something else", reply_to=["<a1@acme.example>"]))
    assert emu.gmail.messages[wrong_subject].thread_id != thread_id
    forced = emu.gmail.add_message(mail("Unrelated"), thread_id=thread_id)
    assert emu.gmail.messages[forced].thread_id == thread_id
    for fmt in ("full", "metadata", "minimal"):
        thread = gmail.users().threads().get(userId="me", id=thread_id, format=fmt).execute()
        assert [m["id"] for m in thread["messages"]][0] == first and len(thread["messages"]) == 3
    listed = gmail.users().threads().list(userId="me", q="subject:acme").execute()
    assert {t["id"] for t in listed["threads"]} == {thread_id, emu.gmail.messages[other].thread_id}


def test_history_records_and_filters(emu, gmail):
    start = gmail.users().getProfile(userId="me").execute()["historyId"]
    mid = emu.gmail.add_message(mail("Interview"))
    emu.gmail.modify_labels(mid, add=["STARRED", "Jobs"], remove=["INBOX"])
    emu.gmail.delete_message(mid)
    answer = gmail.users().history().list(userId="me", startHistoryId=start).execute()
    kinds = [next(k for k in h if k not in ("id", "messages")) for h in answer["history"]]
    assert kinds == ["messagesAdded", "labelsAdded", "labelsRemoved", "messagesDeleted"]
    ids = [int(h["id"]) for h in answer["history"]]
    assert ids == sorted(ids) and int(answer["historyId"]) == ids[-1] > int(start)
    assert answer["history"][1]["labelsAdded"][0]["labelIds"] == ["STARRED", "Label_1"]
    only = gmail.users().history().list(userId="me", startHistoryId=start,
                                        historyTypes=["messageDeleted"]).execute()
    assert [list(h)[-1] for h in only["history"]] == ["messagesDeleted"]
    starred = gmail.users().history().list(userId="me", startHistoryId=start,
                                           labelId="STARRED").execute()
    assert len(starred["history"]) == 3  # added (after), removed-INBOX (still starred), deleted
    after = gmail.users().history().list(userId="me", startHistoryId=answer["historyId"]).execute()
    assert "history" not in after and after["historyId"] == answer["historyId"]


def test_history_ids_are_not_contiguous(emu):
    for i in range(40):
        emu.gmail.add_message(mail(f"m{i}"))
    ids = [r["id"] for r in emu.gmail.history]
    steps = {b - a for a, b in zip(ids, ids[1:], strict=False)}
    assert min(steps) >= 1 and max(steps) <= 7 and len(steps) > 1


def test_history_paging_and_empty_pages(emu, gmail):
    start = str(emu.gmail.history_id)
    for i in range(25):
        emu.gmail.add_message(mail(f"m{i}"))
    emu.gmail.history_empty_pages = 2
    pages = []
    request = gmail.users().history().list(userId="me", startHistoryId=start, maxResults=10)
    while request is not None:
        page = request.execute()
        pages.append(len(page.get("history", [])))
        request = gmail.users().history().list_next(request, page)
    assert pages == [0, 0, 10, 10, 5]


def test_history_too_old_answers_404(gmail):
    with Emulator(history_window=50, record=True) as emu:
        client = gmail_client(emu.base_url)
        start = client.users().getProfile(userId="me").execute()["historyId"]
        for i in range(30):
            emu.gmail.add_message(mail(f"m{i}"))
        with pytest.raises(HttpError) as err:
            client.users().history().list(userId="me", startHistoryId=start).execute()
        assert err.value.resp.status == 404 and reason(err.value) == "notFound"
        fresh = client.users().getProfile(userId="me").execute()["historyId"]
        client.users().history().list(userId="me", startHistoryId=fresh).execute()
        with pytest.raises(HttpError) as err:
            client.users().history().list(userId="me").execute()
        assert err.value.resp.status == 400
        validate_transcript(emu)


def test_drafts_create_get_list_update_delete(emu, gmail):
    thread_id, _ = conversation(emu)
    before = emu.gmail.history_id
    draft = gmail.users().drafts().create(
        userId="me", body={"message": {"raw": b64(reply_draft()), "threadId": thread_id}}).execute()
    assert draft["message"]["threadId"] == thread_id and draft["message"]["labelIds"] == ["DRAFT"]
    assert emu.gmail.drafts[draft["id"]]["message"]["id"] == draft["message"]["id"]
    assert emu.gmail.history_id > before
    got = gmail.users().drafts().get(userId="me", id=draft["id"], format="raw").execute()
    assert base64.urlsafe_b64decode(got["message"]["raw"]) == reply_draft()
    listed = gmail.users().drafts().list(userId="me").execute()
    assert [d["id"] for d in listed["drafts"]] == [draft["id"]]
    in_drafts = gmail.users().messages().list(userId="me", q="in:drafts").execute()
    assert in_drafts["resultSizeEstimate"] == 1
    new_raw = reply_draft().replace(b"Thanks!", b"Thank you again!")
    updated = gmail.users().drafts().update(
        userId="me", id=draft["id"],
        body={"message": {"raw": b64(new_raw), "threadId": thread_id}}).execute()
    assert updated["id"] == draft["id"] and updated["message"]["id"] != draft["message"]["id"]
    assert draft["message"]["id"] not in emu.gmail.messages
    assert emu.gmail.draft_raw(draft["id"]) == new_raw
    gmail.users().drafts().delete(userId="me", id=draft["id"]).execute()
    assert emu.gmail.drafts == {} and updated["message"]["id"] not in emu.gmail.messages
    with pytest.raises(HttpError) as err:
        gmail.users().drafts().get(userId="me", id=draft["id"]).execute()
    assert err.value.resp.status == 404
    with pytest.raises(HttpError) as err:
        gmail.users().drafts().create(userId="me", body={"message": {}}).execute()
    assert err.value.resp.status == 400
    assert emu.quota["gmail.users.drafts.create"] == 20
    assert emu.quota["gmail.users.drafts.update"] == 15


@pytest.mark.parametrize(
    ("case", "subject", "refs", "give_thread", "joined"),
    [
        ("all three", "Re: Interview at Acme", None, True, True),
        ("Fwd prefix still matches", "Fwd: Interview at Acme", None, True, True),
        ("no threadId", "Re: Interview at Acme", None, False, False),
        ("no In-Reply-To/References", "Re: Interview at Acme", [], True, False),
        ("references elsewhere", "Re: Interview at Acme", ["<zz@elsewhere>"], True, False),
        ("subject differs", "Thank you", None, True, False),
    ],
)
def test_draft_threading_rules(emu, gmail, case, subject, refs, give_thread, joined):
    thread_id, _ = conversation(emu)
    message = {"raw": b64(reply_draft(subject, refs))}
    if give_thread:
        message["threadId"] = thread_id
    draft = gmail.users().drafts().create(userId="me", body={"message": message}).execute()
    assert (draft["message"]["threadId"] == thread_id) is joined, case
    decision = emu.gmail.draft_threading[draft["id"]]
    assert decision["joined"] is joined and decision["threadId"] == draft["message"]["threadId"]
    if not joined:
        assert draft["message"]["threadId"] == draft["message"]["id"]  # a thread of its own


def test_draft_threading_records_stacked_prefix_and_unknown_thread(emu, gmail):
    thread_id, _ = conversation(emu)
    draft = gmail.users().drafts().create(userId="me", body={"message": {
        "raw": b64(reply_draft("Re: Re: Interview at Acme")), "threadId": thread_id}}).execute()
    assert emu.gmail.draft_threading[draft["id"]]["stackedPrefix"] is True
    with pytest.raises(HttpError) as err:
        gmail.users().drafts().create(userId="me", body={"message": {
            "raw": b64(reply_draft()), "threadId": "ffffffffffffffff"}}).execute()
    assert err.value.resp.status == 404


def test_draft_media_upload_path(emu, gmail):
    # The client builds media-upload URLs from the discovery rootUrl and only swaps the host:
    # the scheme stays https, so against a plain-http emulator it cannot be used. Send JSON.
    upload = MediaInMemoryUpload(reply_draft(), mimetype="message/rfc822")
    request = gmail.users().drafts().create(userId="me", body={}, media_body=upload)
    assert request.uri.startswith("https://127.0.0.1:") and "/upload/gmail/v1/" in request.uri
    # The emulator still answers that path when reached over http: replay what the client built.
    thread_id, _ = conversation(emu)
    request = gmail.users().drafts().create(
        userId="me", body={"message": {"threadId": thread_id}}, media_body=upload)
    assert "uploadType=multipart" in request.uri
    url = emu.base_url + request.uri.split("/", 3)[3]
    replay = urllib.request.Request(url, data=request.body, method="POST",
                                    headers={"Content-Type": request.headers["content-type"]})
    with urllib.request.urlopen(replay) as answer:
        draft = json.load(answer)
    assert draft["message"]["threadId"] == thread_id
    assert emu.gmail.draft_raw(draft["id"]) == reply_draft()
    url = emu.base_url + "upload/gmail/v1/users/me/drafts?uploadType=media"
    simple = urllib.request.Request(url, data=reply_draft(), method="POST",
                                    headers={"Content-Type": "message/rfc822"})
    with urllib.request.urlopen(simple) as answer:
        assert json.load(answer)["message"]["labelIds"] == ["DRAFT"]


def test_sends_are_refused_and_recorded(emu, gmail):
    thread_id, _ = conversation(emu)
    draft = gmail.users().drafts().create(
        userId="me", body={"message": {"raw": b64(reply_draft())}}).execute()
    total = len(emu.gmail.messages)
    attempts = [
        gmail.users().messages().send(userId="me", body={"raw": b64(reply_draft())}),
        gmail.users().drafts().send(userId="me", body={"id": draft["id"]}),
        gmail.users().messages().insert(userId="me", body={"raw": b64(reply_draft())}),
    ]
    for request in attempts:
        with pytest.raises(HttpError) as err:
            request.execute()
        assert err.value.resp.status == 403 and reason(err.value) == "forbidden"
    assert emu.sends == ["gmail.users.messages.send", "gmail.users.drafts.send",
                         "gmail.users.messages.insert"]
    assert len(emu.gmail.messages) == total and draft["id"] in emu.gmail.drafts
    assert emu.quota["gmail.users.messages.send"] == 0


def test_labels_modify_and_partial_response(emu, gmail):
    mid = emu.gmail.add_message(mail("Interview"), labels=("INBOX", "Job Hunt"))
    labels = gmail.users().labels().list(userId="me").execute()["labels"]
    assert {"id": "Label_1", "name": "Job Hunt", "type": "user", "messageListVisibility": "show",
            "labelListVisibility": "labelShow"} in labels
    with pytest.raises(HttpError) as err:
        gmail.users().messages().modify(userId="me", id=mid,
                                        body={"addLabelIds": ["Label_9"]}).execute()
    assert err.value.resp.status == 400 and "Label_9" not in emu.gmail.labels
    unknown = gmail.users().messages().list(userId="me", labelIds=["Label_9"]).execute()
    assert unknown == {"resultSizeEstimate": 0} and "Label_9" not in emu.gmail.labels
    modified = gmail.users().messages().modify(
        userId="me", id=mid, body={"addLabelIds": ["STARRED"], "removeLabelIds": ["INBOX"]}
    ).execute()
    assert modified["labelIds"] == ["Label_1", "STARRED"]
    small = gmail.users().messages().list(userId="me",
                                          fields="messages(id),nextPageToken").execute()
    assert small == {"messages": [{"id": mid}]}
    part = gmail.users().messages().get(userId="me", id=mid, fields="payload/headers,id").execute()
    assert set(part) == {"id", "payload"} and set(part["payload"]) == {"headers"}


def test_long_get_becomes_post_with_method_override(emu, gmail):
    mid = emu.gmail.add_message(mail("Interview"))
    names = [f"X-Header-{i:04d}" for i in range(200)] + ["Subject"]  # URI over 2048 chars
    got = gmail.users().messages().get(userId="me", id=mid, format="metadata",
                                       metadataHeaders=names).execute()
    assert [h["name"] for h in got["payload"]["headers"]] == ["Subject"]
    assert emu.counts["gmail.users.messages.get"] == 1


def test_other_user_and_unknown_paths(emu, gmail):
    with pytest.raises(HttpError) as err:
        gmail.users().getProfile(userId="someone@else.example").execute()
    assert err.value.resp.status == 403
    assert gmail.users().getProfile(userId=ME).execute()["emailAddress"] == ME
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(emu.base_url + "gmail/v1/nothing/here")
    assert http.value.code == 404 and emu.counts["unknown"] == 1
    with pytest.raises(HttpError) as err:
        gmail.users().settings().getVacation(userId="me").execute()
    assert err.value.resp.status == 501 and emu.counts["gmail.users.settings.getVacation"] == 1


# --- Calendar ---------------------------------------------------------------------------------

def event(summary: str, start: str, hours: float = 1, **extra) -> dict:
    begin = datetime.fromisoformat(start)
    end = begin + timedelta(hours=hours)
    return {"summary": summary, "start": {"dateTime": start, "timeZone": "Europe/London"},
            "end": {"dateTime": end.isoformat(), "timeZone": "Europe/London"}, **extra}


def full_sync(cal, calendar_id: str = "primary", **kw) -> tuple[list[dict], str]:
    items, request = [], cal.events().list(calendarId=calendar_id, **kw)
    while True:
        page = request.execute()
        items += page["items"]
        if "nextPageToken" not in page:
            return items, page["nextSyncToken"]
        assert "nextSyncToken" not in page  # only on the last page
        request = cal.events().list_next(request, page)


def test_events_full_then_incremental_sync(emu, cal):
    interview = emu.calendar.add_event("primary", event(
        "Interview: Acme", "2024-03-05T10:00:00+00:00",
        attendees=[
            {"email": "amy@acme.example", "displayName": "Amy", "responseStatus": "accepted"},
            {"email": ME, "responseStatus": "accepted"},
        ],
        organizer={"email": "amy@acme.example", "displayName": "Amy"},
        hangoutLink="https://meet.google.com/abc-defg-hij"))
    chat = emu.calendar.add_event("primary", event("Coffee chat", "2024-03-06T10:00:00+00:00"))
    items, token = full_sync(cal)
    assert [e["id"] for e in items] == [interview["id"], chat["id"]]
    assert items[0]["attendees"][1]["self"] is True
    assert cal.events().list(calendarId="primary", syncToken=token).execute()["items"] == []
    emu.calendar.update_event("primary", interview["id"],
                              start={"dateTime": "2024-03-05T11:00:00+00:00"})
    emu.calendar.cancel_event("primary", chat["id"])
    changed = cal.events().list(calendarId="primary", syncToken=token).execute()
    by_id = {e["id"]: e for e in changed["items"]}
    assert by_id[interview["id"]]["sequence"] == 1
    assert by_id[chat["id"]] == {"kind": "calendar#event", "etag": by_id[chat["id"]]["etag"],
                                 "id": chat["id"], "status": "cancelled",
                                 "updated": by_id[chat["id"]]["updated"]}
    assert changed["nextSyncToken"] != token
    again = cal.events().list(calendarId="primary", syncToken=changed["nextSyncToken"]).execute()
    assert again["items"] == []
    plain, _ = full_sync(cal)
    assert [e["id"] for e in plain] == [interview["id"]]
    with_deleted, _ = full_sync(cal, showDeleted=True)
    assert len(with_deleted) == 2


def test_sync_token_expired_answers_410(emu, cal):
    emu.calendar.add_event("primary", event("Interview", "2024-03-05T10:00:00+00:00"))
    _, token = full_sync(cal)
    emu.calendar.expire_sync_tokens()
    with pytest.raises(HttpError) as err:
        cal.events().list(calendarId="primary", syncToken=token).execute()
    assert err.value.resp.status == 410 and reason(err.value) == "fullSyncRequired"
    _, fresh = full_sync(cal)
    cal.events().list(calendarId="primary", syncToken=fresh).execute()
    with pytest.raises(HttpError) as err:  # a mangled token is answered like an expired one
        cal.events().list(calendarId="primary", syncToken="1" + fresh).execute()
    assert err.value.resp.status == 410


@pytest.mark.parametrize(
    "extra",
    [{"timeMin": "2024-01-01T00:00:00Z"}, {"timeMax": "2024-01-01T00:00:00Z"}, {"q": "interview"},
     {"orderBy": "updated"}, {"updatedMin": "2024-01-01T00:00:00Z"}],
)
def test_sync_token_forbidden_combinations(emu, cal, extra):
    _, token = full_sync(cal)
    with pytest.raises(HttpError) as err:
        cal.events().list(calendarId="primary", syncToken=token, **extra).execute()
    assert err.value.resp.status == 400


def test_events_paging_window_query_order(emu, cal):
    for day in range(1, 8):
        emu.calendar.add_event("primary", event(f"Day {day} {'interview' if day % 2 else 'gym'}",
                                                f"2024-03-{8 - day:02d}T09:00:00+00:00"))
    first = cal.events().list(calendarId="primary", maxResults=3).execute()
    emu.calendar.add_event("primary", event("Added while paging", "2024-03-09T09:00:00+00:00"))
    rest, token = full_sync(cal, maxResults=3, pageToken=first["nextPageToken"])
    assert len(first["items"] + rest) == 7  # the newcomer waits for the next incremental sync
    later = cal.events().list(calendarId="primary", syncToken=token).execute()["items"]
    assert [e["summary"] for e in later] == ["Added while paging"]
    window = cal.events().list(calendarId="primary", timeMin="2024-03-03T00:00:00Z",
                               timeMax="2024-03-05T00:00:00Z", singleEvents=True,
                               orderBy="startTime").execute()["items"]
    assert [e["start"]["dateTime"][:10] for e in window] == ["2024-03-03", "2024-03-04"]
    found = cal.events().list(calendarId="primary", q="Day INTERVIEW").execute()["items"]
    assert len(found) == 4
    with pytest.raises(HttpError) as err:
        cal.events().list(calendarId="primary", orderBy="startTime").execute()
    assert err.value.resp.status == 400
    with pytest.raises(HttpError) as err:
        cal.events().list(calendarId="primary", timeMin="2024-03-03T00:00:00").execute()
    assert err.value.resp.status == 400


def test_recurring_events_expand_with_single_events(emu, cal, tmp_path):
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:standup@example.com\r\nDTSTAMP:20240101T000000Z\r\n"
        "DTSTART;TZID=Europe/London:20240318T093000\r\nDTEND;TZID=Europe/London:20240318T094500\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/London:20240325T093000\r\n"
        "SUMMARY:Standup\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:standup@example.com\r\nDTSTAMP:20240101T000000Z\r\n"
        "RECURRENCE-ID;TZID=Europe/London:20240401T093000\r\n"
        "DTSTART;TZID=Europe/London:20240401T100000\r\nDTEND;TZID=Europe/London:20240401T101500\r\n"
        "SUMMARY:Standup (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (tmp_path / "calendar" / "work").mkdir(parents=True)
    (tmp_path / "calendar" / "work" / "standup.ics").write_text(ics)
    assert emu.load_seed(tmp_path) == {"messages": 0, "events": 2}
    masters = cal.events().list(calendarId="work").execute()["items"]
    assert len(masters) == 2 and masters[0]["recurrence"][0] == "RRULE:FREQ=WEEKLY;COUNT=4"
    single = cal.events().list(calendarId="work", singleEvents=True, orderBy="startTime").execute()
    starts = [(e["summary"], e["start"]["dateTime"]) for e in single["items"]]
    # 25 March is excluded; the clocks change on 31 March, the wall-clock time does not.
    assert starts == [
        ("Standup", "2024-03-18T09:30:00Z"),
        ("Standup (moved)", "2024-04-01T10:00:00+01:00"),
        ("Standup", "2024-04-08T09:30:00+01:00"),
    ]
    master_id = masters[0]["id"]
    assert all(e["recurringEventId"] == master_id for e in single["items"])
    instance = cal.events().get(calendarId="work", eventId=single["items"][2]["id"]).execute()
    assert instance["originalStartTime"]["dateTime"] == "2024-04-08T09:30:00+01:00"


def test_seed_ics_and_calendar_list(emu, cal, tmp_path):
    target = tmp_path / "calendar" / "primary"
    target.mkdir(parents=True)
    for path in SAMPLE_ICS.glob("*.ics"):
        shutil.copy(path, target / path.name)
    counts = emu.load_seed(tmp_path)
    items, _ = full_sync(cal)
    assert len(items) == counts["events"] > 0
    google_made = next(e for e in items if e["iCalUID"] == "5q2b8vn1t0k7c3e9hd4m6rj1lg@google.com")
    assert google_made["id"] == "5q2b8vn1t0k7c3e9hd4m6rj1lg"
    assert google_made["start"] == {"dateTime": "2026-03-18T13:00:00Z", "timeZone": "Europe/London"}
    room = next(a for a in google_made["attendees"] if a["email"].startswith("room-"))
    assert room["resource"] is True
    entries = cal.calendarList().list().execute()["items"]
    assert entries[0]["id"] == ME and entries[0]["primary"] is True
    assert cal.calendarList().get(calendarId="primary").execute()["id"] == ME


def test_calendar_without_its_service_path_is_explained(emu):
    wrong = build("calendar", "v3", credentials=AnonymousCredentials(),
                  client_options={"api_endpoint": emu.base_url}, static_discovery=True)
    with pytest.raises(HttpError) as err:
        wrong.events().list(calendarId="primary").execute()
    assert err.value.resp.status == 404 and "calendar/v3/" in err.value.reason
    assert emu.counts["unknown"] == 1


def test_calendar_ids_are_url_decoded(emu, cal):
    odd = "en.uk#holiday@group.v.calendar.google.com"
    emu.calendar.add_event(odd, event("Bank holiday", "2024-05-06T00:00:00+00:00", hours=24))
    items = cal.events().list(calendarId=odd).execute()["items"]
    assert items[0]["summary"] == "Bank holiday"
    with pytest.raises(HttpError) as err:
        cal.events().list(calendarId="nobody@example.com").execute()
    assert err.value.resp.status == 404
    with pytest.raises(HttpError) as err:
        cal.events().get(calendarId=odd, eventId="missing1").execute()
    assert err.value.resp.status == 404


# --- batch ------------------------------------------------------------------------------------

def test_batch_of_fifty_gets(emu, gmail):
    ids = [emu.gmail.add_message(mail(f"m{i}")) for i in range(50)]
    answers: dict[str, tuple] = {}
    batch = BatchHttpRequest(batch_uri=emu.base_url + "batch/gmail/v1",
                             callback=lambda rid, resp, exc: answers.__setitem__(rid, (resp, exc)))
    for mid in ids:
        request = gmail.users().messages().get(userId="me", id=mid, format="minimal")
        batch.add(request, request_id=mid)
    batch.execute()
    assert all(exc is None and resp["id"] == rid for rid, (resp, exc) in answers.items())
    assert len(answers) == 50
    assert emu.counts["batch"] == 1 and emu.counts["gmail.users.messages.get"] == 50
    assert emu.quota["gmail.users.messages.get"] == 50 * 20 == emu.total_quota()


def test_batch_parts_fail_alone_and_limits(emu, gmail):
    mid = emu.gmail.add_message(mail("Interview"))
    emu.faults.add("gmail.users.messages.get", 429, retry_after=7)
    answers = []
    batch = BatchHttpRequest(batch_uri=emu.base_url + "batch",
                             callback=lambda rid, resp, exc: answers.append((rid, resp, exc)))
    batch.add(gmail.users().messages().get(userId="me", id=mid))
    batch.add(gmail.users().messages().get(userId="me", id="0000000000000000"))
    batch.add(gmail.users().messages().get(userId="me", id=mid))
    batch.add(gmail.users().drafts().create(userId="me",
                                            body={"message": {"raw": b64(reply_draft())}}))
    batch.execute()
    statuses = [exc.resp.status if exc else 200 for _, _, exc in answers]
    assert statuses == [429, 404, 200, 200]
    assert answers[0][2].resp["retry-after"] == "7" and reason(answers[0][2]) == "rateLimitExceeded"
    too_many = BatchHttpRequest(batch_uri=emu.base_url + "batch/gmail/v1")
    for _ in range(101):
        too_many.add(gmail.users().getProfile(userId="me"))
    with pytest.raises(HttpError) as err:
        too_many.execute()
    assert err.value.resp.status == 400


def test_batch_default_uri_ignores_api_endpoint(gmail):
    assert gmail.new_batch_http_request()._batch_uri == "https://gmail.googleapis.com/batch"


def test_batch_calendar(emu, cal):
    emu.calendar.add_event("primary", event("Interview", "2024-03-05T10:00:00+00:00"))
    got = []
    batch = BatchHttpRequest(batch_uri=emu.base_url + "batch/calendar/v3",
                             callback=lambda rid, resp, exc: got.append(resp["items"]))
    batch.add(cal.events().list(calendarId="primary"))
    batch.add(cal.events().list(calendarId=ME))
    batch.execute()
    assert [len(items) for items in got] == [1, 1] and emu.counts["calendar.events.list"] == 2


# --- faults -----------------------------------------------------------------------------------

def test_fault_429_with_retry_after(emu, gmail):
    emu.faults.add("gmail.users.messages.list", 429, retry_after=2.5)
    with pytest.raises(HttpError) as err:
        gmail.users().messages().list(userId="me").execute()
    assert err.value.resp.status == 429 and err.value.resp["retry-after"] == "2.5"
    body = json.loads(err.value.content)["error"]
    assert body["status"] == "RESOURCE_EXHAUSTED" and body["errors"][0]["domain"] == "usageLimits"
    gmail.users().messages().list(userId="me").execute()  # only once
    assert emu.counts["gmail.users.messages.list"] == 2
    assert emu.quota["gmail.users.messages.list"] == 5  # the refused call is not charged


@pytest.mark.parametrize("why", ["rateLimitExceeded", "userRateLimitExceeded"])
def test_fault_403_rate_limits(emu, gmail, why):
    emu.faults.add("*", 403, times=2, reason=why)
    for _ in range(2):
        with pytest.raises(HttpError) as err:
            gmail.users().getProfile(userId="me").execute()
        assert err.value.resp.status == 403 and reason(err.value) == why
    gmail.users().getProfile(userId="me").execute()
    assert emu.faults.fired == [("gmail.users.getProfile", 403)] * 2


def test_fault_5xx_and_client_retries(emu, gmail, monkeypatch):
    monkeypatch.setattr("googleapiclient.http.time.sleep", lambda seconds: None)
    emu.faults.add("gmail.users.getProfile", 503, times=2, reason="backendError")
    assert gmail.users().getProfile(userId="me").execute(num_retries=2)["emailAddress"] == ME
    assert emu.counts["gmail.users.getProfile"] == 3


def test_fault_delay_and_batch_envelope(emu, gmail):
    emu.faults.add("gmail.users.labels.list", 0, delay=0.3)
    started = time.monotonic()
    gmail.users().labels().list(userId="me").execute()
    assert time.monotonic() - started >= 0.3
    emu.faults.add("batch", 500)
    batch = BatchHttpRequest(batch_uri=emu.base_url + "batch/gmail/v1")
    batch.add(gmail.users().getProfile(userId="me"))
    with pytest.raises(HttpError) as err:
        batch.execute()
    assert err.value.resp.status == 500 and emu.counts["gmail.users.getProfile"] == 0


# --- OAuth ------------------------------------------------------------------------------------

def oauth_credentials(base: str, token: str | None = None):
    return google.oauth2.credentials.Credentials(
        token=token, refresh_token="1//refresh", token_uri=base + "token",
        client_id="client.apps.googleusercontent.com", client_secret="secret",
        scopes=["https://www.googleapis.com/auth/gmail.readonly"])


def test_token_refresh_then_bearer_calls(emu):
    creds = oauth_credentials(emu.base_url)
    client = gmail_client(emu.base_url, creds)
    assert client.users().getProfile(userId="me").execute()["emailAddress"] == ME
    assert creds.token == "ya29.emulator-1" and emu.counts["oauth.token"] == 1
    assert emu.oauth.refresh_tokens_seen == ["1//refresh"]
    emu.expire_access_tokens()  # the next call gets 401, the client refreshes and retries
    calendar_client(emu.base_url, creds).events().list(calendarId="primary").execute()
    assert creds.token == "ya29.emulator-2" and emu.counts["calendar.events.list"] == 2


def test_revoked_token(emu):
    creds = oauth_credentials(emu.base_url)
    emu.revoke_token()
    with pytest.raises(RefreshError) as err:
        gmail_client(emu.base_url, creds).users().getProfile(userId="me").execute()
    assert "invalid_grant" in str(err.value)
    # Anonymous calls answer 401 too; the client then tries to refresh AnonymousCredentials,
    # which raises InvalidOperation (like RefreshError, a GoogleAuthError), not HttpError.
    with pytest.raises(InvalidOperation):
        gmail_client(emu.base_url).users().getProfile(userId="me").execute()
    with pytest.raises(urllib.error.HTTPError) as http:
        urllib.request.urlopen(emu.base_url + "gmail/v1/users/me/profile")
    assert http.value.code == 401 and "Bearer" in http.value.headers["WWW-Authenticate"]
    check_error_shape(json.load(http.value), 401)
    emu.restore_token()
    assert gmail_client(emu.base_url, creds).users().getProfile(userId="me").execute()


def test_require_bearer(emu):
    emu.oauth.require_bearer = True
    with pytest.raises(InvalidOperation):
        gmail_client(emu.base_url).users().getProfile(userId="me").execute()
    client = gmail_client(emu.base_url, oauth_credentials(emu.base_url))
    assert client.users().getProfile(userId="me").execute()["emailAddress"] == ME


# --- the whole surface against the schemas, the server, the command ---------------------------

def test_every_answer_fits_the_discovery_schema(emu, gmail, cal):
    thread_id, first = conversation(emu)
    draft = gmail.users().drafts().create(userId="me", body={"message": {
        "raw": b64(reply_draft()), "threadId": thread_id}}).execute()
    emu.gmail.modify_labels(first, add=["Jobs"])
    emu.calendar.add_event("primary", event("Interview", "2024-03-05T10:00:00+00:00",
                                            attendees=[{"email": "amy@acme.example"}]))
    users = gmail.users()
    calls = [
        users.getProfile(userId="me"), users.labels().list(userId="me"),
        users.labels().get(userId="me", id="INBOX"), users.messages().list(userId="me"),
        users.threads().list(userId="me"), users.history().list(userId="me", startHistoryId="1"),
        users.history().list(userId="me", startHistoryId=str(emu.gmail.first_history_id)),
        users.drafts().list(userId="me"), users.drafts().get(userId="me", id=draft["id"]),
        cal.events().list(calendarId="primary"), cal.calendarList().list(),
    ]
    for fmt in ("full", "metadata", "minimal", "raw"):
        calls.append(users.messages().get(userId="me", id=first, format=fmt))
    for fmt in ("full", "metadata", "minimal"):
        calls.append(users.threads().get(userId="me", id=thread_id, format=fmt))
    for request in calls:
        try:
            request.execute()
        except HttpError:
            pass
    assert validate_transcript(emu) == len(calls) + 1
    assert {status for _, status, _ in emu.transcript} == {200, 404}


def test_schema_walker_rejects_what_google_would_not_send():
    doc = discovery("gmail")
    validate({"id": "1", "threadId": "1", "historyId": "12"}, {"$ref": "Message"}, doc)
    for bad in (
        {"id": "1", "threadId": "1", "colour": "red"},  # unknown property
        {"id": "1", "threadId": "1", "historyId": 12},  # uint64 travels as a string
        {"id": "1"},  # no threadId
        {"id": "1", "threadId": "1", "payload": {"mimeType": "text/plain"}},  # part lacks headers
    ):
        with pytest.raises(AssertionError):
            validate(bad, {"$ref": "Message"}, doc)


def test_counters_reset_and_concurrency(emu):
    emu.gmail.add_message(mail("Interview"))
    errors = []

    def worker():
        try:
            client = gmail_client(emu.base_url)
            for _ in range(10):
                client.users().messages().list(userId="me").execute()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and emu.counts["gmail.users.messages.list"] == 80
    assert emu.total_quota() == 400
    emu.reset_counters()
    assert not emu.counts and emu.total_quota() == 0


def test_seed_mail_labels_threads_and_drafts(emu, gmail, tmp_path):
    for label, name, raw in [
        ("INBOX", "a.eml", mail("Interview at Acme", msgid="<a1@acme.example>")),
        ("SENT", "b.eml", mail("Re: Interview at Acme", sender=ME, msgid="<b1@example.com>",
                               reply_to=["<a1@acme.example>"],
                               date="Mon, 15 Jan 2024 11:00:00 +0000")),
        ("Job Hunt", "a-copy.eml", mail("Interview at Acme", msgid="<a1@acme.example>")),
        ("DRAFT", "c.eml", reply_draft()),
    ]:
        folder = tmp_path / "mail" / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(raw)
    assert emu.load_seed(tmp_path) == {"messages": 3, "events": 0}
    assert len(emu.gmail.messages) == 3 and len(emu.gmail.threads) == 2
    first = next(m for m in emu.gmail.messages.values() if m.rfc822_id == "<a1@acme.example>")
    assert first.labels == ["INBOX", "Label_1"]
    assert len(gmail.users().drafts().list(userId="me").execute()["drafts"]) == 1


def test_command_line_prints_url_and_serves(tmp_path):
    (tmp_path / "mail" / "INBOX").mkdir(parents=True)
    (tmp_path / "mail" / "INBOX" / "a.eml").write_bytes(mail("Interview"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.google_emulator", "--port", "0", "--seed", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        profile = gmail_client(url).users().getProfile(userId="me").execute()
        assert profile["messagesTotal"] == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
