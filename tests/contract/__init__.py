"""The contract suites of the three connector interfaces, one module each: `draft_sink`,
`mail_source`, `calendar_source`; `test_local`, `test_google` and `test_memory` plug every
connector in.

The one plug-in rule, the same for all three: subclass the suite's `...Contract` in a
`Test...` class and define ONE fixture, `backend`, returning an instance of the suite's
`...Backend` (`DraftSinkBackend`, `MailSourceBackend`, `CalendarSourceBackend`) over an empty
store. The backend builds a new connector instance over that same store with `new()`, as a
new process would, and changes the store from outside where the suite needs it (deliver or
send mail, save a draft of the user's own, add, change or delete events, settle or expire
cursors, and put the store out of reach with `outage()`). Nothing else is plugged: every
test of the suite then runs for that connector. What only one connector does is tested
beside it, not here.
"""
