"""Bodies that cost the parser more than their size: a JSON object or a form
of many members (Latchkey's JSON type looks every new key up linearly, so n
members cost n²/2 comparisons) and deep nesting. An object of more than 1000
members is refused before anything checks who sent it, a form is read with an
index, and the server keeps answering. (How long they take is for the
benchmarks and the fuzz targets, not asserted here.)"""
from __future__ import annotations

from latchkey_e2e import MSG, assert_known_error

SIGN_IN = "/api/v1/auth/password/sign-in"


def wide_object(members: int) -> bytes:
    return ("{" + ",".join(f'"k{k:06d}":0' for k in range(members)) + "}").encode()


def test_an_object_of_many_members_is_refused_at_once(api):
    body = wide_object(85000)  # just under the 1 MiB body limit
    assert len(body) < 1 << 20
    r = api.post(SIGN_IN, headers=api.headers("client", content_type="application/json"), data=body)
    assert_known_error(r, 400, "BODY_PARSING_ERROR", MSG["BODY_PARSING_INVALID_JSON"])
    assert api.get("/health").status_code == 200


def test_an_object_of_a_thousand_members_is_parsed(api):
    r = api.post(SIGN_IN, headers=api.headers("client", content_type="application/json"),
                 data=wide_object(1000))
    # Parsed, then refused by the schema (none of those keys is known).
    assert r.status_code == 400 and r.json()["code"] == "SCHEMA_ERROR"


def test_a_form_of_many_fields_is_read_in_linear_time(api):
    body = "&".join(f"k{k:06d}=0" for k in range(100000)).encode()
    r = api.post("/api/v1/auth/oauth/token", data=body,
                 headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400
    assert api.get("/health").status_code == 200
