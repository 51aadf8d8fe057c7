"""Batch driver for the test oracle norwegian_ids_verify.py (see its header).

Reads lines `KIND VALUE` on stdin and prints exactly one answer line per input line, in order.
Every answer comes from the oracle's own functions; this file only parses and formats.

  KIND     VALUE                      answer
  fnr      11 digits                  "<L> <Y> <kind>"  L = checks_ok(v, False) (legacy rule),
                                      Y = checks_ok(v, True) (2032 rule), as 1/0;
                                      kind = classify(v)[0], e.g. fnr, D, H/NAV+40, D+Tenor+80,
                                      fh, invalid
  orgnr    digits                     1/0 = orgnr_ok(v)
  kontonr  digits                     1/0 = kontonr_ok(v)
  iban     compact upper-case IBAN    1/0 = iban_no_ok(v)
  luhn     digits (may be empty)      1/0 = luhn_ok(v)
  phone    national number digits     nkom_class(v), or None

Used by tests/validators_oracle.rs, which spawns it once per check type.
"""
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import norwegian_ids_verify as ref  # noqa: E402


def b(x):
    return "1" if x else "0"


HANDLERS = {
    "fnr": lambda v: "%s %s %s" % (b(ref.checks_ok(v, False)), b(ref.checks_ok(v, True)), ref.classify(v)[0]),
    "orgnr": lambda v: b(ref.orgnr_ok(v)),
    "kontonr": lambda v: b(ref.kontonr_ok(v)),
    "iban": lambda v: b(ref.iban_no_ok(v)),
    "luhn": lambda v: b(ref.luhn_ok(v)),
    "phone": lambda v: str(ref.nkom_class(v)),
}


def main():
    out = []
    for n, line in enumerate(sys.stdin, 1):
        line = line.rstrip("\r\n")
        kind, _, value = line.partition(" ")
        handler = HANDLERS.get(kind)
        if handler is None:
            sys.stderr.write("driver.py: line %d: unknown kind %r\n" % (n, kind))
            sys.exit(2)
        out.append(handler(value))
    out.append("")
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
