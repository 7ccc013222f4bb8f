"""Google's JSON error shape, and the exception handlers raise to produce it.

Google APIs answer errors as {"error": {"code", "message", "errors": [{"domain", "reason",
"message"}], "status"}} (https://cloud.google.com/apis/design/errors and the per-API error
guides: developers.google.com/gmail/api/guides/handle-errors, .../calendar/api/guides/errors).
The client library surfaces `code` as `HttpError.resp.status` and keeps the body, so connectors
read `error.errors[0].reason` from it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# HTTP status -> the google.rpc status name Google puts in `error.status`.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "FAILED_PRECONDITION",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# Reasons an injected fault carries when the test names none.
DEFAULT_REASONS = {
    400: "badRequest",
    401: "authError",
    403: "rateLimitExceeded",
    404: "notFound",
    409: "conflict",
    410: "deleted",
    429: "rateLimitExceeded",
    500: "backendError",
    501: "notImplemented",
    502: "backendError",
    503: "backendError",
    504: "backendError",
}

DEFAULT_MESSAGES = {
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "quotaExceeded": "Quota exceeded for quota metric 'Queries'",
    "backendError": "Backend Error",
    "notFound": "Requested entity was not found.",
    "authError": "Invalid Credentials",
    "fullSyncRequired": "Sync token is no longer valid, a full sync is required.",
}

# Reasons Google files under the "usageLimits" domain; everything else is "global".
USAGE_LIMIT_REASONS = {
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
    "dailyLimitExceeded",
    "concurrentLimitExceeded",
}


@dataclass(eq=False)
class ApiError(Exception):
    """An error answer in Google's shape; raised by handlers, rendered by the server."""

    code: int
    message: str = ""
    reason: str = ""
    domain: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)  # e.g. location/locationType

    def __post_init__(self) -> None:
        self.reason = self.reason or DEFAULT_REASONS.get(self.code, "unknown")
        self.message = self.message or DEFAULT_MESSAGES.get(self.reason, self.reason)
        if not self.domain:
            self.domain = "usageLimits" if self.reason in USAGE_LIMIT_REASONS else "global"
        super().__init__(self.code, self.message)

    def body(self) -> dict:
        item = {"message": self.message, "domain": self.domain, "reason": self.reason}
        item.update(self.extra)
        error = {"code": self.code, "message": self.message, "errors": [item]}
        status = STATUS_NAMES.get(self.code)
        if status:
            error["status"] = status
        return {"error": error}

    def to_bytes(self) -> bytes:
        return json.dumps(self.body()).encode()


def bad_request(message: str, reason: str = "invalidArgument") -> ApiError:
    return ApiError(400, message, reason)


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, message, "notFound")


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential.",
        "authError",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        extra={"location": "Authorization", "locationType": "header"},
    )
