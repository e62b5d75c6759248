#!/usr/bin/env python3
"""Generate a synthetic Impactive messages export joined with contacts.

Usage: python3 bench/gen.py ROWS OUT.csv [--seed N] [--no-bare-quotes]
       python3 bench/gen.py --self-test

The output is deterministic: the same ROWS, seed and Python 3 version give
a byte-identical file (only random.Random with an integer seed is used, and
nothing depends on hash order or the clock). Rows are prefix-stable: the
first N rows of a larger file equal the file generated with ROWS=N.

Columns (14): id, campaign_id, activity_id, activity_title, message_type,
sender_type, receiver_type, sender_name, phone, profile_id, opted_out,
sent_at, script_type, body. The data is made up: names are drawn from
small lists, phone numbers use the 555 exchange, and nothing here
describes a real person. About 250 bytes a row; 1,000,000 rows is about
250 MB. Written by Python's csv writer: UTF-8 without BOM, RFC 4180
quoting only where needed (QUOTE_MINIMAL), LF line endings.

What a CSV writer has to get right, and how often (of data rows):
- embedded newlines in about 2% of bodies, CRLF in about 0.2%;
- quotes inside fields: titles like 'Survey: "Rent Too High?"' and
  'Tablet Raffle (10" screen)', bodies quoting a reply or ending in a
  quoted word, replies that are a quoted word ('"ok"'); the writer quotes
  each such field and doubles its quotes;
- bare quotes: quotes inside unquoted fields, written raw, as many
  exports write them (not through the csv writer's quoting): the titles
  of about 1 activity in 40 (so about 1 row in 40), such as
  Tablet Raffle (10" screen), and about 1% of bodies, such as
  he said "ok" then left, or ending in a quote (my tablet is 10").  Such
  a field never starts with a quote and holds no comma, CR or LF, so
  Python's csv reader (and DuckDB, Miller with --lazy-quotes, crosswalk
  with --stray-quotes keep) reads it as the text; PostgreSQL's COPY does
  not (a quote anywhere opens a quoted section).  --no-bare-quotes writes
  the same values through the csv writer's quoting instead: the variant
  for such readers;
- leading or trailing spaces, unquoted: about 2% of sender names, 3% of
  bodies, 1 title in 30, and about 0.05% of sender names that are only
  spaces; a trailing TAB in about 0.3% of bodies;
- long bodies: about 0.1% are 2-8 KB, paragraphs joined by newlines;
- empty fields: script_type of every inbound message.

Version 2 added the spaces, the quoted words, the CRLFs, the tabs and
the long bodies; version 3 (this one) the bare quotes.  The bench scripts
name the data file after the version (bench/data/messages-v3-ROWS.csv,
and messages-v3-ROWS-nobare.csv for --no-bare-quotes) so that an older
file is never reused.

--self-test generates a few thousand rows both ways and checks that
Python's csv reader reads back exactly the values generated from each,
bare quotes included.
"""

import argparse
import csv
import io
import os
import random
import sys
import time

DEFAULT_SEED = 20241105

FIRST = [
    "Ana", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Iván", "Jo",
    "Kai", "Lee", "María", "Nina", "Óscar", "Pat", "Quinn", "Renée", "Sam",
    "Tomás", "Uma", "Zoë", "José", "Chloé", "Jürgen", "Noël", "Siobhán",
    "Björn", "Aaliyah", "DeShawn", "Mei", "Priya", "Kwame", "Fatima",
    "Luis", "Carmen", "Andrés", "Beatriz", "Dmitri", "Yusuf", "Ngozi",
    "Thanh", "Rosa", "Marcus", "Tanya", "Jamal", "Lucía", "Ömer", "Inés",
    "Grace", "Héctor", "Sofía", "Ryan", "Emily", "Michael", "Jessica",
]
LAST = [
    "Alvarez", "Baker", "Cruz", "Das", "Evans", "Fox", "García", "Huang",
    "Ibáñez", "Johnson", "Kim", "López", "Müller", "Núñez", "O'Brien",
    "Park", "Quiñones", "Rivera", "Smith", "Thompson", "Ueda", "Vásquez",
    "Williams", "Xu", "Young", "Zúñiga", "Nguyễn", "Okafor", "Peña",
    "Schäfer", "Brontë", "Castillo", "Diallo", "Fernández", "Gómez",
    "Hernández", "Jackson", "Kowalski", "Martínez", "Nakamura", "Patel",
    "Robinson", "Sánchez", "Taylor", "Washington", "Ortiz", "Moreno",
]
PLACES = [
    "Philadelphia", "Pittsburgh", "Erie", "Allentown", "Scranton",
    "Milwaukee", "Madison", "Green Bay", "Detroit", "Flint", "Grand Rapids",
    "Phoenix", "Tucson", "Atlanta", "Savannah", "Reno", "Las Vegas",
    "Charlotte", "Raleigh", "Durham", "San Antonio", "El Paso",
]
EFFORTS = [
    "GOTV Text {y}-{m:02d}", "{p} GOTV, Week {w}", "Volunteer Recruit {p}",
    'Tablet Raffle (10" screen)', '"{p}" Phone Bank',
    'Canvass "Day of Action" {w}',
    "Survey: Housing", 'Survey: "Rent Too High?"', "Early Vote {p}",
    "Ballot Chase {p} ({w})", "Phone Bank Invite, {p}", "Canvass Follow-up {w}",
    "Voto Temprano {p}", "Registration Drive {y}", "Town Hall RSVP: {p}",
]
ORGS = ["Example Org", "Neighbors United", "Vote Forward PA",
        "Comunidad en Acción", "Working Families Example"]
OPENERS = [
    "Hi {f}, it's {s} with {o}.", "Hey {f}! {s} here from {o}.",
    "Hola {f}, soy {s} de {o}.", "Hi {f},", "{f}, quick one:",
    "Good evening {f}, this is {s}.",
]
SENTENCES = [
    "Can we count on your vote Nov 5?",
    "Early voting is open at the library on Main St, 9am-7pm.",
    'Reply "YES" if you can make it, "NO" if not.',
    "Want to join a phone bank Saturday?",
    "Your polling place is Escuela Núñez, room 4.",
    "We're knocking doors this weekend, café and snacks provided.",
    "Rent went up again, and we're organizing a meeting Thursday.",
    "Thanks so much for your help last time!",
    "¿Necesita transporte para votar? Le podemos ayudar.",
    "The town hall is at 6pm, doors open at 5:30.",
    "Bring a friend, it's more fun with two.",
    "Is rent your top issue? Reply 1 yes, 2 no.",
    "Reply STOP to opt out.",
    "Ballots must arrive by Nov 5; drop boxes close at 8pm.",
    "Über 40 neighbors signed up already, will you?",
    "Join us for the rally downtown, near the fountain.",
    'Win a 10" screen tablet at the rally!',
    'The sign says "Vote Here" in Spanish too.',
]
REPLIES = [
    "Yes I'll be there!", "sure, what time?", "STOP", "1", "2",
    "who is this?", "Already voted, thanks!", "no gracias",
    'I said "no" last week, please stop texting', "maybe, depends on work",
    "Sí, ahí estaré con mi mamá", "what's the address again?",
    "Can I bring my kids? They're 8 and 11", "I moved to Erie, still count?",
    "lol ok", "Thank you, I appreciate the reminder", "wrong number",
    '"ok"', '"STOP"', 'he said "maybe"', '5"', "it's a 5' walk, \"ish\"",
]
# Titles and bodies written with bare quotes: no comma, CR or LF, and not
# starting with a quote or a space.
BARE_TITLES = [
    'Tablet Raffle (10" screen)', 'Canvass "Day of Action" {w}',
    '{p} "Get Out the Vote" Week {w}', 'Survey: "Rent Too High?" {p}',
]
BARE_BODIES = [
    'he said "ok" then left', 'my tablet is 10"',
    'she wrote "STOP" but meant "not now"', "it's a 5' walk \"ish\"",
    'Reply "YES" if you can make it.', 'The sign says "Vote Here" {p}',
    'ok "{f}" see you there',
]
# Stands for a bare quote until the row is written: csv.writer sees no
# quote in the field, so leaves it unquoted; BareOut puts the quote back.
BARE = "\ue000"
EMOJI = ["🙂", "🗳️", "👍", "🎉", "❤️", "🙏", "📣", "✅"]
TRUE_WORDS = ["true", "TRUE", "True", "t", "T", "yes", "Yes", "YES", "y",
              "Y", "1"]
FALSE_WORDS = ["false", "FALSE", "False", "f", "F", "no", "No", "NO", "n",
               "N", "0"]
AREA = ["202", "215", "267", "412", "414", "608", "313", "602", "520",
        "404", "702", "704", "919", "210", "915", "646", "312", "305"]
HEADER = ["id", "campaign_id", "activity_id", "activity_title",
          "message_type", "sender_type", "receiver_type", "sender_name",
          "phone", "profile_id", "opted_out", "sent_at", "script_type",
          "body"]

# 2024-09-01T00:00:00Z to 2024-11-06T00:00:00Z, and the US DST end.
T0 = 1725148800
T1 = 1730851200
DST_END = 1730613600  # 2024-11-03T06:00:00Z


def pick(rng, seq):
    """Return one element of seq; cheaper than rng.choice, still seeded."""
    return seq[int(rng.random() * len(seq))]


def fmt_time(epoch, offset_h):
    """Format epoch seconds as ISO 8601 in a fixed offset (hours) or Z."""
    t = time.gmtime(epoch + offset_h * 3600)
    base = "%04d-%02d-%02dT%02d:%02d:%02d" % t[:6]
    if offset_h == 0:
        return base + "Z"
    sign = "-" if offset_h < 0 else "+"
    return "%s%s%02d:00" % (base, sign, abs(offset_h))


def fmt_phone(rng, area, line):
    """Format one 555 number in one of the spellings seen in exports."""
    r = rng.random()
    if r < 0.45:
        return "+1%s555%s" % (area, line)
    if r < 0.70:
        return "(%s) 555-%s" % (area, line)
    if r < 0.85:
        return "%s.555.%s" % (area, line)
    if r < 0.95:
        return "%s-555-%s" % (area, line)
    return "%s555%s" % (area, line)


def make_body(rng, first, sender, org, inbound):
    """Build a message body of 40-160 characters (about 1% with bare
    quotes, marked with BARE)."""
    if rng.random() < 0.01:
        text = pick(rng, BARE_BODIES).format(f=first, p=pick(rng, PLACES))
        return text.replace('"', BARE)
    target = 40 + int(rng.random() * 121)
    if inbound:
        parts = [pick(rng, REPLIES)]
    else:
        parts = [pick(rng, OPENERS).format(f=first, s=sender, o=org)]
    n = len(parts[0])
    while n < target:
        s = pick(rng, SENTENCES)
        parts.append(s)
        n += len(s) + 1
    text = " ".join(parts)
    if rng.random() < 0.08:
        text = text[: target - 2].rstrip() + " " + pick(rng, EMOJI)
    elif len(text) > target:
        text = text[:target].rstrip()
    if len(text) > 160:
        text = text[:160].rstrip()
    if len(text) < 40:
        text += " Thanks!"
    r = rng.random()
    if r < 0.02:
        cut = text.find(" ", len(text) // 2)
        if cut > 0:
            text = text[:cut] + "\n" + text[cut + 1 :]
    elif r < 0.022:
        cut = text.find(" ", len(text) // 2)
        if cut > 0:
            text = text[:cut] + "\r\n" + text[cut + 1 :]
    elif r < 0.023:
        text = long_body(rng, text)
    r = rng.random()
    if r < 0.015:
        text = " " + text
    elif r < 0.03:
        text = text + " "
    elif r < 0.033:
        text = text + "\t"
    return text


def long_body(rng, text):
    """Grow a body to 2-8 KB: paragraphs of sentences joined by newlines."""
    target = 2000 + int(rng.random() * 6000)
    paras = [text]
    n = len(text)
    while n < target:
        para = " ".join(pick(rng, SENTENCES) for _ in range(4))
        paras.append(para)
        n += len(para) + 1
    return "\n".join(paras)


def build_world(rng):
    """Make the fixed pools: activities, users (senders) and contacts."""
    activities = []
    for i in range(300):
        campaign = 40 + int(rng.random() * 24)
        title = pick(rng, EFFORTS).format(
            y=2024, m=9 + int(rng.random() * 3), w=1 + int(rng.random() * 6),
            p=pick(rng, PLACES))
        if i % 40 == 20:  # 7 of the 300: about 1 row in 40
            title = pick(rng, BARE_TITLES).format(
                w=1 + int(rng.random() * 6),
                p=pick(rng, PLACES)).replace('"', BARE)
        if rng.random() < 0.033:
            title += " "
        activities.append((str(campaign), str(5000 + i * 7), title))
    users = []
    for _ in range(2000):
        name = "%s %s" % (pick(rng, FIRST), pick(rng, LAST))
        r = rng.random()
        if r < 0.01:
            name = " " + name
        elif r < 0.02:
            name += " "
        users.append(name)
    return activities, users


class BareOut:
    """A file for csv.writer that writes each BARE as a raw quote."""

    def __init__(self, out):
        self.out = out

    def write(self, s):
        return self.out.write(s.replace(BARE, '"'))


def generate(rows, out, seed, bare=True, values=None):
    """Write the header and `rows` data rows to the open text file `out`:
    fields with bare quotes written raw when `bare`, else quoted as any
    other; append each row (BARE standing for its bare quotes) to the list
    `values` when given."""
    rng = random.Random(seed)
    activities, users = build_world(rng)
    if not bare:
        activities = [(c, a, t.replace(BARE, '"')) for c, a, t in activities]
    w = csv.writer(BareOut(out) if bare else out, quoting=csv.QUOTE_MINIMAL,
                   lineterminator="\n")
    w.writerow(HEADER)
    rnd = rng.random
    for i in range(rows):
        campaign, activity, title = activities[int(rnd() * len(activities))]
        r = rnd()
        if r < 0.90:
            mtype = "TwilioMessage"
        elif r < 0.97:
            mtype = "BroadcastMessage"
        else:
            mtype = "CanvasserMessage"
        inbound = mtype == "TwilioMessage" and rnd() < 0.30
        user = users[int(rnd() * len(users))]
        first = pick(rng, FIRST)
        contact = "%s %s" % (first, pick(rng, LAST))
        r = rnd()
        if r < 0.01:
            contact = " " + contact
        elif r < 0.02:
            contact = contact + " "
        elif r < 0.0205:
            contact = "  "
        if inbound:
            stype, rtype, sname, script = "contact", "user", contact, ""
        else:
            stype, rtype, sname = "user", "contact", user
            script = "initial" if rnd() < 0.6 else "response"
        line = "%04d" % int(rnd() * 10000)
        phone = fmt_phone(rng, pick(rng, AREA), line)
        pid = str(1000000 + int(rnd() * 98000000))
        if rnd() < 0.12:
            pid = "00" + pid[2:]
        opted = pick(rng, TRUE_WORDS if rnd() < 0.08 else FALSE_WORDS)
        epoch = T0 + int(rnd() * (T1 - T0))
        r = rnd()
        if r < 0.30:
            offset = 0
        elif r < 0.85:
            offset = -4 if epoch < DST_END else -5
        else:
            offset = -7
        org = ORGS[int(activity) % len(ORGS)]
        body = make_body(rng, first, user.split()[0], org, inbound)
        if not bare:
            body = body.replace(BARE, '"')
        row = (str(90000001 + i), campaign, activity, title, mtype, stype,
               rtype, sname, phone, pid, opted, fmt_time(epoch, offset),
               script, body)
        w.writerow(row)
        if values is not None:
            values.append(row)


def self_test():
    """Check that Python's csv reader reads back the generated values, with
    bare quotes and without, and that the variants differ only in quoting."""
    rows = 5000
    got = {}
    for bare in (True, False):
        buf = io.StringIO(newline="")
        raw = []
        generate(rows, buf, DEFAULT_SEED, bare, raw)
        text = buf.getvalue()
        values = [[f.replace(BARE, '"') for f in row] for row in raw]
        read = list(csv.reader(io.StringIO(text, newline="")))
        assert read[0] == HEADER, "header"
        assert read[1:] == values, "values read back differ (bare=%s)" % bare
        assert BARE not in text, "a placeholder was left"
        got[bare] = (text, values, raw)
    assert got[True][1] == got[False][1], "values differ between variants"
    raw = got[True][2]
    titles = sum(1 for row in raw if BARE in row[3])
    bodies = sum(1 for row in raw if BARE in row[13])
    for row in raw:
        for f in row:
            if BARE in f:
                assert not f.startswith((BARE, " ")), f
                assert not any(c in f for c in ',\r\n"'), f
                line = ",%s," % f.replace(BARE, '"')
                assert line in got[True][0] or f is row[13], f
    assert rows // 60 < titles < rows // 25, "bare titles: %d" % titles
    assert rows // 200 < bodies < rows // 50, "bare bodies: %d" % bodies
    print("gen.py self-test: %d rows, %d bare-quoted titles, %d bodies; "
          "Python's csv reader reads back every value, with and without "
          "--no-bare-quotes" % (rows, titles, bodies))
    return 0


def main(argv):
    """Parse arguments and write the file; return the exit status."""
    ap = argparse.ArgumentParser(
        description="Deterministic Impactive messages export generator.")
    ap.add_argument("rows", type=int, nargs="?", help="number of data rows")
    ap.add_argument("out", nargs="?", help="output CSV path ('-' for stdout)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED,
                    help="random seed (default %(default)s)")
    ap.add_argument("--no-bare-quotes", action="store_true",
                    help="quote the fields that hold bare quotes, as any "
                    "other field holding a quote (for PostgreSQL's COPY)")
    ap.add_argument("--self-test", action="store_true",
                    help="check that Python's csv reader reads back the "
                    "generated values, and exit")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    if args.rows is None or args.out is None:
        ap.error("ROWS and OUT are needed")
    if args.rows < 0:
        ap.error("ROWS must be >= 0")
    bare = not args.no_bare_quotes
    if args.out == "-":
        out = open(sys.stdout.fileno(), "w", encoding="utf-8", newline="",
                   buffering=1 << 20, closefd=False)
        generate(args.rows, out, args.seed, bare)
        out.flush()
        return 0
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="",
              buffering=1 << 20) as out:
        generate(args.rows, out, args.seed, bare)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
