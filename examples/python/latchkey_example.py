#!/usr/bin/env python3
"""Stack Auth's Python examples ("User Authentication" in Stack's docs)
against Latchkey: the same functions, with the base URL and keys from the
environment lines of `latchkey project create --env`.

    set -a; . ./.env.local; set +a
    python3 latchkey_example.py

Signs a new user up, reads the user, refreshes the access token, signs in
again, lists the sessions, and shows the error a wrong password gets. Exits
non-zero at the first step that goes wrong."""
from __future__ import annotations

import os
import sys
import time

import requests

stack_api_url = os.environ["NEXT_PUBLIC_STACK_API_URL"].rstrip("/")
stack_project_id = os.environ["NEXT_PUBLIC_STACK_PROJECT_ID"]
stack_publishable_client_key = os.environ["NEXT_PUBLIC_STACK_PUBLISHABLE_CLIENT_KEY"]
stack_secret_server_key = os.environ["STACK_SECRET_SERVER_KEY"]
# Where the sign-up e-mail's verification link points: a domain the project
# trusts (localhost is trusted while the project allows localhost).
app_url = os.environ.get("APP_URL", "http://localhost:3000").rstrip("/")


def stack_auth_request(method, endpoint, **kwargs):
    res = requests.request(
        method,
        f"{stack_api_url}/{endpoint}",
        headers={
            "x-stack-access-type": "server",  # or 'client' if you're only accessing the client API
            "x-stack-project-id": stack_project_id,
            "x-stack-publishable-client-key": stack_publishable_client_key,
            "x-stack-secret-server-key": stack_secret_server_key,  # not necessary if access type is 'client'
            **kwargs.pop("headers", {}),
        },
        timeout=30,
        **kwargs,
    )
    if res.status_code >= 400:
        raise Exception(f"Stack Auth API request failed with {res.status_code}: {res.text}")
    return res.json()


def sign_up_with_password(email, password, verification_callback_url):
    response = stack_auth_request("POST", "api/v1/auth/password/sign-up", json={
        "email": email,
        "password": password,
        "verification_callback_url": verification_callback_url,
    })
    return {key: response[key] for key in ("access_token", "refresh_token", "user_id")}


def sign_in_with_password(email, password):
    response = stack_auth_request("POST", "api/v1/auth/password/sign-in", json={
        "email": email,
        "password": password,
    })
    return {key: response[key] for key in ("access_token", "refresh_token", "user_id")}


def get_current_user(access_token):
    return stack_auth_request("GET", "api/v1/users/me", headers={"x-stack-access-token": access_token})


def refresh_access_token(refresh_token):
    response = stack_auth_request("POST", "api/v1/auth/sessions/current/refresh",
                                  headers={"x-stack-refresh-token": refresh_token})
    return response["access_token"]


def get_user_sessions(access_token):
    response = stack_auth_request("GET", "api/v1/auth/sessions",
                                  headers={"x-stack-access-token": access_token})
    return response["items"]


def main() -> int:
    email = f"python-example-{int(time.time() * 1000)}@example.com"
    password = "secure_password_123"

    signed_up = sign_up_with_password(email, password, f"{app_url}/handler/email-verification")
    user = get_current_user(signed_up["access_token"])
    assert user["id"] == signed_up["user_id"] and user["primary_email"] == email, user
    print(f"signed up {user['primary_email']} ({user['id']}), verified: {user['primary_email_verified']}")

    fresh = refresh_access_token(signed_up["refresh_token"])
    assert fresh != signed_up["access_token"]
    assert get_current_user(fresh)["id"] == user["id"]
    print("refreshed the access token")

    signed_in = sign_in_with_password(email, password)
    assert signed_in["user_id"] == user["id"]
    sessions = get_user_sessions(signed_in["access_token"])
    assert len(sessions) == 2, sessions
    print(f"signed in again: {len(sessions)} sessions")

    try:
        sign_in_with_password(email, "wrong password")
    except Exception as e:  # the seed's helper raises on any status >= 400
        assert "EMAIL_PASSWORD_MISMATCH" in str(e), e
        print("a wrong password is refused (EMAIL_PASSWORD_MISMATCH)")
    else:
        raise AssertionError("a wrong password was accepted")

    print("python example: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
