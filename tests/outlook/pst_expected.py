#!/usr/bin/env python3
"""Writes tests/outlook/pst_expected.json: what an independent reader (readpst from libpst,
Debian package `pst-utils`) finds in the third-party .pst/.ost samples.

For every sample: one entry per item readpst exports, with the folder path (below the top of
the store), the kind (mail, contact, appointment), the subject (mail and appointments;
readpst writes contacts as vCards without one) and the attachments it saves as files (name,
size and CRC-32 of the content; embedded messages are not saved as files). tests/formats_pst.rs compares sporhund's
reader with this list.

Run from the repository root: python3 tests/outlook/pst_expected.py [SAMPLES_DIR]
"""

import email
import email.header
import email.policy
import json
import os
import re
import subprocess
import sys
import tempfile
import zlib

SAMPLES = ["Outlook.pst", "Test_part1.pst", "SampleOstFile.ost", "dist-list.pst", "passworded.pst"]
ATTACHMENT = re.compile(r"^(\d+)-(.*)$")


def item(path):
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(b"BEGIN:VCARD"):
        return "contact", ""
    if data.startswith(b"BEGIN:VCALENDAR"):
        m = re.search(rb"^SUMMARY:(.*?)\r?$", data, re.M)
        return "appointment", (m.group(1).decode("utf-8") if m else "")
    msg = email.message_from_bytes(data, policy=email.policy.default)
    return "mail", str(msg.get("Subject", "") or "")


def read(sample):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["readpst", "-D", "-S", "-b", "-q", "-o", out, sample], check=True)
        items = []
        for folder, _, files in os.walk(out):
            # The first component is the name of the top folder, which paths leave out.
            parts = os.path.relpath(folder, out).split(os.sep)[1:]
            attachments = {}
            for name in files:
                m = ATTACHMENT.match(name)
                if m:
                    with open(os.path.join(folder, name), "rb") as f:
                        data = f.read()
                    attachments.setdefault(m.group(1), []).append([m.group(2), len(data), zlib.crc32(data)])
            for name in files:
                if ATTACHMENT.match(name):
                    continue
                kind, subject = item(os.path.join(folder, name))
                items.append({"folder": "/".join(parts), "kind": kind, "subject": subject,
                              "attachments": sorted(attachments.get(name, []))})
    return sorted(items, key=lambda i: (i["folder"], i["kind"], i["subject"], i["attachments"]))


def main():
    samples = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures/outlook"
    expected = {name: read(os.path.join(samples, name)) for name in SAMPLES}
    with open("tests/outlook/pst_expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
