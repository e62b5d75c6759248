#!/usr/bin/env python3
"""Benchmark peer: the bench mapping with csv.DictReader/DictWriter.

Usage: python3 bench/peer_python.py IN.csv OUT.csv

Renames five fields (id->message_id, campaign_id->campaign,
activity_title->effort, phone->phone_number, profile_id->contact_id),
normalises opted_out to lowercase true/false and keeps every other column
as it is, in input order. The output uses minimal RFC 4180 quoting and LF
line endings, which is byte-for-byte what Miller 6 writes for the same
mapping, so the two outputs can be compared with cmp. A value that is not
a recognised boolean is left unchanged (the generator writes none).
"""

import csv
import sys

RENAMES = {
    "id": "message_id",
    "campaign_id": "campaign",
    "activity_title": "effort",
    "phone": "phone_number",
    "profile_id": "contact_id",
}
BOOLEANS = {
    "true": "true", "t": "true", "yes": "true", "y": "true", "1": "true",
    "false": "false", "f": "false", "no": "false", "n": "false",
    "0": "false",
}


def main(argv):
    """Map argv[0] into argv[1]; return the exit status."""
    if len(argv) != 2:
        sys.stderr.write("usage: peer_python.py IN.csv OUT.csv\n")
        return 2
    with open(argv[0], newline="", encoding="utf-8") as fin, \
            open(argv[1], "w", newline="", encoding="utf-8") as fout:
        reader = csv.DictReader(fin)
        names = [RENAMES.get(n, n) for n in reader.fieldnames]
        writer = csv.DictWriter(fout, fieldnames=names,
                                quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writeheader()
        for row in reader:
            out = {RENAMES.get(k, k): v for k, v in row.items()}
            v = out["opted_out"]
            out["opted_out"] = BOOLEANS.get(v.lower(), v)
            writer.writerow(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
