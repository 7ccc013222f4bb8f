"""The OAuth 2.0 token endpoint and the bearer-token check on API calls.

Policy (chosen so tests can use both credential kinds):
- Before `revoke()`: calls without an Authorization header (AnonymousCredentials) are accepted,
  unless `require_bearer` is set; any bearer token is accepted except those made stale by
  `expire_access_tokens()` (the client then refreshes on the 401 and retries).
- After `revoke()`: the token endpoint answers 400 {"error": "invalid_grant"} (RFC 6749 section
  5.2; what Google says for a revoked or expired refresh token) and every API call answers 401,
  anonymous or not, as an account whose grant is gone does.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from .errors import unauthenticated


class OAuthState:
    def __init__(self) -> None:
        self.revoked = False
        self.require_bearer = False
        self.issued: list[str] = []
        self.stale: set[str] = set()
        self.refresh_tokens_seen: list[str] = []

    def revoke(self) -> None:
        self.revoked = True

    def restore(self) -> None:
        self.revoked = False

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 401 (forces a refresh)."""
        self.stale.update(self.issued)

    def token_endpoint(self, body: bytes) -> tuple[int, dict]:
        """Answer POST {base}token (application/x-www-form-urlencoded)."""
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        grant = form.get("grant_type", "")
        if grant == "refresh_token":
            if not form.get("refresh_token"):
                return 400, _oauth_error("invalid_request", "Missing refresh_token")
            self.refresh_tokens_seen.append(form["refresh_token"])
        elif grant != "authorization_code":
            return 400, _oauth_error("unsupported_grant_type", f"Bad grant {grant!r}")
        if self.revoked:
            return 400, _oauth_error("invalid_grant", "Token has been expired or revoked.")
        token = f"ya29.emulator-{len(self.issued) + 1}"
        self.issued.append(token)
        answer = {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        if form.get("scope"):  # google-auth compares granted scopes with requested ones
            answer["scope"] = form["scope"]
        if grant == "authorization_code":
            answer["refresh_token"] = f"1//emulator-refresh-{len(self.issued)}"
        return 200, answer

    def check(self, authorization: str | None) -> None:
        """Raise ApiError 401 unless the call's Authorization header is acceptable."""
        if self.revoked:
            raise unauthenticated()
        if not authorization:
            if self.require_bearer:
                raise unauthenticated()
            return
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip() or token.strip() in self.stale:
            raise unauthenticated()


def _oauth_error(error: str, description: str) -> dict:
    return {"error": error, "error_description": description}
