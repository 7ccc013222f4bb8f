// A third, independent reader of the reminder feed, for tests/test_server.py.
//
// Usage: node parse_feed.mjs [FILE]   (no FILE, or "-": read standard input)
// Prints a JSON list, one item per VEVENT in file order:
//   {uid, summary, start (ISO 8601 UTC, "Z"), sequence, alarms: [{action, trigger}]}
// where trigger is ical.js's own rendering of the TRIGGER value (a duration such as
// "-PT15M", or an ISO UTC time for an absolute trigger). Exits 1 with a one-line message
// on stderr when the input cannot be read or parsed as an iCalendar VCALENDAR.
//
// ical.js is the parser Thunderbird and many web calendars use; it shares no code with
// the Python readers (icalendar, vobject), which is the point of running it.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function fail(message) {
  process.stderr.write(`parse_feed: ${message}\n`);
  process.exit(1);
}

function isoUtc(time) {
  // ical.js Time -> "2026-03-18T09:30:00Z"; floating times have no instant, refuse them.
  if (time.zone === ICAL.Timezone.localTimezone) {
    throw new Error(`floating time ${time.toString()} has no UTC instant`);
  }
  return time.toJSDate().toISOString().replace(/\.000Z$/, "Z");
}

function alarmOf(valarm) {
  const trigger = valarm.getFirstPropertyValue("trigger");
  if (trigger === null) {
    throw new Error("VALARM without TRIGGER");
  }
  return {
    action: valarm.getFirstPropertyValue("action"),
    trigger: trigger instanceof ICAL.Time ? isoUtc(trigger) : trigger.toString(),
  };
}

function eventOf(vevent) {
  const event = new ICAL.Event(vevent);
  if (!event.startDate) {
    throw new Error(`VEVENT ${event.uid} without DTSTART`);
  }
  return {
    uid: event.uid,
    summary: event.summary,
    start: isoUtc(event.startDate),
    sequence: event.sequence,
    alarms: vevent.getAllSubcomponents("valarm").map(alarmOf),
  };
}

const source = process.argv[2];
let text;
try {
  text = readFileSync(source === undefined || source === "-" ? 0 : source, "utf8");
} catch (error) {
  fail(`cannot read ${source ?? "standard input"}: ${error.message}`);
}
if (!text.trim()) {
  fail("empty input");
}

let events;
try {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== "vcalendar") {
    throw new Error(`top-level component is ${root.name}, not vcalendar`);
  }
  events = root.getAllSubcomponents("vevent").map(eventOf);
} catch (error) {
  fail(`not a valid iCalendar feed: ${error.message}`);
}
process.stdout.write(JSON.stringify(events, null, 2) + "\n");
