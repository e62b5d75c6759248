#!/usr/bin/env python3
"""Crosswalk's CSV output against Python's csv writer, byte for byte.

Run by tests/e2e/run.sh from this directory with CROSSWALK set.  Makes a
deterministic set of values that test the quoting rule (leading and
trailing spaces and tabs, quotes inside fields, delimiters, newlines,
long fields, empty fields, unicode, a lone empty field), then:

1. writes them as NDJSON, converts that with 'crosswalk convert' and
   compares the CSV with what csv.writer(lineterminator="\\n") writes for
   the same values (QUOTE_MINIMAL, Python's default);
2. writes them as CSV with Python's writer, passes the file through an
   identity recipe ('crosswalk run') and compares the output with the
   input;
3. does both for a one-column file, whose empty rows must be written "";
4. checks the one place where crosswalk differs from Python on purpose: a
   carriage return is always quoted (Python quotes it only when it is in
   the line terminator, and with "\\n" its unquoted CR reads back as a
   line end, in Python's reader as in crosswalk's).

Prints one line per check; exits 1 at the first difference, naming the
first differing line.
"""

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

CW = os.environ["CROSSWALK"]
COLS = ["id", "name", "note", "body", "tag", "last"]
FIXED = [
    "", " ", "  ", "\t", " lead", "trail ", "  both  ", "\tlead", "trail\t",
    'say "hi"', '5" screen', '"', '""', ' "q" ', "a,b", " a,b ", ",", ";",
    "two\nlines", "ends\n", "\nstarts", "crlf\r\nin", "=1+1", "-2", "@x",
    "café", "Zoë Núñez", "🎉 party 🎉", "日本語のテキスト", "שלום", "e\u0301",
    "\u00a0nbsp\u00a0", "\ufeffbom first", "mid\ufeffbom", "x" * 5000,
    " " + "y" * 70000 + " ", '"' * 3000, "a\n" * 2000,
]
ALPHABET = [" ", " ", "\t", '"', ",", "\n", ";", "'", "a", "b", "Z", "0",
            "é", "ß", "🙂", "中", "\u2028", "|", "\\", "="]


def values(rng, n):
    """n rows of len(COLS) values: the fixed cases, then random ones."""
    rows = []
    for i in range(n):
        row = [str(i + 1)]
        for k in range(1, len(COLS)):
            r = rng.random()
            if r < 0.35:
                row.append(FIXED[(i * 7 + k) % len(FIXED)])
            elif r < 0.97:
                row.append("".join(rng.choice(ALPHABET)
                                   for _ in range(int(rng.random() * 24))))
            else:
                row.append("".join(rng.choice(ALPHABET)
                                   for _ in range(2000 + int(rng.random() * 9000))))
        rows.append(row)
    return rows


def python_csv(header, rows):
    """The bytes Python's csv writer gives for header and rows."""
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def run(*args):
    """Run crosswalk; stop the test when it fails."""
    p = subprocess.run([CW, *args], capture_output=True, text=True)
    if p.returncode != 0:
        print("crosswalk %s: exit %d: %s" % (args[0], p.returncode, p.stderr))
        sys.exit(1)


def same(label, got, want):
    """Print the check's line; exit 1 when got and want differ."""
    if got == want:
        print("%s: identical (%d bytes)" % (label, len(want)))
        return
    g, w = got.split(b"\n"), want.split(b"\n")
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            print("%s: line %d differs:\n  crosswalk %r\n  python    %r"
                  % (label, i + 1, a[:200], b[:200]))
            break
    else:
        print("%s: lengths differ: %d and %d" % (label, len(got), len(want)))
    sys.exit(1)


def check(tmp, name, header, rows):
    """Both comparisons for one table."""
    want = python_csv(header, rows)
    nd = os.path.join(tmp, name + ".ndjson")
    with open(nd, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(dict(zip(header, r)), ensure_ascii=False) + "\n")
    out = os.path.join(tmp, name + "-conv.csv")
    run("convert", nd, out)
    with open(out, "rb") as f:
        same(name + ": convert NDJSON to CSV", f.read(), want)

    src = os.path.join(tmp, name + ".csv")
    with open(src, "wb") as f:
        f.write(want)
    recipe = os.path.join(tmp, name + ".lua")
    with open(recipe, "w", encoding="utf-8") as f:
        f.write("return { name = 'identity', inputs = { t = { main = true } },"
                " steps = {}, outputs = { out = { path = 'out.csv', columns ="
                " { %s } } } }\n" % ", ".join("%r" % c for c in header))
    od = os.path.join(tmp, name + "-run")
    run("run", recipe, "--input", src, "--out-dir", od)
    with open(os.path.join(od, "out.csv"), "rb") as f:
        same(name + ": run, CSV in and out", f.read(), want)


def main():
    rng = random.Random(20260414)
    tmp = tempfile.mkdtemp(prefix="cw-quoting-")
    try:
        rows = values(rng, 1000)
        check(tmp, "six columns", COLS, rows)
        lone = [[v] for v in ["", "x", " ", "", "\t", " a ", '"', "a,b"]]
        check(tmp, "one column", ["only"], lone)

        # CR: quoted by crosswalk, read back whole by Python's reader.
        nd = os.path.join(tmp, "cr.ndjson")
        with open(nd, "w", encoding="utf-8") as f:
            f.write(json.dumps({"id": "1", "v": "a\rb"}) + "\n")
        out = os.path.join(tmp, "cr.csv")
        run("convert", nd, out)
        with open(out, "rb") as f:
            got = f.read()
        same("carriage return: quoted", got, b'id,v\n1,"a\rb"\n')
        back = list(csv.reader(io.StringIO(got.decode(), newline="")))
        print("carriage return: Python reads back %r" % (back,))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
