#!/usr/bin/env python3
"""Reads every user of a Stack Auth project through its REST API (server
access) and prints them as the JSON Lines `latchkey users import` reads
(README "User export and import"): Stack's user objects already use the
format's field names.

    STACK_API_URL=https://api.stack-auth.com STACK_PROJECT_ID=... \
    STACK_SECRET_SERVER_KEY=ssk_... python3 scripts/users-from-stack.py > users.jsonl

Stack's API never returns password hashes: users imported this way sign in
by one-time code, OAuth or a password reset, unless their bcrypt hashes are
added from Stack's database (see the README).
"""
import json
import os
import sys
import urllib.parse
import urllib.request


def main() -> int:
    base = os.environ.get("STACK_API_URL", "https://api.stack-auth.com").rstrip("/")
    project = os.environ["STACK_PROJECT_ID"]
    key = os.environ["STACK_SECRET_SERVER_KEY"]
    cursor = None
    count = 0
    while True:
        query = {"limit": "200"}
        if cursor:
            query["cursor"] = cursor
        req = urllib.request.Request(
            f"{base}/api/v1/users?{urllib.parse.urlencode(query)}",
            headers={"x-stack-access-type": "server", "x-stack-project-id": project,
                     "x-stack-secret-server-key": key})
        with urllib.request.urlopen(req, timeout=60) as res:
            page = json.load(res)
        for user in page["items"]:
            print(json.dumps(user))
            count += 1
        cursor = (page.get("pagination") or {}).get("next_cursor")
        if not cursor:
            break
    print(f"{count} users", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
