"""User search and cursor pages at scale (issue 22): GET /users?query= finds
users through the search index (texts of 3 characters or more) exactly as
the filter of users.md §5 defines (a case-insensitive ASCII substring of the
display name or of any contact channel, or the user id), follows every
change at once, treats the index's special characters literally, and pages
by cursor in both directions with the filter applied.
"""
from __future__ import annotations

import uuid

from latchkey_e2e import assert_json

USERS = "/api/v1/users"
CHANNELS = "/api/v1/contact-channels"


def create(api, project, **body) -> dict:
    return assert_json(api.post(USERS, headers=api.headers("server", project), json=body), 201)


def search(api, project, **params) -> dict:
    return assert_json(api.get(USERS, headers=api.headers("server", project), params=params))


def ids(api, project, text: str) -> list[str]:
    return [u["id"] for u in search(api, project, query=text)["items"]]


def test_search_follows_every_change(api, project):
    tag = uuid.uuid4().hex[:8]
    a = create(api, project, display_name=f"Ada {tag} Lovelace")
    b = create(api, project, primary_email=f"ada.{tag}@Analytical.example")
    c = create(api, project, display_name="Charles")
    assert ids(api, project, f"ADA {tag.upper()}") == [a["id"]]
    assert ids(api, project, "analytical.EX") == [b["id"]]
    assert set(ids(api, project, tag)) == {a["id"], b["id"]}

    # A second, non-primary channel is searched too.
    r = api.post(CHANNELS, headers=api.headers("server", project), json={
        "user_id": c["id"], "type": "email", "value": f"babbage-{tag}@engine.example",
        "used_for_auth": False})
    assert r.status_code == 201, r.text
    assert ids(api, project, f"BABBAGE-{tag}") == [c["id"]]
    assert set(ids(api, project, tag)) == {a["id"], b["id"], c["id"]}

    # A new name and a new address replace the old ones in the index.
    r = api.patch(f"{USERS}/{a['id']}", headers=api.headers("server", project),
                  json={"display_name": "Augusta"})
    assert r.status_code == 200, r.text
    r = api.patch(f"{USERS}/{b['id']}", headers=api.headers("server", project),
                  json={"primary_email": f"countess-{tag}@example.com"})
    assert r.status_code == 200, r.text
    assert ids(api, project, f"ada {tag}") == []
    assert ids(api, project, "augusta") == [a["id"]]
    assert ids(api, project, "analytical") == []
    assert ids(api, project, f"countess-{tag}") == [b["id"]]

    # A deleted user is gone from the index.
    r = api.delete(f"{USERS}/{c['id']}", headers=api.headers("server", project))
    assert r.status_code == 200, r.text
    assert ids(api, project, f"babbage-{tag}") == []


def test_index_syntax_is_taken_literally(api, project):
    odd = create(api, project, display_name='50% "off" a_b \\ end')
    plain = create(api, project, display_name="50 of ab end")
    for text in ['50%', '"off"', 'a_b', '\\ end', '% "o', '"']:
        assert ids(api, project, text) == [odd["id"]], text
    assert set(ids(api, project, "end")) == {odd["id"], plain["id"]}
    # Non-ASCII letters do not fold (users.md §5: ASCII only), through the
    # index as without it.
    e = create(api, project, display_name="\u00c9mile Zola")
    assert ids(api, project, "\u00c9mile") == [e["id"]]
    assert ids(api, project, "\u00e9mile") == []


def test_short_texts_are_searched_without_the_index(api, project):
    a = create(api, project, display_name="xq one")
    b = create(api, project, primary_email="q@x.example")
    create(api, project, display_name="neither")
    assert ids(api, project, "XQ") == [a["id"]]
    assert set(ids(api, project, "q")) == {a["id"], b["id"]}
    assert ids(api, project, "@x") == [b["id"]]


def test_search_results_page_by_cursor_both_ways(api, project):
    tag = uuid.uuid4().hex[:6]
    made = [create(api, project, display_name=f"page {tag} {i}")["id"] for i in range(7)]
    create(api, project, display_name="unrelated")
    # Users created in the same millisecond are ordered by id.
    everyone = ids(api, project, f"page {tag}")
    assert sorted(everyone) == sorted(made)
    for desc in (False, True):
        want = everyone[::-1] if desc else everyone
        got, cursor = [], None
        while True:
            params = {"query": f"PAGE {tag}", "limit": 3, "desc": "true" if desc else "false"}
            if cursor:
                params["cursor"] = cursor
            page = search(api, project, **params)
            got += [u["id"] for u in page["items"]]
            cursor = page["pagination"]["next_cursor"]
            if not cursor:
                break
        assert got == want, desc


def test_deep_cursor_pages_tie_break_by_id(api, project):
    made = [create(api, project)["id"] for _ in range(12)]
    everyone = [u["id"] for u in search(api, project)["items"]]
    assert sorted(everyone) == sorted(made)
    for desc in (False, True):
        want = everyone[::-1] if desc else everyone
        got, cursor = [], None
        while True:
            params = {"limit": 5, "desc": "true" if desc else "false"}
            if cursor:
                params["cursor"] = cursor
            page = search(api, project, **params)
            got += [u["id"] for u in page["items"]]
            cursor = page["pagination"]["next_cursor"]
            if not cursor:
                break
        assert got == want
