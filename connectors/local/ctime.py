"""What both local connectors share: telling the files changed since the last scan by ctime.

ctime, not mtime: offlineimap sets mtime to the message's date, and vdirsyncer may keep it,
while creating, renaming (a flag change, vdirsyncer's write-then-rename) and utime all bump
ctime.
"""

# The kernel stamps ctime from a coarse clock (a tick behind time.time_ns()), some file systems
# in whole seconds: the slack makes sure no file written during the previous scan is missed.
# Files in the window come twice, which stable refs make harmless to consumers.
CTIME_SLACK_NS = 2_000_000_000


def changed_since(ctime_ns: int, threshold_ns: int) -> bool:
    """Whether a file with this ctime may have changed since a scan that started at
    `threshold_ns` (wall time, ns)."""
    return ctime_ns >= threshold_ns - CTIME_SLACK_NS
