"""Team invitations (spec/teams.md §8, emails.md §1–§2): send-code e-mails a
link with the code (read here from a real SMTP sink), accept / details /
check-code, listing and revoking; and the team-management flows of Stack
Auth's Python docs (teams.md §12) run end to end, invitation included.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from email_fixtures import make_mail_project, mail_api, mail_server, smtp_sink  # noqa: F401 (fixtures)
from latchkey_e2e import (
    assert_json,
    assert_known_error,
    assert_schema_error,
)
from team_helpers import (
    INVITATIONS,
    MEMBERSHIPS,
    PROFILES,
    TEAM_PERMS,
    TEAMS,
    Teams,
    assert_auth_required,
    assert_cannot_get_own,
    assert_not_member,
    assert_permission_required,
    assert_team_not_found,
    email,
)

CALLBACK = "http://localhost:12345/some-callback-url"
SEND = f"{INVITATIONS}/send-code"
ACCEPT = f"{INVITATIONS}/accept"
DETAILS = f"{INVITATIONS}/accept/details"
CHECK = f"{INVITATIONS}/accept/check-code"
SEVEN_DAYS_MS = 7 * 24 * 3600 * 1000


@pytest.fixture
def t(mail_api, make_mail_project) -> Teams:
    """A fresh project on the server that delivers to the SMTP sink."""
    return Teams(mail_api, make_mail_project())


def send(t, team, address, access="server", user=None, callback=CALLBACK):
    return t.post(SEND, {"team_id": team["id"], "email": address, "callback_url": callback}, access, user)


def invite(t, smtp_sink, team, access="server", user=None) -> tuple:
    """Sends an invitation; returns (invitation id, code from the e-mail, address)."""
    address = email()
    body = assert_json(send(t, team, address, access, user))
    assert list(body) == ["success", "id"] and body["success"] is True
    mail = smtp_sink.wait_for(address)[-1]
    return body["id"], mail.link_code(CALLBACK), address


def code_error(r, status: int, code: str) -> None:
    assert_known_error(r, status, code)


# --------------------------------------------------------------------------
# The whole flow
# --------------------------------------------------------------------------


def test_invite_and_accept(t, smtp_sink):
    alice = t.user(display_name="Alice")
    bob = t.user()
    team = t.team_with_creator(alice, display_name="Rocket Team")
    address = email()
    body = assert_json(send(t, team, address, "client", alice))
    mail = smtp_sink.wait_for(address)[-1]
    assert mail.subject == "You have been invited to join Rocket Team"
    assert "join" in mail.subject
    assert "Join team" in mail.text and "Rocket Team" in mail.text
    code = mail.link_code(CALLBACK)
    assert len(code) == 45

    items = assert_json(t.get(INVITATIONS, "client", alice, params={"team_id": team["id"]}))["items"]
    assert len(items) == 1
    item = items[0]
    assert list(item) == ["id", "team_id", "recipient_email", "expires_at_millis"]
    assert (item["id"], item["team_id"], item["recipient_email"]) == (body["id"], team["id"], address)
    assert abs(item["expires_at_millis"] - (t.api.now_millis() + SEVEN_DAYS_MS)) < 60_000

    assert assert_json(t.post(CHECK, {"code": code}, "client")) == {"is_code_valid": True}
    assert assert_json(t.post(DETAILS, {"code": code}, "client", bob)) == {
        "team_id": team["id"], "team_display_name": "Rocket Team"}
    assert_auth_required(t.post(DETAILS, {"code": code}, "client"))
    # Without a user the code is not used up.
    assert_auth_required(t.post(ACCEPT, {"code": code}, "client"))
    assert assert_json(t.post(ACCEPT, {"code": code}, "client", bob)) == {}
    assert t.member_ids(team) == [alice["id"], bob["id"]]
    assert t.permissions(team, bob) == ["team_member"]
    code_error(t.post(ACCEPT, {"code": code}, "client", bob), 409, "VERIFICATION_CODE_ALREADY_USED")
    code_error(t.post(CHECK, {"code": code}, "client"), 409, "VERIFICATION_CODE_ALREADY_USED")
    assert assert_json(t.get(INVITATIONS, params={"team_id": team["id"]}))["items"] == []


def test_accept_as_member_and_with_server_key(t, smtp_sink):
    alice = t.user()
    team = t.team_with_creator(alice)
    _, code, _ = invite(t, smtp_sink, team)
    # Already a member: a no-op that still uses the code; creator rights stay.
    assert assert_json(t.post(ACCEPT, {"code": code}, "server", alice)) == {}
    assert t.permissions(team, alice) == ["team_admin"]
    code_error(t.post(ACCEPT, {"code": code}, "server", alice), 409, "VERIFICATION_CODE_ALREADY_USED")
    bob = t.user()
    _, code, _ = invite(t, smtp_sink, team)
    assert assert_json(t.post(ACCEPT, {"code": code}, "admin", bob)) == {}
    assert bob["id"] in t.member_ids(team)


def test_code_errors(t, smtp_sink):
    alice = t.user()
    team = t.team_with_creator(alice)
    _, code, _ = invite(t, smtp_sink, team)
    wrong = ("x" if code[0] != "x" else "y") + code[1:]
    code_error(t.post(ACCEPT, {"code": wrong}, "client", alice), 404, "VERIFICATION_CODE_NOT_FOUND")
    code_error(t.post(CHECK, {"code": wrong}, "client"), 404, "VERIFICATION_CODE_NOT_FOUND")
    code_error(t.post(DETAILS, {"code": wrong}, "client", alice), 404, "VERIFICATION_CODE_NOT_FOUND")
    r = t.post(ACCEPT, {"code": "short"}, "client", alice)
    assert_schema_error(r, "POST", ACCEPT, ["body.code must be exactly 45 characters"])
    assert_schema_error(t.post(CHECK, {}, "client"), "POST", CHECK, ["body.code must be defined"])
    # A code of another kind is not an invitation.
    r = t.api.post("/api/v1/auth/otp/sign-in", headers=t.h("client"), json={"code": code})
    code_error(r, 404, "VERIFICATION_CODE_NOT_FOUND")
    # Expiry after 7 days.
    _, late, _ = invite(t, smtp_sink, team)
    t.api.advance_clock(SEVEN_DAYS_MS + 60_000)
    try:
        code_error(t.post(CHECK, {"code": late}, "client"), 400, "VERIFICATION_CODE_EXPIRED")
        bob = t.user()
        code_error(t.post(ACCEPT, {"code": late}, "client", bob), 400, "VERIFICATION_CODE_EXPIRED")
        assert assert_json(t.get(INVITATIONS, params={"team_id": team["id"]}))["items"] == []
    finally:
        t.api.advance_clock(-(SEVEN_DAYS_MS + 60_000))


# --------------------------------------------------------------------------
# send-code
# --------------------------------------------------------------------------


def test_send_code_rules(t, smtp_sink):
    alice, bob, carol = t.user(), t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    address = email()
    assert_auth_required(send(t, team, address, "client"))
    assert_not_member(send(t, team, address, "client", carol), team["id"], carol["id"])
    t.revoke(team, bob, "team_member")
    assert_permission_required(send(t, team, address, "client", bob), team["id"], bob["id"], "$invite_members")
    t.grant(team, bob, "$invite_members")
    assert_json(send(t, team, address, "client", bob))
    r = send(t, team, address, callback="https://untrusted.example.com/join")
    assert_known_error(r, 400, "REDIRECT_URL_NOT_WHITELISTED")
    missing = {"id": str(uuid.uuid4())}
    assert_team_not_found(send(t, missing, address), missing["id"])
    assert len(smtp_sink.to(address)) == 1
    r = t.post(SEND, {"team_id": "x", "email": "nope", "callback_url": "nourl"})
    assert_schema_error(r, "POST", SEND, ["body.team_id must be a valid UUID", "body.email must be a valid email",
                                          "body.callback_url is not a valid URL"])
    r = t.post(SEND, {})
    assert_schema_error(r, "POST", SEND, ["body.team_id must be defined", "body.email must be defined",
                                          "body.callback_url must be defined"])
    # A trusted domain works.
    t.config(domains=[{"domain": "https://yourapp.com", "handler_path": "/handler"}])
    assert_json(send(t, team, email(), callback="https://yourapp.com/join-team"))


# --------------------------------------------------------------------------
# list and revoke
# --------------------------------------------------------------------------


def test_list_and_revoke(t, smtp_sink):
    alice, bob, carol = t.user(), t.user(), t.user()
    team = t.team_with_creator(alice)
    t.add_member(team, bob)
    first, code, _ = invite(t, smtp_sink, team)
    second, _, _ = invite(t, smtp_sink, team)
    other_team = t.team_with_creator(alice)
    invite(t, smtp_sink, other_team)

    ids = [i["id"] for i in assert_json(t.get(INVITATIONS, params={"team_id": team["id"]}))["items"]]
    assert ids == [first, second]
    # team_member holds $read_members and $invite_members.
    assert len(assert_json(t.get(INVITATIONS, "client", bob, params={"team_id": team["id"]}))["items"]) == 2
    t.revoke(team, bob, "team_member")
    t.grant(team, bob, "$invite_members")
    r = t.get(INVITATIONS, "client", bob, params={"team_id": team["id"]})
    assert_permission_required(r, team["id"], bob["id"], "$read_members")
    t.grant(team, bob, "$read_members")
    t.revoke(team, bob, "$invite_members")
    r = t.get(INVITATIONS, "client", bob, params={"team_id": team["id"]})
    assert_permission_required(r, team["id"], bob["id"], "$invite_members")
    assert_not_member(t.get(INVITATIONS, "client", carol, params={"team_id": team["id"]}), team["id"], carol["id"])
    assert_cannot_get_own(t.get(INVITATIONS, "client", params={"team_id": team["id"]}))
    assert_schema_error(t.get(INVITATIONS), "GET", INVITATIONS, ["query.team_id must be defined"])
    missing = str(uuid.uuid4())
    assert_team_not_found(t.get(INVITATIONS, params={"team_id": missing}), missing)

    # Revoke: a client needs $remove_members.
    path = f"{INVITATIONS}/{first}"
    r = t.delete(path, "client", bob, params={"team_id": team["id"]})
    assert_permission_required(r, team["id"], bob["id"], "$remove_members")
    assert_cannot_get_own(t.delete(path, "client", params={"team_id": team["id"]}))
    assert_schema_error(t.delete(path), "DELETE", path, ["query.team_id must be defined"])
    # Not an invitation of that team.
    code_error(t.delete(path, params={"team_id": other_team["id"]}), 404, "VERIFICATION_CODE_NOT_FOUND")
    assert_team_not_found(t.delete(path, params={"team_id": missing}), missing)
    assert assert_json(t.delete(path, "client", alice, params={"team_id": team["id"]})) == {"success": True}
    ids = [i["id"] for i in assert_json(t.get(INVITATIONS, params={"team_id": team["id"]}))["items"]]
    assert ids == [second]
    code_error(t.post(ACCEPT, {"code": code}, "client", carol), 404, "VERIFICATION_CODE_NOT_FOUND")
    code_error(t.delete(path, params={"team_id": team["id"]}), 404, "VERIFICATION_CODE_NOT_FOUND")
    bad = f"{INVITATIONS}/nope"
    assert_schema_error(t.delete(bad, params={"team_id": team["id"]}), "DELETE", bad,
                        ["params.id must be a valid UUID"])


def test_deleting_the_team_deletes_its_invitations(t, smtp_sink):
    alice, bob = t.user(), t.user()
    team = t.team_with_creator(alice)
    _, code, _ = invite(t, smtp_sink, team)
    assert_json(t.delete(f"{TEAMS}/{team['id']}"))
    code_error(t.post(ACCEPT, {"code": code}, "client", bob), 404, "VERIFICATION_CODE_NOT_FOUND")


# --------------------------------------------------------------------------
# The Python docs' team management (teams.md §12), as a user of the docs
# would write it against the server-key helper, with the §12 corrections.
# --------------------------------------------------------------------------


def test_python_docs_team_management(t, smtp_sink):
    base = t.api.base_url
    keys = t.project.keys

    def stack_auth_request(method, endpoint, **kwargs):
        res = requests.request(method, f"{base}/{endpoint}", headers={
            "x-stack-access-type": "server",
            "x-stack-project-id": t.project.id,
            "x-stack-publishable-client-key": keys["client"],
            "x-stack-secret-server-key": keys["server"],
            **kwargs.pop("headers", {}),
        }, **kwargs)
        if res.status_code >= 400:
            raise Exception(f"Stack Auth API request failed with {res.status_code}: {res.text}")
        return res.json()

    owner = t.user(display_name="Owner")
    member = t.user(display_name="Member")
    owner_token = t.token(owner["id"])

    # Create a team (§12.1: creator_user_id "me" makes the caller the creator).
    team = stack_auth_request("POST", "api/v1/teams", json={"display_name": "Docs Team", "creator_user_id": "me"},
                              headers={"x-stack-access-token": owner_token})
    teams = stack_auth_request("GET", "api/v1/teams", params={"user_id": owner["id"]})
    assert [x["id"] for x in teams["items"]] == [team["id"]]

    # Add and list members.
    stack_auth_request("POST", f"api/v1/team-memberships/{team['id']}/{member['id']}", json={})
    profiles = stack_auth_request("GET", "api/v1/team-member-profiles", params={"team_id": team["id"]})
    assert [p["user"]["display_name"] for p in profiles["items"]] == ["Owner", "Member"]

    # Grant and check permissions (§12.3, §12.4: the query form).
    stack_auth_request("POST", f"api/v1/team-permissions/{team['id']}/{member['id']}/$update_team", json={})

    def check_team_permission(team_id, user_id, permission_id):
        res = stack_auth_request("GET", "api/v1/team-permissions", params={
            "team_id": team_id, "user_id": user_id, "permission_id": permission_id, "recursive": "true"})
        return len(res["items"]) > 0

    assert check_team_permission(team["id"], member["id"], "$update_team")
    assert check_team_permission(team["id"], member["id"], "$read_members")  # through team_member
    assert not check_team_permission(team["id"], member["id"], "$delete_team")
    assert check_team_permission(team["id"], owner["id"], "$delete_team")  # through team_admin
    listed = stack_auth_request("GET", "api/v1/team-permissions",
                                params={"team_id": team["id"], "user_id": member["id"]})
    assert [p["id"] for p in listed["items"]] == ["$update_team", "team_member"]
    # The docs' GET on the grant path is not a route.
    with pytest.raises(Exception, match="405"):
        stack_auth_request("GET", f"api/v1/team-permissions/{team['id']}/{member['id']}/$update_team")
    stack_auth_request("DELETE", f"api/v1/team-permissions/{team['id']}/{member['id']}/$update_team")
    assert not check_team_permission(team["id"], member["id"], "$update_team")

    # Invite by e-mail; the invitee accepts with their own access token (§12.5).
    invitee = t.user(primary_email=email())
    t.config(domains=[{"domain": "https://yourapp.com", "handler_path": "/handler"}])
    sent = stack_auth_request("POST", "api/v1/team-invitations/send-code", json={
        "team_id": team["id"], "email": invitee["primary_email"],
        "callback_url": "https://yourapp.com/join-team"})
    assert sent["success"] is True
    code = smtp_sink.wait_for(invitee["primary_email"])[-1].link_code("https://yourapp.com/join-team")
    with pytest.raises(Exception, match="USER_AUTHENTICATION_REQUIRED"):
        stack_auth_request("POST", "api/v1/team-invitations/accept", json={"code": code})
    stack_auth_request("POST", "api/v1/team-invitations/accept", json={"code": code},
                       headers={"x-stack-access-token": t.token(invitee["id"])})
    profiles = stack_auth_request("GET", "api/v1/team-member-profiles", params={"team_id": team["id"]})
    assert [p["user_id"] for p in profiles["items"]] == [owner["id"], member["id"], invitee["id"]]

    # Remove a member, then delete the team.
    stack_auth_request("DELETE", f"api/v1/team-memberships/{team['id']}/{member['id']}")
    assert t.member_ids(team) == [owner["id"], invitee["id"]]
    stack_auth_request("DELETE", f"api/v1/teams/{team['id']}")
    assert stack_auth_request("GET", "api/v1/teams", params={"user_id": owner["id"]})["items"] == []
