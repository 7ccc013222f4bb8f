"""One API call as handlers see it: path parameters, query parameters, headers, body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import bad_request


@dataclass
class Call:
    method_id: str
    path: dict[str, str]
    query: dict[str, list[str]]
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    body: bytes = b""
    upload: bool = False  # arrived on the media-upload path ("/upload/gmail/v1/...")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def int_arg(self, name: str, default: int, maximum: int | None = None) -> int:
        text = self.arg(name)
        if text is None or text == "":
            return default
        try:
            value = int(text)
        except ValueError:
            raise bad_request(f"Invalid value '{text}' for {name}") from None
        if value < 1:
            raise bad_request(f"Invalid value '{text}' for {name}. Values must be positive")
        return min(value, maximum) if maximum else value

    def bool_arg(self, name: str, default: bool = False) -> bool:
        text = self.arg(name)
        if text is None or text == "":
            return default
        if text.lower() not in ("true", "false"):
            raise bad_request(f"Invalid boolean value '{text}' for {name}")
        return text.lower() == "true"

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> dict:
        if not self.body.strip():
            return {}
        try:
            value = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Invalid JSON payload received.", "parseError") from None
        if not isinstance(value, dict):
            raise bad_request("Invalid JSON payload received.", "parseError")
        return value
