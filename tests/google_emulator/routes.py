"""URL routing derived from the discovery documents that ship with google-api-python-client.

Routing from the same documents the client builds its URLs from means every method the client
can call resolves to its discovery method id ("gmail.users.messages.get"), which is also the
name requests are counted and charged under. Gmail paths already start with "gmail/v1/" (its
servicePath is empty); Calendar paths are relative to its servicePath "calendar/v3/".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote

import googleapiclient

from .errors import ApiError

DISCOVERY_DIR = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
APIS = {"gmail": "gmail.v1.json", "calendar": "calendar.v3.json"}


@cache
def discovery(api: str) -> dict:
    """The discovery document of `api` ("gmail" or "calendar") as a dict."""
    return json.loads((DISCOVERY_DIR / APIS[api]).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Route:
    method_id: str
    http_method: str
    pattern: re.Pattern[str]
    literals: int  # literal segments: the more, the more specific ("drafts/send" > "drafts/{id}")
    upload: bool  # the media-upload twin of a method ("upload/gmail/v1/...")


def _compile(template: str) -> tuple[re.Pattern[str], int]:
    regex, literals = [], 0
    for segment in template.strip("/").split("/"):
        parts = re.split(r"(\{\+?\w+\})", segment)
        out = []
        for part in parts:
            m = re.fullmatch(r"\{(\+?)(\w+)\}", part)
            if m:
                out.append(f"(?P<{m.group(2)}>{'.+' if m.group(1) else '[^/]+'})")
            elif part:
                out.append(re.escape(part))
                literals += 1
        regex.append("".join(out))
    return re.compile("/".join(regex) + "/?"), literals


def _methods(resources: dict):
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _methods(resource.get("resources", {}))


@cache
def routes() -> tuple[Route, ...]:
    table = []
    for api in APIS:
        doc = discovery(api)
        prefix = doc["servicePath"]
        for method in _methods(doc["resources"]):
            pattern, literals = _compile(prefix + method["path"])
            table.append(Route(method["id"], method["httpMethod"], pattern, literals, False))
            simple = method.get("mediaUpload", {}).get("protocols", {}).get("simple")
            if simple:
                pattern, literals = _compile(simple["path"])
                table.append(Route(method["id"], method["httpMethod"], pattern, literals, True))
    table.sort(key=lambda r: -r.literals)
    return tuple(table)


def resolve(http_method: str, path: str) -> tuple[Route, dict[str, str]]:
    """The route and the (unquoted) path parameters for a request path such as
    "/gmail/v1/users/me/messages/18c..."; ApiError 404 when nothing matches."""
    path = path.lstrip("/")
    wrong_verb = False
    for route in routes():
        m = route.pattern.fullmatch(path)
        if not m:
            continue
        if route.http_method != http_method:
            wrong_verb = True
            continue
        return route, {k: unquote(v) for k, v in m.groupdict().items()}
    if wrong_verb:
        raise ApiError(405, f"Method {http_method} not allowed on /{path}", "methodNotAllowed")
    hint = ""
    if any(r.pattern.fullmatch("calendar/v3/" + path) for r in routes()):
        hint = ' (a Calendar path without its prefix: use api_endpoint=base + "calendar/v3/")'
    raise ApiError(404, f"No API method at /{path}{hint}", "notFound")


def response_schema(method_id: str) -> str | None:
    """The discovery schema name of `method_id`'s response ("Message"), None for no body."""
    api = method_id.split(".", 1)[0]
    for method in _methods(discovery(api)["resources"]):
        if method["id"] == method_id:
            return method.get("response", {}).get("$ref")
    raise KeyError(method_id)
