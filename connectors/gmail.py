"""Gmail connectors: the mail source and the draft sink (one module each, same API).

    GmailMailSource(service, caller, batch_uri, window_days, known_domains, max_bytes=...)
    GmailDraftSink(service, caller)

Both take a discovery client from `google_api.build_service("gmail", "v1", ...)` and the one
`Caller` whose quota budget, retries and error translation every Google call goes through.
"""

from radiosilence.connectors.gmail_drafts import GmailDraftSink
from radiosilence.connectors.gmail_source import GmailMailSource

__all__ = ["GmailDraftSink", "GmailMailSource"]
