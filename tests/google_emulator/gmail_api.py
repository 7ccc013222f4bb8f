"""Gmail v1 method handlers: a Call in, a response dict out (None for an empty 204).

Shapes follow the discovery document's schemas (Message, Draft, Thread, ListHistoryResponse,
...); tests/test_google_emulator.py validates every answer against them.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
from collections.abc import Callable, Iterable

from . import gmail_mime as mime
from .batch import split_multipart
from .call import Call
from .errors import ApiError, bad_request, not_found
from .gmail_query import QueryError
from .gmail_store import GmailStore, StoredMessage

Handler = Callable[[GmailStore, Call], "dict | None"]
FORMATS = ("full", "metadata", "minimal", "raw")
HISTORY_KINDS = {
    "messageAdded": "messagesAdded",
    "messageDeleted": "messagesDeleted",
    "labelAdded": "labelsAdded",
    "labelRemoved": "labelsRemoved",
}


def _user(store: GmailStore, call: Call) -> None:
    user = call.path.get("userId", "me")
    if user != "me" and user.casefold() != store.email.casefold():
        raise ApiError(403, f"Delegation denied for {store.email}", "forbidden")


def _token(state: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _untoken(token: str | None) -> dict | None:
    if not token:
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise bad_request("Invalid pageToken") from None
    if not isinstance(state, dict):
        raise bad_request("Invalid pageToken")
    return state


def snippet(msg: StoredMessage) -> str:
    text = " ".join(msg.doc.body.split())[: mime.SNIPPET_CHARS]
    return html.escape(text).replace("&#x27;", "&#39;")


def format_message(msg: StoredMessage, fmt: str = "full", headers: Iterable[str] = ()) -> dict:
    """A Message resource in `fmt` (users.messages.get `format`)."""
    if fmt not in FORMATS:
        raise bad_request(f"Invalid format: {fmt}")
    out: dict = {"id": msg.id, "threadId": msg.thread_id}
    if msg.labels:
        out["labelIds"] = list(msg.labels)
    out["snippet"] = snippet(msg)
    out["sizeEstimate"] = len(msg.raw)
    out["historyId"] = str(msg.history_id)
    out["internalDate"] = str(msg.internal_date)
    if fmt == "raw":
        out["raw"] = mime.b64url(msg.raw)
    elif fmt == "metadata":
        only = {h.lower() for h in headers} or None
        out["payload"] = {
            "mimeType": msg.mime.get_content_type(),
            "headers": mime.headers_list(msg.mime, only),
        }
    elif fmt == "full":
        out["payload"] = mime.payload(msg.mime, msg.id)
    return out


def _search(store: GmailStore, call: Call, **kw) -> list[StoredMessage]:
    try:
        spam_trash = call.bool_arg("includeSpamTrash")
        return store.search(call.arg("q"), include_spam_trash=spam_trash, **kw)
    except QueryError as exc:
        raise bad_request(f"Invalid query: {exc}") from None


def _page(call: Call, items: list, default: int = 100, maximum: int = 500) -> tuple[list, dict]:
    size = call.int_arg("maxResults", default, maximum)
    state = _untoken(call.arg("pageToken")) or {"o": 0}
    offset = int(state.get("o", 0))
    extra = {"nextPageToken": _token({"o": offset + size})} if offset + size < len(items) else {}
    return items[offset: offset + size], extra


def get_profile(store: GmailStore, call: Call) -> dict:
    return {
        "emailAddress": store.email,
        "messagesTotal": len(store.messages),
        "threadsTotal": len(store.threads),
        "historyId": str(store.history_id),
    }


def messages_list(store: GmailStore, call: Call) -> dict:
    found = _search(store, call, label_ids=call.args("labelIds"))
    page, out = _page(call, found)
    out["resultSizeEstimate"] = len(found)
    if page:
        out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
    return out


def messages_get(store: GmailStore, call: Call) -> dict:
    msg = store.get(call.path["id"])
    return format_message(msg, call.arg("format") or "full", call.args("metadataHeaders"))


def messages_modify(store: GmailStore, call: Call) -> dict:
    body = call.json()
    add, remove = body.get("addLabelIds", []), body.get("removeLabelIds", [])
    unknown = [lab for lab in add + remove if lab not in store.labels]
    if unknown:
        raise bad_request(f"Invalid label: {unknown[0]}")
    msg = store.modify_labels(call.path["id"], add, remove)
    return format_message(msg, "minimal")


def messages_trash(store: GmailStore, call: Call) -> dict:
    return format_message(store.modify_labels(call.path["id"], ["TRASH"], ["INBOX"]), "minimal")


def messages_untrash(store: GmailStore, call: Call) -> dict:
    return format_message(store.modify_labels(call.path["id"], [], ["TRASH"]), "minimal")


def messages_delete(store: GmailStore, call: Call) -> None:
    store.delete_message(call.path["id"])


def attachments_get(store: GmailStore, call: Call) -> dict:
    msg = store.get(call.path["messageId"])
    try:
        owner, part_id = mime.part_of_attachment(call.path["id"])
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Invalid attachment token") from None
    data = mime.attachment_data(msg.mime, part_id) if owner == msg.id else None
    if data is None:
        raise not_found()
    return {"attachmentId": call.path["id"], "size": len(data), "data": mime.b64url(data)}


def threads_get(store: GmailStore, call: Call) -> dict:
    members = store.thread_of(call.path["id"])
    fmt = call.arg("format") or "full"
    return {
        "id": call.path["id"],
        "historyId": str(max(m.history_id for m in members)),
        "messages": [format_message(m, fmt, call.args("metadataHeaders")) for m in members],
    }


def threads_list(store: GmailStore, call: Call) -> dict:
    seen: dict[str, StoredMessage] = {}
    for msg in _search(store, call, label_ids=call.args("labelIds")):
        seen.setdefault(msg.thread_id, msg)
    page, out = _page(call, list(seen))
    out["resultSizeEstimate"] = len(seen)
    if page:
        out["threads"] = []
        for tid in page:
            latest = store.thread_of(tid)[-1]
            hid = max(m.history_id for m in store.thread_of(tid))
            out["threads"].append({"id": tid, "snippet": snippet(latest), "historyId": str(hid)})
    return out


def _render_history(record: dict) -> dict:
    entry: dict = {"message": record["message"]}
    if record["labelIds"] is not None:
        entry["labelIds"] = record["labelIds"]
    brief = {"id": record["message"]["id"], "threadId": record["message"]["threadId"]}
    return {"id": str(record["id"]), "messages": [brief], record["kind"]: [entry]}


def history_list(store: GmailStore, call: Call) -> dict:
    text = call.arg("startHistoryId")
    if not text:
        raise bad_request("Missing required parameter startHistoryId", "required")
    try:
        start = int(text)
    except ValueError:
        raise bad_request(f"Invalid startHistoryId: {text}") from None
    state = _untoken(call.arg("pageToken")) or {"a": start, "e": store.history_empty_pages}
    after, empties = int(state.get("a", start)), int(state.get("e", 0))
    if min(start, after) < store.oldest_valid_history_id:
        raise not_found()  # too old: the client must do a full sync
    out: dict = {"historyId": str(store.history_id)}
    if empties > 0:  # Gmail may answer a page with no records but a nextPageToken
        out["nextPageToken"] = _token({"a": after, "e": empties - 1})
        return out
    kinds = {HISTORY_KINDS.get(t, t) for t in call.args("historyTypes")}
    label = call.arg("labelId")
    records = [
        r for r in store.history
        if r["id"] > after
        and (not kinds or r["kind"] in kinds)
        and (not label or label in r["message"]["labelIds"] or label in (r["labelIds"] or []))
    ]
    size = call.int_arg("maxResults", 100, 500)
    if records[:size]:
        out["history"] = [_render_history(r) for r in records[:size]]
    if len(records) > size:
        out["nextPageToken"] = _token({"a": records[size - 1]["id"], "e": 0})
    return out


def _draft_input(call: Call) -> tuple[bytes, str | None]:
    """(raw RFC 822 bytes, threadId) from a JSON body or a media upload."""
    if call.upload and call.content_type.startswith("multipart/"):
        # uploadType=multipart: a JSON Draft part, then the message part (binary, as sent).
        parts = split_multipart(call.headers["content-type"], call.body, "related")
        if len(parts) != 2:
            raise bad_request("A multipart upload needs a metadata part and a media part")
        try:
            meta = json.loads(parts[0][1] or b"{}")
        except ValueError:
            raise bad_request("Invalid JSON payload received.", "parseError") from None
        return parts[1][1], ((meta or {}).get("message") or {}).get("threadId")
    if call.upload:
        return call.body, None
    message = call.json().get("message") or {}
    if not message.get("raw"):
        raise bad_request("Missing draft message", "invalidArgument")
    try:
        raw = mime.b64decode_lenient(message["raw"])
    except ValueError:
        raise bad_request("Invalid value for ByteString: raw") from None
    return raw, message.get("threadId")


def drafts_create(store: GmailStore, call: Call) -> dict:
    raw, thread_id = _draft_input(call)
    return store.create_draft(raw, thread_id)


def drafts_update(store: GmailStore, call: Call) -> dict:
    raw, thread_id = _draft_input(call)
    return store.update_draft(call.path["id"], raw, thread_id)


def drafts_get(store: GmailStore, call: Call) -> dict:
    msg = store.draft_message(call.path["id"])
    return {"id": call.path["id"], "message": format_message(msg, call.arg("format") or "full")}


def drafts_list(store: GmailStore, call: Call) -> dict:
    by_message = {d["message"]["id"]: did for did, d in store.drafts.items()}
    found = _search(store, call, only=list(by_message))
    page, out = _page(call, found)
    out["resultSizeEstimate"] = len(found)
    if page:
        out["drafts"] = [
            {"id": by_message[m.id], "message": {"id": m.id, "threadId": m.thread_id}} for m in page
        ]
    return out


def drafts_delete(store: GmailStore, call: Call) -> None:
    store.delete_draft(call.path["id"])


def labels_list(store: GmailStore, call: Call) -> dict:
    return {"labels": [dict(label) for label in store.labels.values()]}


def labels_get(store: GmailStore, call: Call) -> dict:
    label = store.labels.get(call.path["id"])
    if label is None:
        raise not_found()
    counted = [m for m in store.messages.values() if label["id"] in m.labels]
    threads = {m.thread_id for m in counted}
    unread = [m for m in counted if "UNREAD" in m.labels]
    return {
        **label,
        "messagesTotal": len(counted), "messagesUnread": len(unread),
        "threadsTotal": len(threads), "threadsUnread": len({m.thread_id for m in unread}),
    }


_HANDLERS: dict[str, Handler] = {
    "gmail.users.getProfile": get_profile,
    "gmail.users.messages.list": messages_list,
    "gmail.users.messages.get": messages_get,
    "gmail.users.messages.modify": messages_modify,
    "gmail.users.messages.trash": messages_trash,
    "gmail.users.messages.untrash": messages_untrash,
    "gmail.users.messages.delete": messages_delete,
    "gmail.users.messages.attachments.get": attachments_get,
    "gmail.users.threads.get": threads_get,
    "gmail.users.threads.list": threads_list,
    "gmail.users.history.list": history_list,
    "gmail.users.drafts.create": drafts_create,
    "gmail.users.drafts.update": drafts_update,
    "gmail.users.drafts.get": drafts_get,
    "gmail.users.drafts.list": drafts_list,
    "gmail.users.drafts.delete": drafts_delete,
    "gmail.users.labels.list": labels_list,
    "gmail.users.labels.get": labels_get,
}


def _checked(handler: Handler) -> Handler:
    def run(store: GmailStore, call: Call) -> dict | None:
        _user(store, call)
        return handler(store, call)

    return run


HANDLERS: dict[str, Handler] = {name: _checked(fn) for name, fn in _HANDLERS.items()}
