"""A loopback emulator of the Gmail v1 and Calendar v3 REST APIs, for connector tests.

google-api-python-client runs against it unmodified:

    emu = Emulator()
    base = emu.start()                                   # "http://127.0.0.1:PORT/"
    gmail = build("gmail", "v1", credentials=AnonymousCredentials(),
                  client_options={"api_endpoint": base}, static_discovery=True)
    calendar = build("calendar", "v3", credentials=AnonymousCredentials(),
                     client_options={"api_endpoint": base + "calendar/v3/"}, static_discovery=True)
    BatchHttpRequest(batch_uri=base + "batch/gmail/v1")  # new_batch_http_request() ignores base

State lives in `emu.gmail` (GmailStore) and `emu.calendar` (CalendarStore) behind one lock;
`emu.counts`, `emu.quota`, `emu.sends`, `emu.faults` and `emu.oauth` are the test's levers.
Run alone: `python -m tests.google_emulator --port 0 --seed DIR` prints the base URL.
"""

from .errors import ApiError
from .server import QUOTA, SEND_METHODS, Emulator

__all__ = ["ApiError", "Emulator", "QUOTA", "SEND_METHODS"]
