"""The few WebDAV/CalDAV requests radiosilence makes, over the `caldav` library's client.

The library does the HTTP work (sessions, Basic/Digest negotiation, TLS, the lxml parse of
every multistatus); the request bodies and the reading of the answers are here, so that we
know exactly which requests a cycle makes (an idle cycle must stay cheap) and every failure
becomes one of connectors/base.py's exceptions, once, here. The password is given to the
client and never appears in a message or a log line of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from radiosilence.connectors.base import NotFound, RateLimited, Refused, Unavailable

log = logging.getLogger(__name__)
# At DEBUG the library logs every request and response whole: the events' text, which our
# logs never hold. Its warnings still come through.
logging.getLogger("caldav").setLevel(logging.WARNING)

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
TIMEOUT_SECONDS = 60
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
MULTIGET_BATCH = 100
_HREF_SAFE = "/:@!$&'()*+,;=~"  # hrefs per calendar-multiget, so one reply never gets huge

_PROPFIND_HOME = f"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="{DAV}" xmlns:c="{CALDAV}" xmlns:cs="{CS}"><d:prop>
<d:resourcetype/><d:displayname/><cs:getctag/><d:sync-token/>
<c:supported-calendar-component-set/></d:prop></d:propfind>"""

_PROPFIND_ETAGS = f"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="{DAV}"><d:prop><d:getetag/><d:resourcetype/></d:prop></d:propfind>"""

_SYNC = """<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""

_MULTIGET = f"""<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="{DAV}" xmlns:c="{CALDAV}">
<d:prop><d:getetag/><c:calendar-data/></d:prop>{{hrefs}}</c:calendar-multiget>"""


def server_url(url: str) -> str:
    """The server address to use; raises ValueError unless it is https, or http to this
    machine (a password must not cross the network in the clear)."""
    parts = urlsplit(url.strip())
    if not parts.hostname:
        raise ValueError("empty or without a host name: set the server's address, e.g. "
                         "https://caldav.fastmail.com/dav/")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return url.strip()
    raise ValueError("must start with https:// (http only for a server on this machine)")


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


@dataclass(frozen=True)
class CollectionInfo:
    """One collection under the calendar home, as a PROPFIND Depth 1 describes it."""

    href: str  # the path, as the server names it (ends with "/")
    name: str  # displayname, or the last path segment when it has none
    is_calendar: bool
    ctag: str  # CalendarServer getctag ("" when not offered)
    sync_token: str  # RFC 6578 sync-token ("" when not offered)
    components: tuple[str, ...]  # supported components ("VEVENT", ...); empty: unknown


@dataclass
class Listing:
    """The members of a calendar: href -> etag, and the hrefs reported gone."""

    etags: dict[str, str] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    token: str = ""
    complete: bool = True  # every member is in `etags` (not only those changed since)


class Forbidden(Refused):
    """403: the account may not do that here (read this calendar, create one)."""


class SyncTokenRefused(Exception):
    """The server no longer accepts our sync-token (RFC 6578 DAV:valid-sync-token)."""


class Dav:
    """A CalDAV server for one account. `label` names it in messages ("caldav")."""

    def __init__(self, url: str, username: str, password: str, label: str = "caldav",
                 client: Any = None) -> None:
        self.url = url
        # Hrefs are resolved against the calendar home once it is known: iCloud answers on
        # caldav.icloud.com but keeps the calendars on another host (pNN-caldav.icloud.com).
        self.base = url
        self.label = label
        self.requests = 0  # made by this instance, for the debug log of each cycle
        if client is None:
            from caldav.davclient import DAVClient

            # Rate limits are ours to handle (RateLimited), never a sleep inside a cycle.
            # Basic from the first request: Fastmail, iCloud, Nextcloud and Radicale take it,
            # and it saves the 401 round trip (which Radicale answers only after a delay).
            client = DAVClient(url=url, username=username or None, password=password or None,
                               timeout=TIMEOUT_SECONDS, rate_limit_handle=False,
                               enable_rfc6764=False, auth_type="basic" if username else None)
        self.client = client

    def absolute(self, href: str) -> str:
        return urljoin(self.base, href)

    def use_home(self, home: str) -> str:
        """Resolve hrefs against `home` (an absolute URL) from now on; return it."""
        self.base = home
        return home

    def request(self, method: str, href: str, body: str = "",
                headers: Mapping[str, str] | None = None, ok: Iterable[int] = (200, 207)) -> Any:
        """Send one request; return the library's DAVResponse when its status is in `ok`.
        Raises Refused (an AuthNeeded), RateLimited, NotFound (404, 410) or Unavailable."""
        from caldav.lib import error

        self.requests += 1
        try:
            response = self.client.request(self.absolute(href), method, body, dict(headers or {}))
        except error.AuthorizationError as problem:
            if problem.status == 403 and any("sync-token" in p for p in problem.preconditions):
                raise SyncTokenRefused() from None
            raise self._auth_error(problem.status) from None
        except error.RateLimitError as problem:
            raise RateLimited(f"{self.label}: the server asks us to slow down",
                              problem.retry_after_seconds) from None
        except error.DAVError as problem:
            raise Unavailable(f"{self.label}: {type(problem).__name__} from the server") \
                from None
        except OSError as problem:  # niquests' errors are OSErrors: refused, TLS, timeout
            raise Unavailable(f"{self.label}: cannot reach the server "
                              f"({type(problem).__name__})") from None
        status = int(response.status)
        if status in set(ok):
            return response
        if status in (404, 410):
            raise NotFound(f"{self.label}: {method} {urlsplit(href).path}: {status}")
        if status == 403 and b"sync-token" in body_of(response):
            raise SyncTokenRefused()
        if status in (401, 403):
            raise self._auth_error(status)
        raise Unavailable(f"{self.label}: the server answered {status} to {method}")

    def _auth_error(self, status: int | None) -> Refused:
        if status == 403:
            return Forbidden(f"{self.label}: the server refused access (403): check that "
                              f"[{self.label}] username may read this calendar")
        return Refused(f"{self.label}: the server refused the username or password (401): "
                          f"check [{self.label}] username and password_command / password_file "
                          "(an app password for Fastmail and iCloud)")

    def home(self) -> str:
        """The calendar home set's href, found from the configured URL (RFC 4791 6.2.1,
        RFC 5397): current-user-principal, then its calendar-home-set. Two PROPFINDs."""
        principal = self._href_prop(self.url, DAV, "current-user-principal") or self.url
        return self.use_home(self._href_prop(principal, CALDAV, "calendar-home-set")
                             or principal)

    def _href_prop(self, href: str, namespace: str, name: str) -> str:
        body = (f'<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="{DAV}" '
                f'xmlns:x="{namespace}"><d:prop><x:{name}/></d:prop></d:propfind>')
        tree = self.request("PROPFIND", href, body, {"Depth": "0"}).tree
        if tree is None:
            return ""
        for found in tree.iter(_tag(namespace, name)):
            inner = found.find(_tag(DAV, "href"))
            if inner is not None and inner.text:
                return urljoin(self.absolute(href), inner.text.strip())
        return ""

    def collections(self, home: str) -> list[CollectionInfo]:
        """The collections directly under `home`, with the properties that tell a change."""
        tree = self.request("PROPFIND", home, _PROPFIND_HOME, {"Depth": "1"}).tree
        found = []
        home_path = urlsplit(self.absolute(home)).path.rstrip("/")
        for href, prop in _responses(tree):
            if urlsplit(self.absolute(href)).path.rstrip("/") == home_path:
                continue
            kinds = prop.find(_tag(DAV, "resourcetype"))
            is_calendar = kinds is not None and kinds.find(_tag(CALDAV, "calendar")) is not None
            components = prop.find(_tag(CALDAV, "supported-calendar-component-set"))
            names = tuple(c.get("name", "").upper() for c in components) \
                if components is not None else ()
            segment = unquote(href.rstrip("/").rpartition("/")[2])
            found.append(CollectionInfo(
                href=href, name=prop_text(prop, DAV, "displayname") or segment,
                is_calendar=is_calendar, ctag=prop_text(prop, CS, "getctag"),
                sync_token=prop_text(prop, DAV, "sync-token"), components=names))
        return found

    def sync(self, href: str, token: str) -> Listing:
        """RFC 6578 sync-collection: the members changed since `token` ("" for all) and
        the ones removed. Raises SyncTokenRefused when the server forgot the token."""
        body = _SYNC.format(token=xml_text(token))
        response = self.request("REPORT", href, body, {"Depth": "0"}, ok=(207,))
        listing = Listing(complete=not token)
        for member, prop, status in multistatus(response.tree):
            if status == 507:  # RFC 6578 3.6: truncated; the token given covers this part
                listing.complete = False
            elif status == 404:
                listing.gone.append(member)
            elif not member.endswith("/"):
                listing.etags[member] = prop_text(prop, DAV, "getetag")
        if response.tree is not None:
            listing.token = prop_text(response.tree, DAV, "sync-token")
        return listing

    def etags(self, href: str) -> dict[str, str]:
        """href -> etag of every object in the collection (PROPFIND Depth 1)."""
        tree = self.request("PROPFIND", href, _PROPFIND_ETAGS, {"Depth": "1"}).tree
        etags = {}
        for member, prop in _responses(tree):
            kinds = prop.find(_tag(DAV, "resourcetype"))
            if not member.endswith("/") and (kinds is None or len(kinds) == 0):
                etags[member] = prop_text(prop, DAV, "getetag")
        return etags

    def multiget(self, calendar: str, hrefs: list[str]) -> dict[str, tuple[str, bytes]]:
        """href -> (etag, iCalendar bytes) of the objects named; those gone are left out."""
        found: dict[str, tuple[str, bytes]] = {}
        for start in range(0, len(hrefs), MULTIGET_BATCH):
            batch = hrefs[start:start + MULTIGET_BATCH]
            body = _MULTIGET.format(hrefs="".join(
                f"<d:href>{xml_text(href)}</d:href>" for href in batch))
            response = self.request("REPORT", calendar, body, {"Depth": "1"}, ok=(207,))
            for member, prop, status in multistatus(response.tree):
                data = prop_text(prop, CALDAV, "calendar-data", strip=False)
                if status == 200 and data:
                    found[member] = (prop_text(prop, DAV, "getetag"), data.encode("utf-8"))
        return found


def body_of(response: Any) -> bytes:
    """The bytes a DAVResponse carried (caldav 3.x keeps them as `_raw_body`)."""
    return bytes(getattr(response, "_raw_body", b"") or b"")


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def prop_text(element: Any, namespace: str, name: str, strip: bool = True) -> str:
    found = element.find(f".//{_tag(namespace, name)}")
    if found is None or found.text is None:
        return ""
    return found.text.strip() if strip else found.text


def _responses(tree: Any) -> list[tuple[str, Any]]:
    """(href, merged prop element of the 200 propstats) of each multistatus response."""
    return [(href, prop) for href, prop, status in multistatus(tree)
            if status == 200]


def multistatus(tree: Any) -> list[tuple[str, Any, int]]:
    """(href, prop, status) per response: status is the response's own (404 for a member
    removed, in sync-collection) or else that of its first successful propstat."""
    from lxml import etree

    out: list[tuple[str, Any, int]] = []
    if tree is None:
        return out
    for response in tree.iter(_tag(DAV, "response")):
        href_el = response.find(_tag(DAV, "href"))
        if href_el is None or not href_el.text:
            continue
        # One spelling per href ("%40" or "@"), whichever the server used in this reply.
        href = quote(unquote(urlsplit(href_el.text.strip()).path), safe=_HREF_SAFE)
        own = response.find(_tag(DAV, "status"))
        prop = etree.Element(_tag(DAV, "prop"))
        status = _status(own.text) if own is not None and own.text else 0
        for propstat in response.iter(_tag(DAV, "propstat")):
            code = _status(prop_text(propstat, DAV, "status"))
            if code == 200:
                inner = propstat.find(_tag(DAV, "prop"))
                for child in inner if inner is not None else ():
                    prop.append(child)
                status = status or 200
        out.append((href, prop, status or 404))
    return out


def _status(line: str) -> int:
    """200 from "HTTP/1.1 200 OK"."""
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
