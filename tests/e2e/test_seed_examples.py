"""The Python examples of Stack Auth's docs ("User Authentication", the seed)
run against Latchkey exactly as written. Only the base URL and the keys
come from the test fixture; the helper `stack_auth_request` is the setup
page's (spec/overview.md §12: server access type, both keys, URL = base +
'/' + endpoint — so the setup page's own first call, with a leading slash,
goes to `//api/v1/...` and relies on the 308 redirect).

The examples' verification URLs are on https://yourapp.com, so the project
they run against trusts that domain (auth-endpoints.md §9.4).
"""
from __future__ import annotations

import os
import uuid

import pytest
import requests

from auth_helpers import set_config

# --------------------------------------------------------------------------
# Setup (from setup guide); the environment is filled in by the fixture.
# --------------------------------------------------------------------------

stack_project_id = None
stack_publishable_client_key = None
stack_secret_server_key = None
stack_api_url = None  # stands in for https://api.stack-auth.com


def load_setup_from_environment():
    global stack_project_id, stack_publishable_client_key, stack_secret_server_key, stack_api_url
    stack_project_id = os.getenv("STACK_PROJECT_ID")
    stack_publishable_client_key = os.getenv("STACK_PUBLISHABLE_CLIENT_KEY")
    stack_secret_server_key = os.getenv("STACK_SECRET_SERVER_KEY")
    stack_api_url = os.getenv("STACK_API_URL")


def stack_auth_request(method, endpoint, **kwargs):
    res = requests.request(
        method,
        f'{stack_api_url}/{endpoint}',
        headers={
            'x-stack-access-type': 'server',  # or 'client' if you're only accessing the client API
            'x-stack-project-id': stack_project_id,
            'x-stack-publishable-client-key': stack_publishable_client_key,
            'x-stack-secret-server-key': stack_secret_server_key,  # not necessary if access type is 'client'
            **kwargs.pop('headers', {}),
        },
        **kwargs,
    )
    if res.status_code >= 400:
        raise Exception(f"Stack Auth API request failed with {res.status_code}: {res.text}")
    return res.json()


# --------------------------------------------------------------------------
# The seed's functions, as written
# --------------------------------------------------------------------------


def sign_up_with_password(email, password, verification_callback_url):
    """
    Sign up a new user with email and password
    Returns access_token, refresh_token, and user_id
    """
    response = stack_auth_request('POST', 'api/v1/auth/password/sign-up', json={
        'email': email,
        'password': password,
        'verification_callback_url': verification_callback_url  # URL where user will verify email
    })

    return {
        'access_token': response['access_token'],
        'refresh_token': response['refresh_token'],
        'user_id': response['user_id']
    }


def sign_in_with_password(email, password):
    """
    Sign in an existing user with email and password
    Returns access_token, refresh_token, and user_id
    """
    response = stack_auth_request('POST', 'api/v1/auth/password/sign-in', json={
        'email': email,
        'password': password
    })

    return {
        'access_token': response['access_token'],
        'refresh_token': response['refresh_token'],
        'user_id': response['user_id']
    }


def get_current_user(access_token):
    """
    Get the current user's information using their access token
    """
    response = stack_auth_request('GET', 'api/v1/users/me', headers={
        'x-stack-access-token': access_token
    })

    return {
        'id': response['id'],
        'display_name': response['display_name'],
        'primary_email': response['primary_email'],
        'primary_email_verified': response['primary_email_verified'],
        'profile_image_url': response['profile_image_url'],
        'signed_up_at_millis': response['signed_up_at_millis'],
        'last_active_at_millis': response['last_active_at_millis'],
        'oauth_providers': response['oauth_providers'],
        'has_password': response['has_password'],
        'auth_with_email': response['auth_with_email']
    }


def refresh_access_token(refresh_token):
    """
    Get a new access token using the refresh token
    """
    response = stack_auth_request('POST', 'api/v1/auth/sessions/current/refresh', headers={
        'x-stack-refresh-token': refresh_token
    })

    return response['access_token']


def get_user_sessions(access_token):
    """
    Get all active sessions for the current user
    """
    response = stack_auth_request('GET', 'api/v1/auth/sessions', headers={
        'x-stack-access-token': access_token
    })

    return response['items']


def sign_out_session(access_token, session_id):
    """
    Sign out by deleting a specific session
    """
    stack_auth_request('DELETE', f'api/v1/auth/sessions/{session_id}', headers={
        'x-stack-access-token': access_token
    })


def sign_out_current_user(access_token):
    """
    Sign out the current user by finding and deleting their current session
    """
    sessions = get_user_sessions(access_token)
    current_session = next((s for s in sessions if s['is_current_session']), None)

    if current_session:
        # Note: This will fail with "CannotDeleteCurrentSession" error
        # Instead, you should invalidate the tokens on your client side
        pass

    # In practice, you would typically just discard the tokens client-side
    print("User signed out (tokens should be discarded client-side)")


class StackAuthClient:
    def __init__(self):
        self.access_token = None
        self.refresh_token = None
        self.user_id = None

    def sign_up(self, email, password, verification_callback_url):
        """Sign up a new user"""
        response = stack_auth_request('POST', 'api/v1/auth/password/sign-up', json={
            'email': email,
            'password': password,
            'verification_callback_url': verification_callback_url
        })

        self.access_token = response['access_token']
        self.refresh_token = response['refresh_token']
        self.user_id = response['user_id']

        return response

    def sign_in(self, email, password):
        """Sign in an existing user"""
        response = stack_auth_request('POST', 'api/v1/auth/password/sign-in', json={
            'email': email,
            'password': password
        })

        self.access_token = response['access_token']
        self.refresh_token = response['refresh_token']
        self.user_id = response['user_id']

        return response

    def get_current_user(self):
        """Get current user information"""
        if not self.access_token:
            raise Exception("No access token available")

        return stack_auth_request('GET', 'api/v1/users/me', headers={
            'x-stack-access-token': self.access_token
        })

    def refresh_token_if_needed(self):
        """Refresh the access token"""
        if not self.refresh_token:
            raise Exception("No refresh token available")

        response = stack_auth_request('POST', 'api/v1/auth/sessions/current/refresh', headers={
            'x-stack-refresh-token': self.refresh_token
        })

        self.access_token = response['access_token']
        return response

    def sign_out(self):
        """Sign out by clearing tokens"""
        self.access_token = None
        self.refresh_token = None
        self.user_id = None


def handle_auth_errors(func):
    """Decorator to handle common authentication errors"""
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as e:
            error_message = str(e)

            if "EmailPasswordMismatch" in error_message:
                print("Invalid email or password")
            elif "AccessTokenExpired" in error_message:
                print("Access token expired, please refresh")
            elif "UserWithEmailAlreadyExists" in error_message:
                print("User with this email already exists")
            elif "PasswordAuthenticationNotEnabled" in error_message:
                print("Password authentication is not enabled for this project")
            else:
                print(f"Authentication error: {error_message}")

            raise e
    return wrapper


@handle_auth_errors
def safe_sign_in(email, password):
    return sign_in_with_password(email, password)


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def docs_project(make_project, api):
    """A project that trusts the docs' example domain."""
    project = make_project("docs examples")
    set_config(api, project, allow_localhost=True,
               domains=[{"domain": "https://yourapp.com", "handler_path": "/handler"}])
    return project


@pytest.fixture
def setup(server, docs_project, monkeypatch):
    monkeypatch.setenv("STACK_PROJECT_ID", docs_project.id)
    monkeypatch.setenv("STACK_PUBLISHABLE_CLIENT_KEY", docs_project.keys["client"])
    monkeypatch.setenv("STACK_SECRET_SERVER_KEY", docs_project.keys["server"])
    monkeypatch.setenv("STACK_API_URL", server.base_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    load_setup_from_environment()
    return docs_project


# --------------------------------------------------------------------------
# the examples
# --------------------------------------------------------------------------


def test_setup_page_first_call_with_double_slash(setup, server):
    project = stack_auth_request('GET', '/api/v1/projects/current')
    assert project["id"] == setup.id
    assert project["display_name"] == "docs examples"
    assert set(project["config"]) >= {"sign_up_enabled", "credential_enabled"}
    # That worked through the 308 of overview.md §1.
    raw = requests.get(f"{server.base_url}//api/v1/projects/current", allow_redirects=False,
                       headers={"x-stack-access-type": "server", "x-stack-project-id": setup.id,
                                "x-stack-secret-server-key": setup.keys["server"]})
    assert raw.status_code == 308 and raw.headers["Location"] == "/api/v1/projects/current"


def test_sign_up_sign_in_and_current_user(setup, capsys):
    # Example usage
    user_data = sign_up_with_password(
        email="user@example.com",
        password="secure_password_123",
        verification_callback_url="https://yourapp.com/verify-email"
    )
    assert set(user_data) == {"access_token", "refresh_token", "user_id"}

    # Example usage
    user_data = sign_in_with_password("user@example.com", "secure_password_123")
    access_token = user_data['access_token']
    refresh_token = user_data['refresh_token']
    assert refresh_token and user_data["user_id"]

    # Example usage
    user_info = get_current_user(access_token)
    print(f"Welcome, {user_info['display_name']}!")
    assert capsys.readouterr().out == "Welcome, None!\n"
    assert user_info["id"] == user_data["user_id"]
    assert user_info["primary_email"] == "user@example.com"
    assert user_info["primary_email_verified"] is False
    assert user_info["has_password"] is True and user_info["auth_with_email"] is True
    assert user_info["oauth_providers"] == []
    assert isinstance(user_info["last_active_at_millis"], int)
    assert user_info["last_active_at_millis"] >= user_info["signed_up_at_millis"]

    # Example usage
    new_access_token = refresh_access_token(refresh_token)
    assert get_current_user(new_access_token)["id"] == user_data["user_id"]


def test_sessions_and_sign_out(setup, capsys):
    email = f"sessions-{uuid.uuid4().hex[:8]}@example.com"
    first = sign_up_with_password(email, "secure_password_123", "https://yourapp.com/verify-email")
    second = sign_in_with_password(email, "secure_password_123")
    access_token = second['access_token']

    sessions = get_user_sessions(access_token)
    assert len(sessions) == 2
    current = [s for s in sessions if s['is_current_session']]
    others = [s for s in sessions if not s['is_current_session']]
    assert len(current) == 1 and len(others) == 1

    # Deleting another session works...
    sign_out_session(access_token, others[0]['id'])
    assert [s['id'] for s in get_user_sessions(access_token)] == [current[0]['id']]
    with pytest.raises(Exception, match="REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED"):
        refresh_access_token(first['refresh_token'])

    # ...the current one fails, as the docs' comment says.
    with pytest.raises(Exception) as excinfo:
        sign_out_session(access_token, current[0]['id'])
    assert "Stack Auth API request failed with 400" in str(excinfo.value)
    assert "CANNOT_DELETE_CURRENT_SESSION" in str(excinfo.value)

    # Example usage
    sign_out_current_user(access_token)
    assert capsys.readouterr().out == "User signed out (tokens should be discarded client-side)\n"
    # (and the session is indeed still alive: the docs' "sign out" keeps it)
    assert refresh_access_token(second['refresh_token'])


def test_complete_authentication_flow(setup, capsys):
    # Example usage
    auth_client = StackAuthClient()

    # Sign up a new user
    try:
        auth_client.sign_up(
            email="newuser@example.com",
            password="secure_password_123",
            verification_callback_url="https://yourapp.com/verify"
        )
        print("User signed up successfully!")
    except Exception as e:
        print(f"Sign up failed: {e}")

    # Get user information
    try:
        user_info = auth_client.get_current_user()
        print(f"Logged in as: {user_info['primary_email']}")
    except Exception as e:
        print(f"Failed to get user info: {e}")

    # Refresh token when needed
    try:
        auth_client.refresh_token_if_needed()
        print("Token refreshed successfully!")
    except Exception as e:
        print(f"Token refresh failed: {e}")

    # Sign out
    auth_client.sign_out()
    print("User signed out!")

    assert capsys.readouterr().out == (
        "User signed up successfully!\n"
        "Logged in as: newuser@example.com\n"
        "Token refreshed successfully!\n"
        "User signed out!\n"
    )
    assert auth_client.access_token is None

    # sign_in of the same class works too.
    auth_client.sign_in("newuser@example.com", "secure_password_123")
    assert auth_client.get_current_user()["primary_email"] == "newuser@example.com"


def test_handle_auth_errors(setup, capsys, api, make_project):
    sign_up_with_password("errors@example.com", "secure_password_123", "https://yourapp.com/verify")

    # The decorator looks for CamelCase names that are never on the wire
    # (errors.md §4): every error lands in its last branch, with the code.
    with pytest.raises(Exception):
        safe_sign_in("errors@example.com", "not the password")
    out = capsys.readouterr().out
    assert out.startswith("Authentication error: Stack Auth API request failed with 400: ")
    assert '"code": "EMAIL_PASSWORD_MISMATCH"' in out and '"error": "Wrong e-mail or password."' in out

    with pytest.raises(Exception):
        handle_auth_errors(sign_up_with_password)("errors@example.com", "secure_password_123",
                                                  "https://yourapp.com/verify")
    out = capsys.readouterr().out
    assert out.startswith("Authentication error: Stack Auth API request failed with 409: ")
    assert '"code": "USER_EMAIL_ALREADY_EXISTS"' in out

    with pytest.raises(Exception):
        handle_auth_errors(get_current_user)("not-a-token")
    assert '"code": "UNPARSABLE_ACCESS_TOKEN"' in capsys.readouterr().out

    # A project without password authentication.
    closed = make_project("docs examples, no passwords")
    set_config(api, closed, credential_enabled=False, allow_localhost=True)
    global stack_project_id, stack_publishable_client_key, stack_secret_server_key
    stack_project_id = closed.id
    stack_publishable_client_key = closed.keys["client"]
    stack_secret_server_key = closed.keys["server"]
    with pytest.raises(Exception):
        safe_sign_in("errors@example.com", "secure_password_123")
    out = capsys.readouterr().out
    assert '"code": "PASSWORD_AUTHENTICATION_NOT_ENABLED"' in out


def test_docs_callback_url_needs_a_trusted_domain(setup, project, capsys):
    """auth-endpoints.md §9.4: on a project that does not trust yourapp.com
    the docs' sign-up fails outright."""
    global stack_project_id, stack_publishable_client_key, stack_secret_server_key
    stack_project_id = project.id
    stack_publishable_client_key = project.keys["client"]
    stack_secret_server_key = project.keys["server"]
    with pytest.raises(Exception) as excinfo:
        sign_up_with_password(
            email="user@example.com",
            password="secure_password_123",
            verification_callback_url="https://yourapp.com/verify-email"
        )
    assert "failed with 400" in str(excinfo.value)
    assert "REDIRECT_URL_NOT_WHITELISTED" in str(excinfo.value)
