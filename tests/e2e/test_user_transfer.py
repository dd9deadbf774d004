"""User export and import (issue 21, README "User export and import"):
`latchkey users export` then `users import` into another project, and a
password sign-in afterwards; bcrypt hashes from a CSV; idempotent re-import
and the report of what was skipped. Runs on the suite's database (SQLite, or
PostgreSQL with LATCHKEY_TEST_DATABASE_URL)."""
from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # Debian 12's Python 3.11: bcrypt through libxcrypt
import json
import subprocess
import sys
import uuid

from auth_helpers import PASSWORD, sign_in, signed_up
from conftest import REPO_ROOT
from latchkey_e2e import assert_json


def run(server, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(server.binary), *args, "--database", server.database],
                          input=stdin, capture_output=True, text=True, timeout=120,
                          env=server.env, cwd=server.workdir)


def export(server, project) -> list[dict]:
    res = run(server, "users", "export", "--project", project.id)
    assert res.returncode == 0, res.stderr
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_round_trip_then_password_sign_in(server, api, make_project):
    source, target = make_project(), make_project()
    user = signed_up(api, source)
    metadata = {"plan": "pro", "n": 1}
    r = api.patch(f"/api/v1/users/{user['user_id']}", headers=api.headers("server", source),
                  json={"server_metadata": metadata, "display_name": "Exported"})
    assert r.status_code == 200, r.text
    team = assert_json(api.post("/api/v1/teams", headers=api.headers("server", source),
                                json={"display_name": "Movers", "creator_user_id": user["user_id"]}),
                       201)

    lines = export(server, source)
    assert [line["id"] for line in lines] == [user["user_id"]]
    line = lines[0]
    assert line["password_hash"].startswith("$argon2id$")
    assert line["server_metadata"] == metadata
    assert [t["id"] for t in line["teams"]] == [team["id"]]

    res = run(server, "users", "import", "--project", target.id, stdin="\n".join(
        json.dumps(x) for x in lines) + "\n")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"created": 1, "updated": 0, "skipped": 0}

    signed_in = sign_in(api, target, user["email"], PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user_id"] == user["user_id"]
    moved = assert_json(api.get(f"/api/v1/users/{user['user_id']}",
                                headers=api.headers("server", target)))
    assert moved["display_name"] == "Exported"
    assert moved["server_metadata"] == metadata
    assert moved["signed_up_at_millis"] == line["signed_up_at_millis"]
    teams = assert_json(api.get("/api/v1/teams", params={"user_id": user["user_id"]},
                                headers=api.headers("server", target)))
    assert [t["display_name"] for t in teams["items"]] == ["Movers"]
    # The new membership holds the project's team_member_default_permissions,
    # as one made through the API does.
    perms = assert_json(api.get("/api/v1/team-permissions",
                                params={"team_id": team["id"], "user_id": user["user_id"],
                                        "recursive": "false"},
                                headers=api.headers("server", target)))
    assert [p["id"] for p in perms["items"]] == ["team_member"]

    # Importing again changes nothing and says so.
    res = run(server, "users", "import", "--project", target.id, stdin=json.dumps(line) + "\n")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"created": 0, "updated": 1, "skipped": 0}
    again = export(server, target)[0]
    again.pop("last_active_at_millis")
    expected = dict(line)
    expected.pop("last_active_at_millis")
    assert again == expected


def test_csv_with_bcrypt_hashes_signs_in_and_bad_lines_are_reported(server, api, make_project,
                                                                      tmp_path):
    target = make_project()
    email = f"csv-{uuid.uuid4().hex[:8]}@example.com"
    bcrypt_hash = crypt.crypt("from a csv 1", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
    assert bcrypt_hash.startswith("$2b$04$")
    csv_file = tmp_path / "users.csv"
    csv_file.write_text("email,password_hash,display_name\n"
                        f"{email},{bcrypt_hash},From CSV\n"
                        ",$2b$04$nothing,No e-mail\n")
    converted = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "users-from-csv.py"),
                                str(csv_file)], capture_output=True, text=True, timeout=60)
    assert converted.returncode == 0, converted.stderr
    assert "line 3: no email" in converted.stderr
    bad = [json.dumps({"id": str(uuid.uuid4()), "password_hash": "$1$md5$plain"}),
           "{not json", json.dumps({"display_name": "no id"})]
    res = run(server, "users", "import", "--project", target.id,
              stdin=converted.stdout + "\n".join(bad) + "\n")
    assert res.returncode == 3, (res.stdout, res.stderr)  # some lines were skipped
    assert json.loads(res.stdout) == {"created": 1, "updated": 0, "skipped": 3}
    assert "line 2 (user" in res.stderr and "is neither argon2id" in res.stderr
    assert "line 3: not valid JSON" in res.stderr
    assert "line 4: no id" in res.stderr

    r = sign_in(api, target, email, "from a csv 1")
    assert r.status_code == 200, r.text
    # The bcrypt hash was replaced by argon2id at that sign-in.
    assert export(server, target)[0]["password_hash"].startswith("$argon2id$")
    assert sign_in(api, target, email, "from a csv 1").status_code == 200

    # The same CSV again: the derived ids make it an update, not a duplicate.
    res = run(server, "users", "import", "--project", target.id, stdin=converted.stdout)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout) == {"created": 0, "updated": 1, "skipped": 0}


def test_unknown_project_is_refused(server):
    res = run(server, "users", "export", "--project", "no-such-project")
    assert res.returncode == 1
    assert "no project with id no-such-project" in res.stderr
