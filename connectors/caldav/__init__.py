"""CalDAV accounts (Fastmail, iCloud, Nextcloud, Radicale): `dav.py` makes the requests,
`source.py` reads calendars incrementally, `writer.py` keeps the events we own in one."""
