"""The front's endpoints the community reads: GET /2/dm_events and GET /2/users?ids=, as a
bare HTTP client sees them, checked against X's OpenAPI schemas and recorded answers."""

from __future__ import annotations

from tests.x.api import check_openapi, recorded, same_shape, signed_session

API = "https://api.twitter.com"


def _session(x_env, handle: str):  # type: ignore[no-untyped-def]
    tokens = x_env.issue(handle)
    return signed_session(x_env.front.url, x_env.consumer, tokens.access_token,
                          tokens.access_token_secret), tokens


def test_dm_events_list_both_directions_newest_first_with_x_schema(x_env):
    store = x_env.front.store
    session, tokens = _session(x_env, "JesseStay")
    ana = store.ensure_account("ana")
    store.send_message("ana", "JesseStay", "hi, I'd like to join")
    sent = session.post(f"{API}/2/dm_conversations/with/{ana.id}/messages",
                        json={"text": "welcome!"})
    assert sent.status_code == 201
    response = session.get(
        f"{API}/2/dm_events?event_types=MessageCreate&max_results=100"
        "&dm_event.fields=id,text,sender_id,created_at,dm_conversation_id"
        "&expansions=sender_id&user.fields=username")
    assert response.status_code == 200, response.text
    body = response.json()
    check_openapi("/2/dm_events", "get", 200, body)
    assert [e["text"] for e in body["data"]] == ["welcome!", "hi, I'd like to join"]
    assert body["data"][0]["id"] == sent.json()["data"]["dm_event_id"]
    assert body["data"][1]["sender_id"] == str(ana.id)
    low, high = sorted((ana.id, int(tokens.user_id)))
    assert body["data"][1]["dm_conversation_id"] == f"{low}-{high}"
    assert {u["username"] for u in body["includes"]["users"]} == {"ana", "JesseStay"}
    assert body["meta"]["result_count"] == 2
    empty = _session(x_env, "Jesse")[0].get(f"{API}/2/dm_events")
    [theirs] = [i for i in recorded()["test_manage_and_lookup_direct_messages"]
                if i["uri"].endswith("/2/dm_events")]
    assert empty.json() == theirs["body"] == {"meta": {"result_count": 0}}
    paged = session.get(f"{API}/2/dm_events?max_results=1")
    assert len(paged.json()["data"]) == 1 and "next_token" in paged.json()["meta"]
    assert same_shape(paged.json(), {"meta": {"result_count": 1, "next_token": "x"}})


def test_dm_events_need_the_dm_access_level(x_env):
    session, _ = _session(x_env, "JesseStay")
    x_env.front.oauth.set_access_level(x_env.consumer[0], "read-write")
    assert session.get(f"{API}/2/dm_events").status_code == 403


def test_users_by_ids_with_x_schema(x_env):
    store = x_env.front.store
    session, _ = _session(x_env, "JesseStay")
    ana, bo = store.ensure_account("ana"), store.ensure_account("bo")
    fields = "user.fields=created_at,description,public_metrics"
    response = session.get(f"{API}/2/users?ids={ana.id},{bo.id}&{fields}")
    assert response.status_code == 200
    body = response.json()
    check_openapi("/2/users", "get", 200, body)
    assert [u["username"] for u in body["data"]] == ["ana", "bo"]
    assert "public_metrics" in body["data"][0]
    # an unknown id is an error beside the data, as X's lookups answer it (the schema's
    # problem types name api.x.com, the live service api.twitter.com: not validated)
    partial = session.get(f"{API}/2/users?ids={ana.id},999999").json()
    assert [u["username"] for u in partial["data"]] == ["ana"]
    assert partial["errors"][0]["resource_id"] == "999999"
    assert partial["errors"][0]["title"] == "Not Found Error"
    assert session.get(f"{API}/2/users?ids=").status_code == 400
