"""The e-mail platform (spec/emails.md §4.4, §5; projects.md §5.4) against a
real SMTP sink: custom e-mails to users by notification category, the
preferences and one-click unsubscribe, theme previews, the SMTP test, the
sign-in invitation, the failed-e-mails digest, and the project's e-mail
templates, each with its error paths.
"""
from __future__ import annotations

import re
import socket
import threading
import time
import uuid

import pytest
import requests

from auth_helpers import PASSWORD, sign_in
from email_fixtures import (  # noqa: F401 (fixtures)
    SENDER,
    SmtpSink,
    free_port,
    project_factory,
    set_config,
    smtp_env,
    smtp_sink,
    start_server,
)
from latchkey_e2e import (
    ANY,
    INTERNAL_PROJECT,
    MSG,
    Client,
    assert_insufficient_access_type,
    assert_json,
    assert_known_error,
    assert_plain_text,
    assert_schema_error_contains,
)

V1 = "/api/v1"
SEND = f"{V1}/emails/send-email"
PREFS = f"{V1}/emails/notification-preference"
UNSUBSCRIBE = f"{V1}/emails/unsubscribe-link"
RENDER = f"{V1}/emails/render-email"
TEST_EMAIL = f"{V1}/internal/send-test-email"
INVITE = f"{V1}/internal/send-sign-in-invitation"
DIGEST = f"{V1}/internal/failed-emails-digest"
TEMPLATES = f"{V1}/email-templates"
EMAILS = f"{V1}/internal/emails"
MARKETING = "4f6f8873-3d04-46bd-8bef-18338b1a1b4c"
TRANSACTIONAL = "7bb82d33-2f54-4a3d-9d23-82739e0d66ef"
CRON_SECRET = "e2e-cron-secret"
CALLBACK = "http://localhost:12345/some-callback-url"
HTML_CT = "text/html; charset=utf-8"
TEMPLATE_TYPES = ["email_verification", "password_reset", "magic_link", "team_invitation",
                  "sign_in_invitation"]


def new_email() -> str:
    return f"platform-{uuid.uuid4().hex[:12]}@example.com"


@pytest.fixture(scope="module")
def platform_server(tmp_path_factory, smtp_sink):
    srv = start_server(tmp_path_factory, "latchkey-email-platform", **smtp_env(smtp_sink.port),
                       CRON_SECRET=CRON_SECRET,
                       NEXT_PUBLIC_STACK_DASHBOARD_URL="http://dashboard.localhost")
    yield srv
    assert srv.stop() == 0, srv.logs()


@pytest.fixture(scope="module")
def api(platform_server) -> Client:
    return Client(platform_server.base_url)


@pytest.fixture(scope="module")
def make_project(platform_server, api):
    return project_factory(platform_server, api)


def standard_config(sink: SmtpSink, port: int | None = None) -> dict:
    return {"type": "standard", "host": "127.0.0.1", "port": port or sink.port,
            "username": "user", "password": "secret", "sender_name": "Test Project",
            "sender_email": "test@example.com"}


@pytest.fixture
def own_smtp_project(make_project, smtp_sink):
    return make_project(email_config=standard_config(smtp_sink))


def create_user(api, project, **body) -> dict:
    return assert_json(api.post(f"{V1}/users", headers=api.headers("server", project), json=body), 201)


def user_with_email(api, project, password: bool = False) -> dict:
    body = {"primary_email": new_email(), "primary_email_auth_enabled": True}
    if password:
        body["password"] = PASSWORD
    return create_user(api, project, **body)


def access_token(api, project, user) -> str:
    r = sign_in(api, project, user["primary_email"])
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def send(api, project, user_ids, category="Marketing", access="server", **extra):
    body = {"user_ids": user_ids, "html": "<h1>News</h1><p>Hello &amp; welcome</p>",
            "subject": "Platform news", "notification_category_name": category, **extra}
    return api.post(SEND, headers=api.headers(access, project), json=body)


def unsubscribe_url(mail) -> str:
    m = re.search(r'href="([^"]*/emails/unsubscribe-link\?code=[a-z0-9]{45})"', mail.html)
    assert m, mail.html
    return m.group(1)


def prefs(api, project, user_id="me", access="server", **headers):
    return api.get(f"{PREFS}/{user_id}", headers=api.headers(access, project, **headers))


# ---------------------------------------------------------------- send-email


def test_send_email_delivers_themed_html_with_an_unsubscribe_link(api, own_smtp_project, smtp_sink,
                                                                  platform_server):
    user = user_with_email(api, own_smtp_project)
    body = assert_json(send(api, own_smtp_project, [user["id"]]))
    assert body == {"results": [{"user_id": user["id"], "user_email": user["primary_email"],
                                 "success": True}]}
    mail = smtp_sink.wait_for(user["primary_email"])[-1]
    assert mail.subject == "Platform news"
    assert mail.from_header == "Test Project <test@example.com>"
    assert "<h1>News</h1><p>Hello &amp; welcome</p>" in mail.html
    assert "background-color:#ffffff" in mail.html  # the default light theme
    url = unsubscribe_url(mail)
    assert url.startswith(f"{platform_server.base_url}/api/v1/emails/unsubscribe-link?code=")
    assert "News\n\nHello & welcome" in mail.text
    assert f"Click here to unsubscribe ({url})" in mail.text
    # The code in the log is redacted.
    logged = assert_json(api.get(EMAILS, headers=api.headers("admin", own_smtp_project)))["items"][0]
    assert logged["subject"] == "Platform news" and logged["error"] is None


def test_send_email_in_the_dark_theme(api, make_project, smtp_sink):
    project = make_project(email_config=standard_config(smtp_sink), email_theme="default-dark")
    user = user_with_email(api, project)
    assert_json(send(api, project, [user["id"]], category="Transactional"))
    mail = smtp_sink.wait_for(user["primary_email"])[-1]
    assert "background-color:#0f172a" in mail.html
    # Transactional e-mails cannot be unsubscribed from: no link.
    assert "unsubscribe" not in mail.html.lower()


def test_send_email_reports_each_user_in_order(api, own_smtp_project, smtp_sink):
    disabled = user_with_email(api, own_smtp_project)
    assert_json(api.patch(f"{PREFS}/{disabled['id']}/{MARKETING}",
                          headers=api.headers("server", own_smtp_project), json={"enabled": False}))
    missing = str(uuid.uuid4())
    no_email = create_user(api, own_smtp_project)
    ok = user_with_email(api, own_smtp_project)
    body = assert_json(send(api, own_smtp_project, [disabled["id"], missing, no_email["id"], ok["id"]]))
    assert body == {"results": [
        {"user_id": disabled["id"], "success": False,
         "error": "User has disabled notifications for this category"},
        {"user_id": missing, "success": False, "error": "User not found"},
        {"user_id": no_email["id"], "success": False, "error": "User does not have a primary email"},
        {"user_id": ok["id"], "user_email": ok["primary_email"], "success": True},
    ]}
    assert smtp_sink.wait_for(ok["primary_email"])
    assert smtp_sink.to(disabled["primary_email"]) == []
    # The disabled category does not stop another one.
    assert assert_json(send(api, own_smtp_project, [disabled["id"]], category="Transactional"))[
        "results"][0]["success"] is True


def test_send_email_reports_an_undeliverable_user(api, make_project, smtp_sink):
    project = make_project(email_config=standard_config(smtp_sink, port=free_port()))
    user = user_with_email(api, project)
    body = assert_json(send(api, project, [user["id"]], category="Transactional"))
    assert body == {"results": [{"user_id": user["id"], "user_email": user["primary_email"],
                                 "success": False, "error": "Failed to send email"}]}


def test_send_email_errors(api, make_project, own_smtp_project):
    shared = make_project()
    user = user_with_email(api, shared)
    assert_plain_text(send(api, shared, [user["id"]]), 400,
                      "Cannot send custom emails when using shared email config")
    assert_plain_text(send(api, own_smtp_project, [user["id"]], category="Newsletter"), 404,
                      "Notification category not found")
    assert_insufficient_access_type(send(api, own_smtp_project, [user["id"]], access="client"),
                                    "client", ["server", "admin"])
    r = api.post(SEND, headers=api.headers("server", own_smtp_project),
                 json={"user_ids": [{"id": 1}], "html": "x", "subject": "s"})
    msg = assert_schema_error_contains(r, "POST", SEND,
                                       ["body.notification_category_name must be defined"])
    assert "body.user_ids[0]" in msg


# ------------------------------------------------------- preferences, unsubscribe


def test_preferences_default_and_change(api, own_smtp_project):
    user = user_with_email(api, own_smtp_project, password=True)
    token = access_token(api, own_smtp_project, user)
    body = assert_json(prefs(api, own_smtp_project, access="client", access_token=token))
    assert body == {"items": [
        {"notification_category_id": TRANSACTIONAL, "notification_category_name": "Transactional",
         "enabled": True, "can_disable": False},
        {"notification_category_id": MARKETING, "notification_category_name": "Marketing",
         "enabled": True, "can_disable": True},
    ], "is_paginated": False}
    r = api.patch(f"{PREFS}/me/{MARKETING}", headers=api.headers("client", own_smtp_project,
                                                                access_token=token),
                  json={"enabled": False})
    assert assert_json(r) == {"notification_category_id": MARKETING,
                              "notification_category_name": "Marketing", "enabled": False,
                              "can_disable": True}
    listed = assert_json(prefs(api, own_smtp_project, user["id"]))["items"]
    assert [i["enabled"] for i in listed] == [True, False]


def test_preference_errors(api, own_smtp_project):
    user = user_with_email(api, own_smtp_project, password=True)
    other = user_with_email(api, own_smtp_project)
    token = access_token(api, own_smtp_project, user)
    assert_known_error(prefs(api, own_smtp_project, access="client"), 400,
                       "CANNOT_GET_OWN_USER_WITHOUT_USER")
    assert_known_error(api.patch(f"{PREFS}/me/{uuid.uuid4()}",
                                 headers=api.headers("client", own_smtp_project),
                                 json={"enabled": True}),
                       400, "CANNOT_GET_OWN_USER_WITHOUT_USER")
    client = api.headers("client", own_smtp_project, access_token=token)
    assert_plain_text(api.patch(f"{PREFS}/me/{uuid.uuid4()}", headers=client, json={"enabled": True}),
                      404, "Notification category not found")
    assert_plain_text(api.get(f"{PREFS}/{other['id']}", headers=client), 403,
                      "You can only view your own notification preferences")
    assert_plain_text(api.patch(f"{PREFS}/{other['id']}/{MARKETING}", headers=client,
                                json={"enabled": False}),
                      403, "You can only manage your own notification preferences")
    assert_known_error(prefs(api, own_smtp_project, str(uuid.uuid4())), 404, "USER_NOT_FOUND")
    assert_known_error(api.patch(f"{PREFS}/{uuid.uuid4()}/{MARKETING}",
                                 headers=api.headers("server", own_smtp_project),
                                 json={"enabled": False}), 404, "USER_NOT_FOUND")
    assert_schema_error_contains(
        api.patch(f"{PREFS}/me/not-a-uuid", headers=client, json={"enabled": "maybe"}), "PATCH",
        f"{PREFS}/me/not-a-uuid")


def test_unsubscribe_link_is_single_use(api, own_smtp_project, smtp_sink):
    user = user_with_email(api, own_smtp_project)
    assert_json(send(api, own_smtp_project, [user["id"]]))
    url = unsubscribe_url(smtp_sink.wait_for(user["primary_email"])[-1])
    with requests.Session() as s:
        s.trust_env = False
        first = s.get(url)
        assert first.status_code == 200, first.text
        assert first.headers["content-type"] == HTML_CT
        assert first.text == "<p>Successfully unsubscribed from notification group</p>"
        again = s.get(url)
        assert again.status_code == 200
        assert again.text == "<p>You have already unsubscribed from this notification group</p>"
        # Upper case (a mail client may change it) finds the same code.
        code = url.rsplit("=", 1)[1]
        assert s.get(url.replace(code, code.upper())).text.startswith("<p>You have already")
    items = assert_json(prefs(api, own_smtp_project, user["id"]))["items"]
    assert [i["enabled"] for i in items] == [True, False]
    # Now the Marketing e-mail is not sent.
    assert assert_json(send(api, own_smtp_project, [user["id"]]))["results"][0]["error"] == (
        "User has disabled notifications for this category")


def test_unsubscribe_link_errors(api, own_smtp_project, smtp_sink):
    assert_plain_text(api.get(UNSUBSCRIBE), 400, "Invalid code")
    assert_plain_text(api.get(UNSUBSCRIBE, params={"code": "short"}), 400, "Invalid code")
    assert_known_error(api.get(UNSUBSCRIBE, params={"code": "a" * 45}), 404,
                       "VERIFICATION_CODE_NOT_FOUND")
    user = user_with_email(api, own_smtp_project)
    assert_json(send(api, own_smtp_project, [user["id"]]))
    url = unsubscribe_url(smtp_sink.wait_for(user["primary_email"])[-1])
    api.advance_clock(31 * 24 * 3600 * 1000)
    try:
        with requests.Session() as s:
            s.trust_env = False
            r = s.get(url)
        assert_known_error(r, 400, "VERIFICATION_CODE_EXPIRED")
    finally:
        api.advance_clock(-31 * 24 * 3600 * 1000)
    assert [i["enabled"] for i in assert_json(prefs(api, own_smtp_project, user["id"]))["items"]] == [
        True, True]


# ---------------------------------------------------------------- render-email


def test_render_email(api, own_smtp_project):
    body = {"theme": "default-dark", "preview_html": "<p>Preview</p>"}
    for headers in (api.headers("admin", own_smtp_project), {}):
        html = assert_json(api.post(RENDER, headers=headers, json=body))["html"]
        assert "<p>Preview</p>" in html and "background-color:#0f172a" in html
    assert_insufficient_access_type(api.post(RENDER, headers=api.headers("client", own_smtp_project),
                                             json=body), "client", ["admin"])
    assert_schema_error_contains(api.post(RENDER, json={"theme": "neon", "preview_html": "x"}),
                                 "POST", RENDER)


def template_document(text: str) -> dict:
    return {"root": {"type": "EmailLayout", "data": {"childrenIds": ["t", "b"]}},
            "t": {"type": "Text", "data": {"props": {"text": text}}},
            "b": {"type": "Button", "data": {"props": {"text": "Reset", "url": "{{ passwordResetLink }}"}}}}


def test_render_email_renders_an_unsaved_template(api, make_project):
    """The console's live preview: a template document rendered as it would
    be sent, with sample values, without saving it."""
    project = make_project("Render Co")
    admin = api.headers("admin", project)
    body = {"template_type": "password_reset", "template_subject": "Reset at {{ projectDisplayName }}",
            "template_content": template_document("Hi {{ userDisplayName }} <b>of</b> {{ projectDisplayName }}")}
    r = assert_json(api.post(RENDER, headers=admin, json=body))
    assert list(r) == ["html", "subject", "notification_category"]
    assert r["subject"] == "Reset at Render Co"
    assert r["notification_category"] == "Transactional"
    assert "Hi John Doe &lt;b&gt;of&lt;/b&gt; Render Co" in r["html"]
    assert 'href="https://example.com/handler/password-reset?code=sample-code"' in r["html"]
    assert r["html"].startswith("<!DOCTYPE html>")
    # Nothing was saved (the project is even on the shared server).
    assert assert_json(api.get(f"{TEMPLATES}/password_reset", headers=admin))["is_default"] is True
    # No template given: the built-in one, as it is sent.
    r = assert_json(api.post(RENDER, headers=admin, json={"template_type": "magic_link"}))
    assert r["subject"] == "Sign in to Render Co: Your code is 3SLSWZ"
    assert "3SLSWZ" in r["html"]


def test_render_email_uses_the_saved_template_for_parts_not_given(api, make_project, smtp_sink):
    project = make_project("Saved Co", email_config=standard_config(smtp_sink))
    admin = api.headers("admin", project)
    assert_json(api.patch(f"{TEMPLATES}/email_verification", headers=admin,
                          json={"subject": "Saved {{ projectDisplayName }}",
                                "content": template_document("Saved body")}))
    r = assert_json(api.post(RENDER, headers=admin, json={"template_type": "email_verification"}))
    assert r["subject"] == "Saved Saved Co" and "Saved body" in r["html"]
    r = assert_json(api.post(RENDER, headers=admin, json={
        "template_type": "email_verification", "template_content": template_document("Draft body")}))
    assert r["subject"] == "Saved Saved Co" and "Draft body" in r["html"]


def test_render_email_template_errors(api, make_project):
    project = make_project()
    admin = api.headers("admin", project)
    bad = template_document("x")
    bad["t"]["type"] = "Marquee"
    assert_known_error(api.post(RENDER, headers=admin, json={"template_type": "password_reset",
                                                             "template_content": bad}),
                       400, "EMAIL_RENDERING_ERROR",
                       "Failed to render email with theme: content.t.type is not a known block type",
                       {"error": "content.t.type is not a known block type"})
    loop = template_document("x")
    loop["root"]["data"]["childrenIds"] = ["root"]
    assert_known_error(api.post(RENDER, headers=admin, json={"template_type": "password_reset",
                                                             "template_content": loop}),
                       400, "EMAIL_RENDERING_ERROR", ANY, ANY)
    assert_schema_error_contains(api.post(RENDER, headers=admin, json={"template_type": "newsletter"}),
                                 "POST", RENDER)
    assert_schema_error_contains(api.post(RENDER, headers=admin, json={"template_subject": "x"}),
                                 "POST", RENDER, ["body.template_type must be defined"])
    assert_schema_error_contains(api.post(RENDER, headers=admin, json={
        "template_type": "magic_link", "template_content": "not a document"}), "POST", RENDER)
    # A template and a theme preview are two different requests.
    assert_schema_error_contains(api.post(RENDER, headers=admin, json={
        "template_type": "magic_link", "theme": "default-light", "preview_html": "x"}), "POST", RENDER)


def test_render_email_template_is_for_administrators_only(api, make_project):
    project = make_project()
    body = {"template_type": "magic_link"}
    for access in ("client", "server"):
        assert_insufficient_access_type(api.post(RENDER, headers=api.headers(access, project), json=body),
                                        access, ["admin"])
    assert_known_error(api.post(RENDER, json=body), 400, "ACCESS_TYPE_REQUIRED",
                       MSG["ACCESS_TYPE_REQUIRED"])


def test_stack_mock_rendering(tmp_path_factory, smtp_sink):
    """With Stack's development key the bodies are Stack's mock answer."""
    srv = start_server(tmp_path_factory, "latchkey-email-mock", **smtp_env(smtp_sink.port),
                       STACK_FREESTYLE_API_KEY="mock_stack_freestyle_key")
    try:
        api = Client(srv.base_url)
        project = project_factory(srv, api)(email_config=standard_config(smtp_sink))
        user = user_with_email(api, project)
        assert_json(send(api, project, [user["id"]]))
        mail = smtp_sink.wait_for(user["primary_email"])[-1]
        assert re.fullmatch(r'<div>Mock api key detected, returning mock data <br /><br /><a '
                            r'href="[^"]+/api/v1/emails/unsubscribe-link\?code=[a-z0-9]{45}">Click '
                            r'here to unsubscribe</a></div>', mail.html.strip()), mail.html
        assert mail.text.strip() == "Mock api key detected, returning mock data"
        html = assert_json(api.post(RENDER, json={"theme": "default-light", "preview_html": "x"}))
        assert html == {"html": "<div>Mock api key detected, returning mock data </div>"}
    finally:
        srv.stop()


# ------------------------------------------------------------- send-test-email


def smtp_config_for(sink_port: int, host: str = "127.0.0.1") -> dict:
    return {"host": host, "port": sink_port, "username": "u", "password": "p",
            "sender_name": "Tester", "sender_email": "tester@example.com"}


def test_send_test_email_succeeds_and_is_logged(api, make_project, smtp_sink):
    project = make_project()
    to = new_email()
    r = api.post(TEST_EMAIL, headers=api.headers("admin", project),
                 json={"recipient_email": to, "email_config": smtp_config_for(smtp_sink.port)})
    assert assert_json(r) == {"success": True}
    mail = smtp_sink.wait_for(to)[-1]
    assert mail.subject == "Test Email from Stack Auth"
    assert mail.from_header == "Tester <tester@example.com>"
    assert mail.message.get_content_type() == "text/plain"
    assert mail.text.strip() == ("This is a test email from Stack Auth. If you successfully received "
                                 "this email, your email server configuration is working correctly.")
    logged = assert_json(api.get(EMAILS, headers=api.headers("admin", project)))["items"][0]
    assert logged["sender_config"]["host"] == "127.0.0.1" and logged["error"] is None
    assert "password" not in logged["sender_config"]


def test_sent_emails_are_listed_a_page_at_a_time(api, make_project, smtp_sink):
    project = make_project()
    admin = api.headers("admin", project)
    recipients = [new_email() for _ in range(5)]
    for to in recipients:
        r = api.post(TEST_EMAIL, headers=admin,
                     json={"recipient_email": to, "email_config": smtp_config_for(smtp_sink.port)})
        assert assert_json(r) == {"success": True}
    everything = assert_json(api.get(EMAILS, headers=admin))
    assert everything["is_paginated"] is False and "pagination" not in everything
    newest_first = [m["to"] for m in everything["items"]]
    assert newest_first == [[to] for to in reversed(recipients)]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = assert_json(api.get(EMAILS, headers=admin, params=params))
        assert page["is_paginated"] is True and len(page["items"]) <= 2
        seen += [m["to"] for m in page["items"]]
        pages += 1
        cursor = page["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and seen == newest_first
    # A cursor alone pages by 100; an unknown one gives nothing.
    third = everything["items"][2]["id"]
    page = assert_json(api.get(EMAILS, headers=admin, params={"cursor": third}))
    assert [m["id"] for m in page["items"]] == [m["id"] for m in everything["items"][2:]]
    assert page["pagination"] == {"next_cursor": None}
    page = assert_json(api.get(EMAILS, headers=admin, params={"cursor": str(uuid.uuid4())}))
    assert page["items"] == []
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "x"}, {"cursor": "nope"}, {"page": 1}):
        assert_schema_error_contains(api.get(EMAILS, headers=admin, params=params), "GET", EMAILS)


def test_send_test_email_failures(api, make_project):
    project = make_project()
    admin = api.headers("admin", project)

    def attempt(config):
        return assert_json(api.post(TEST_EMAIL, headers=admin,
                                    json={"recipient_email": new_email(), "email_config": config}))

    assert attempt(smtp_config_for(123, host="this-host-does-not-exist.invalid")) == {
        "success": False,
        "error_message": "Failed to connect to the email host. Please make sure the email host "
                         "configuration is correct."}
    assert attempt(smtp_config_for(free_port())) == {
        "success": False,
        "error_message": "Unknown error while sending test email. Make sure the email server is "
                         "running and accepting connections."}
    failed = assert_json(api.get(EMAILS, headers=admin))["items"]
    assert len(failed) == 2 and all(i["error"] is not None for i in failed)
    assert_insufficient_access_type(
        api.post(TEST_EMAIL, headers=api.headers("server", project),
                 json={"recipient_email": new_email(), "email_config": smtp_config_for(25)}),
        "server", ["admin"])
    assert_schema_error_contains(api.post(TEST_EMAIL, headers=admin, json={"recipient_email": "x"}),
                                 "POST", TEST_EMAIL)


def test_send_test_email_is_bounded_on_a_silent_server(api, make_project):
    """A server that accepts the connection and never answers: the attempt
    ends after 10 s with Stack's time-out text."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        started = time.monotonic()
        r = api.post(TEST_EMAIL, headers=api.headers("admin", make_project()),
                     json={"recipient_email": new_email(),
                           "email_config": smtp_config_for(listener.getsockname()[1])})
        elapsed = time.monotonic() - started
        assert assert_json(r) == {
            "success": False,
            "error_message": "Timed out while sending test email. Make sure the email server is "
                             "running and accepting connections."}
        assert 9 <= elapsed < 15, elapsed
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        listener.close()


# ------------------------------------------------------- sign-in invitation


def test_sign_in_invitation(api, make_project, smtp_sink):
    project = make_project("Invite Co", allow_localhost=True)
    to = new_email()
    r = api.post(INVITE, headers=api.headers("server", project),
                 json={"email": to, "callback_url": CALLBACK + "?x=1"})
    assert assert_json(r) == {"success": True}
    mail = smtp_sink.wait_for(to)[-1]
    assert mail.subject == "You have been invited to sign in to Invite Co"
    assert mail.from_header == f"Invite Co <{SENDER}>"
    assert f"{CALLBACK}?x=1" in mail.text  # the callback as it is, no code


def test_sign_in_invitation_errors(api, make_project):
    project = make_project(allow_localhost=False)
    assert_known_error(api.post(INVITE, headers=api.headers("server", project),
                                json={"email": new_email(), "callback_url": CALLBACK}),
                       400, "REDIRECT_URL_NOT_WHITELISTED")
    assert_insufficient_access_type(
        api.post(INVITE, headers=api.headers("client", project),
                 json={"email": new_email(), "callback_url": CALLBACK}),
        "client", ["server", "admin"])
    assert_schema_error_contains(api.post(INVITE, headers=api.headers("server", project),
                                          json={"email": "nope", "callback_url": CALLBACK}),
                                 "POST", INVITE)


# ------------------------------------------------------------- failed-e-mails digest


def owner_of(api, project, email: str | None) -> dict:
    body = {"server_metadata": {"managedProjectIds": [project.id]}}
    if email:
        body["primary_email"] = email
    return create_user(api, INTERNAL_PROJECT, **body)


def fail_a_test_email(api, project):
    r = api.post(TEST_EMAIL, headers=api.headers("admin", project),
                 json={"recipient_email": "nobody@example.com",
                       "email_config": smtp_config_for(free_port())})
    assert assert_json(r)["success"] is False


def digest(api, **params):
    return api.post(DIGEST, headers={"Authorization": f"Bearer {CRON_SECRET}"}, params=params)


def batch_of(body, project):
    return [b for b in body["failed_emails_by_tenancy"] if b["project_id"] == project.id]


def test_failed_emails_digest_goes_to_each_owner(api, make_project, smtp_sink):
    project = make_project("Digest Co")
    first, second = new_email(), new_email()
    owner_of(api, project, first)
    owner_of(api, project, second)
    owner_of(api, project, None)  # an owner without an address gets nothing
    fail_a_test_email(api, project)

    dry = assert_json(digest(api, dry_run="true"))
    assert dry["success"] is True
    [batch] = batch_of(dry, project)
    assert list(batch) == ["emails", "tenant_owner_emails", "project_id", "tenancy_id"]
    assert batch["emails"] == [{"subject": "Test Email from Stack Auth", "to": ["nobody@example.com"]}]
    assert sorted(batch["tenant_owner_emails"]) == sorted([first, second])
    assert batch["project_id"] == batch["tenancy_id"] == project.id
    time.sleep(0.2)
    assert smtp_sink.to(first) == []  # a dry run sends nothing

    assert batch_of(assert_json(digest(api)), project)
    for owner in (first, second):
        mail = smtp_sink.wait_for(owner)[-1]
        assert mail.subject == "Failed emails digest"
        assert mail.from_header == f"Stack Auth <{SENDER}>"
        assert "1 emails that failed to deliver in the last 24 hours" in mail.text
        assert "Subject: Test Email from Stack Auth" in mail.text
        assert f"http://dashboard.localhost/projects/{project.id}/emails" in mail.html


def test_failed_emails_digest_skips_ownerless_and_quiet_projects(api, make_project, smtp_sink):
    ownerless = make_project()
    fail_a_test_email(api, ownerless)
    quiet = make_project()
    owner = new_email()
    owner_of(api, quiet, owner)
    body = assert_json(digest(api))
    assert batch_of(body, ownerless)[0]["tenant_owner_emails"] == []
    assert batch_of(body, quiet) == []
    time.sleep(0.2)
    assert smtp_sink.to(owner) == []
    # Failures older than a day are not reported.
    api.advance_clock(25 * 3600 * 1000)
    try:
        assert batch_of(assert_json(digest(api)), ownerless) == []
    finally:
        api.advance_clock(-25 * 3600 * 1000)


def test_failed_emails_digest_needs_the_cron_secret(api):
    assert_plain_text(api.post(DIGEST, headers={"Authorization": "Bearer wrong"}), 401, "Unauthorized")
    assert_plain_text(api.post(DIGEST, headers={"Authorization": "InvalidFormat"}), 401, "Unauthorized")
    assert_schema_error_contains(api.post(DIGEST), "POST", DIGEST,
                                 ["headers.authorization must be defined"])
    assert_schema_error_contains(digest(api, dry_run="maybe"), "POST", DIGEST)


# ---------------------------------------------------------------- templates


def test_templates_list_and_defaults(api, make_project):
    project = make_project()
    admin = api.headers("admin", project)
    body = assert_json(api.get(TEMPLATES, headers=admin))
    assert body["is_paginated"] is False
    assert [t["type"] for t in body["items"]] == TEMPLATE_TYPES
    for t in body["items"]:
        assert list(t) == ["type", "subject", "content", "is_default"]
        assert t["is_default"] is True and t["content"]["root"]["type"] == "EmailLayout"
    one = assert_json(api.get(f"{TEMPLATES}/password_reset", headers=admin))
    assert one["subject"] == "Reset your password at {{ projectDisplayName }}"
    assert_insufficient_access_type(api.get(TEMPLATES, headers=api.headers("server", project)),
                                    "server", ["admin"])
    assert_schema_error_contains(api.get(f"{TEMPLATES}/newsletter", headers=admin), "GET",
                                 f"{TEMPLATES}/newsletter")


def test_templates_cannot_change_on_the_shared_server(api, make_project):
    project = make_project()
    r = api.patch(f"{TEMPLATES}/password_reset", headers=api.headers("admin", project),
                  json={"subject": "Custom", "content": {}})
    assert_plain_text(r, 400, "Cannot update email templates in shared email config. Set up a custom "
                              "email config to update email templates.")


def test_a_customised_template_is_sent_and_can_be_reverted(api, make_project, smtp_sink):
    project = make_project("Custom Co", email_config=standard_config(smtp_sink),
                           magic_link_enabled=True, allow_localhost=True)
    admin = api.headers("admin", project)
    content = {
        "root": {"type": "EmailLayout", "data": {"backdropColor": "#F5F5F5", "canvasColor": "#FFFFFF",
                                                 "textColor": "#262626", "fontFamily": "MODERN_SANS",
                                                 "childrenIds": ["t", "b"]}},
        "t": {"type": "Text", "data": {"props": {"text": "Welcome to {{ projectDisplayName }} <b>!</b>"}}},
        "b": {"type": "Button", "data": {"props": {"text": "Enter", "url": "{{ magicLink }}"}}},
    }
    r = api.patch(f"{TEMPLATES}/magic_link", headers=admin,
                  json={"subject": "Code {{ otp }} for {{ projectDisplayName }}", "content": content})
    assert assert_json(r) == {"type": "magic_link",
                              "subject": "Code {{ otp }} for {{ projectDisplayName }}",
                              "content": content, "is_default": False}
    # A subject-only change keeps the content.
    r = api.patch(f"{TEMPLATES}/magic_link", headers=admin, json={"subject": "{{ otp }} is your code"})
    assert assert_json(r)["content"] == content
    assert_plain_text(api.patch(f"{TEMPLATES}/magic_link", headers=admin,
                                json={"content": {"root": {"type": "Marquee", "data": {}}}}),
                      400, "Invalid email template content")

    to = new_email()
    r = api.post(f"{V1}/auth/otp/send-sign-in-code", headers=api.headers("client", project),
                 json={"email": to, "callback_url": CALLBACK})
    assert r.status_code == 200, r.text
    mail = smtp_sink.wait_for(to)[-1]
    assert re.fullmatch(r"[0-9A-Z]{6} is your code", mail.subject), mail.subject
    assert "Welcome to Custom Co &lt;b&gt;!&lt;/b&gt;" in mail.html
    assert re.search(re.escape(CALLBACK) + r"\?code=[a-z0-9]{45}", mail.text), mail.text

    listed = assert_json(api.get(TEMPLATES, headers=admin))["items"]
    assert [t["is_default"] for t in listed] == [True, True, False, True, True]
    assert assert_json(api.delete(f"{TEMPLATES}/magic_link", headers=admin)) == {"success": True}
    assert assert_json(api.get(f"{TEMPLATES}/magic_link", headers=admin))["is_default"] is True
    assert_plain_text(api.delete(f"{TEMPLATES}/magic_link", headers=admin), 404,
                      "Email template not found")

    to = new_email()
    r = api.post(f"{V1}/auth/otp/send-sign-in-code", headers=api.headers("client", project),
                 json={"email": to, "callback_url": CALLBACK})
    assert r.status_code == 200, r.text
    assert smtp_sink.wait_for(to)[-1].subject.startswith("Sign in to Custom Co: Your code is ")
