#!/usr/bin/env python3
"""Writes tests/outlook/msg_expected.json: what an independent reader (Python extract-msg,
https://pypi.org/project/extract-msg/) sees in each sample .msg of
../shared/fixtures/outlook/msg/, for tests/formats_outlook.rs to compare sporhund's own reader
against.

    python3 -m venv /tmp/msgvenv && /tmp/msgvenv/bin/pip install extract-msg striprtf
    /tmp/msgvenv/bin/python tests/outlook/msg_expected.py

Per file: message class, subject, which bodies are stored (plain, HTML, compressed RTF), the
last words of the body as another reader gets them (HTML de-encapsulated from RTF by
extract-msg's RTFDE, plain RTF by striprtf),
recipients (type, name, address), attachments (file name, kind, size of data or subject of
an embedded message). A file extract-msg cannot open is recorded as an error.
"""

import html
import json
import os
import re
import sys

import extract_msg
from extract_msg.enums import AttachmentType, ErrorBehavior
from striprtf.striprtf import rtf_to_text

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "outlook", "msg")


def stream_exists(msg, prefix):
    """Whether any stream of the message's own storage starts with prefix."""
    return any(
        len(entry) == len(msg.prefixList) + 1 and entry[-1].startswith(prefix)
        for entry in msg.listDir()
        if list(entry[: len(msg.prefixList)]) == list(msg.prefixList)
    )


def html_words(markup):
    markup = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>|<!--.*?-->", " ", markup)
    return html.unescape(re.sub(r"<[^>]*>", " ", markup)).split()


def body_words(msg, plain):
    """The last words of the body: plain text, else HTML (extract-msg's de-encapsulation of
    an RTF-wrapped HTML body, or the HTML property), else the RTF through striprtf."""
    if plain and plain.strip():
        words = plain.split()
    else:
        try:
            markup = msg.htmlBody
        except Exception:  # noqa: BLE001 - RTFDE fails on some bodies
            markup = None
        rtf = msg.rtfBody
        if markup:
            words = html_words(markup.decode("utf-8", "replace"))
        elif rtf:
            words = rtf_to_text(rtf.decode("cp1252", "replace")).split()
        else:
            words = []
    return words[-8:]


def describe(msg):
    plain = msg.getStringStream("__substg1.0_1000")
    out = {
        "class": msg.classType,
        "subject": msg.subject or "",
        "plain_body": bool(plain and plain.strip()),
        "html_body": stream_exists(msg, "__substg1.0_1013"),
        "rtf_body": stream_exists(msg, "__substg1.0_1009"),
        "body_words": body_words(msg, plain),
        "recipients": [
            {"type": int(r.type), "name": r.name or "", "email": r.email or ""}
            for r in (getattr(msg, "recipients", None) or [])
        ],
        "attachments": [],
    }
    for a in msg.attachments:
        entry = {"name": a.longFilename or a.shortFilename or ""}
        if a.type == AttachmentType.MSG:
            entry["kind"] = "message"
            entry["message"] = describe(a.data)
        elif a.type == AttachmentType.DATA:
            entry["kind"] = "data"
            entry["size"] = len(a.data or b"")
        else:
            entry["kind"] = "other"
        out["attachments"].append(entry)
    return out


def main():
    files = {}
    for name in sorted(os.listdir(SAMPLES)):
        if not name.endswith(".msg"):
            continue
        path = os.path.join(SAMPLES, name)
        try:
            msg = extract_msg.openMsg(
                path,
                strict=False,
                delayAttachments=False,
                errorBehavior=ErrorBehavior.ATTACH_SUPPRESS_ALL,
            )
        except Exception as e:  # noqa: BLE001 - any failure is "cannot be read"
            files[name] = {"error": type(e).__name__}
            continue
        files[name] = describe(msg)
        msg.close()
    doc = {"reader": f"extract-msg {extract_msg.__version__}", "files": files}
    with open(os.path.join(HERE, "msg_expected.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(files)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
