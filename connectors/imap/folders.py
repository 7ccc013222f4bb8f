"""Which IMAP folder is which: SPECIAL-USE attributes (RFC 6154) first, well-known names after.

One LIST answers it all. Gmail localises its folder names ("[Gmail]/Gesendet"), so names
alone are never trusted when the server marks its folders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from imapclient import IMAPClient

INBOX = "INBOX"
ROLES = ("\\All", "\\Sent", "\\Drafts", "\\Junk", "\\Trash")
# Names used when a server does not mark its folders, most common first (per role).
WELL_KNOWN = {
    "\\Sent": ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail",
               "INBOX.Sent", "INBOX/Sent"),
    "\\Drafts": ("Drafts", "[Gmail]/Drafts", "INBOX.Drafts", "INBOX/Drafts", "Draft"),
    "\\Junk": ("Junk", "Spam", "Junk E-mail", "[Gmail]/Spam", "INBOX.Junk", "INBOX.Spam"),
    "\\Trash": ("Trash", "Deleted Items", "Deleted Messages", "[Gmail]/Trash", "INBOX.Trash"),
    "\\All": ("[Gmail]/All Mail",),
}
# The name an item's `folder` carries for the sent folder, whatever the server calls it, so
# that parse_mail's sent-folder rule (config: maildir.sent_folders) recognises it.
SENT_NAME = "Sent"


@dataclass(frozen=True)
class Folders:
    """The folders of one account by role; `names` is every selectable folder."""

    names: tuple[str, ...]
    roles: dict[str, str]  # "\\Sent" -> "[Gmail]/Gesendet"

    def role(self, role: str) -> str | None:
        return self.roles.get(role)

    def watched(self, override: Sequence[str] = ()) -> list[str]:
        """The folders to read: `override` when given (those that exist), else All Mail
        where there is one (Gmail: it holds inbound and sent mail), else INBOX and Sent."""
        if override:
            wanted = {name.casefold(): name for name in override}
            return [name for name in self.names if name.casefold() in wanted]
        if "\\All" in self.roles:
            return [self.roles["\\All"]]
        inbox = next((n for n in self.names if n.upper() == INBOX), None)
        found = [inbox, self.roles.get("\\Sent")]
        return [name for name in found if name is not None]

    def label(self, name: str) -> str:
        """The `folder` of an item read from `name` ("Sent" for the sent folder)."""
        if name == self.roles.get("\\Sent"):
            return SENT_NAME
        return INBOX if name.upper() == INBOX else name


def discover(client: IMAPClient) -> Folders:
    """Return the account's folders by role, from one LIST."""
    names: list[str] = []
    roles: dict[str, str] = {}
    for flags, _delimiter, name in client.list_folders():
        marks = {_text(flag).casefold() for flag in flags}
        if "\\noselect" in marks or "\\nonexistent" in marks:
            continue
        names.append(name)
        for role in ROLES:
            if role.casefold() in marks:
                roles.setdefault(role, name)
    for role, candidates in WELL_KNOWN.items():
        if role not in roles:
            folded = {n.casefold(): n for n in names}
            match = next((folded[c.casefold()] for c in candidates if c.casefold() in folded),
                         None)
            if match is not None:
                roles[role] = match
    return Folders(tuple(names), roles)


def _text(value: bytes | str) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value
