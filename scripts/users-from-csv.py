#!/usr/bin/env python3
"""Turns a CSV of users with bcrypt password hashes into the JSON Lines that
`latchkey users import` reads (README "User export and import").

    python3 scripts/users-from-csv.py users.csv | latchkey users import --project ID

The CSV has a header row with at least `email` and `password_hash` (bcrypt,
$2a$/$2b$/$2y$; argon2id works too); optional columns: `id` (a UUID; by
default one derived from the e-mail, so importing the same file again
updates the same users), `display_name`, `email_verified` (true/false).
Rows without an e-mail are reported on stderr and left out.
"""
import csv
import json
import sys
import uuid

# Ids derived from e-mail addresses: a fixed namespace, so re-runs agree.
NAMESPACE = uuid.UUID("0f8b8a52-7c1e-4a43-9f0e-5c1b2d3e4f50")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        for number, row in enumerate(csv.DictReader(f), start=2):
            email = (row.get("email") or "").strip().lower()
            if not email:
                print(f"line {number}: no email; left out", file=sys.stderr)
                continue
            user = {
                "id": (row.get("id") or "").strip() or str(uuid.uuid5(NAMESPACE, email)),
                "primary_email": email,
                "primary_email_auth_enabled": True,
                "primary_email_verified": (row.get("email_verified") or "").strip().lower()
                in ("1", "true", "yes"),
                "password_hash": (row.get("password_hash") or "").strip() or None,
            }
            if row.get("display_name"):
                user["display_name"] = row["display_name"]
            print(json.dumps(user))
    return 0


if __name__ == "__main__":
    sys.exit(main())
