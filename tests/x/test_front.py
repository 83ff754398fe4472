"""The loopback X API front, spoken to as a bare HTTP client: signatures, X's shapes and
schemas, rate-limit headers, limits and faults."""

from __future__ import annotations

import requests

from tests.x.api import check_openapi, recorded, same_shape, shape, signed_session


def _session(x_env, handle: str):  # type: ignore[no-untyped-def]
    tokens = x_env.issue(handle)
    return signed_session(x_env.front.url, x_env.consumer, tokens.access_token,
                          tokens.access_token_secret), tokens


API = "https://api.twitter.com"


def test_a_correctly_signed_request_is_answered(x_env):
    session, tokens = _session(x_env, "Jesse")
    response = session.get(f"{API}/2/users/me")
    assert response.status_code == 200
    assert response.json()["data"]["username"] == "Jesse"
    assert response.json()["data"]["id"] == tokens.user_id


def test_a_wrong_signature_is_refused_with_401(x_env):
    tokens = x_env.issue("Jesse")
    wrong = signed_session(x_env.front.url, (x_env.consumer[0], "not-the-secret"),
                           tokens.access_token, tokens.access_token_secret)
    response = wrong.post(f"{API}/2/tweets", json={"text": "should not land"})
    assert response.status_code == 401
    assert response.json() == {"title": "Unauthorized", "type": "about:blank", "status": 401,
                               "detail": "Unauthorized"}
    assert x_env.front.store.timeline("Jesse") == []


def test_a_signature_over_the_front_url_instead_of_x_is_refused(x_env):
    from requests_oauthlib import OAuth1

    tokens = x_env.issue("Jesse")
    auth = OAuth1(*x_env.consumer, tokens.access_token, tokens.access_token_secret)
    response = requests.get(f"{x_env.front.url}/2/users/me", auth=auth, timeout=5)
    assert response.status_code == 401


def test_a_tampered_body_parameter_or_unsigned_request_is_refused(x_env):
    session, _ = _session(x_env, "Jesse")
    assert requests.get(f"{x_env.front.url}/2/users/me", timeout=5).status_code == 401
    request = requests.Request("GET", f"{API}/2/users/1/followers?max_results=10",
                               auth=session.auth).prepare()
    request.url = request.url.replace("max_results=10", "max_results=20")
    assert session.send(request).status_code == 401


def test_a_replayed_request_is_refused_and_does_nothing(x_env):
    """The same signed request, nonce and all, sent twice: X answers the copy 401."""
    session, _ = _session(x_env, "Jesse")
    request = requests.Request("POST", f"{API}/2/tweets", json={"text": "said once"},
                               auth=session.auth).prepare()
    assert session.send(request).status_code == 201
    replayed = session.send(request)
    assert replayed.status_code == 401
    assert replayed.json()["detail"] == "Unauthorized"
    assert [p.text for p in x_env.front.store.timeline("Jesse")] == ["said once"]
    # a fresh signature (a new nonce) for the same thing is a new request
    assert session.post(f"{API}/2/tweets", json={"text": "said twice"}).status_code == 201


def test_revoked_tokens_are_refused(x_env, cli):
    session, _ = _session(x_env, "JesseStay")
    assert session.get(f"{API}/2/users/me").status_code == 200
    result = cli("--config", str(x_env.config), "sandbox", "revoke", "we", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"persona": "we", "revoked": 1}
    assert session.get(f"{API}/2/users/me").status_code == 401


def _replay(session, interaction, ids):  # type: ignore[no-untyped-def]
    """Make the recorded request against the front, with our ids in place of X's."""
    import json

    uri = interaction["uri"]
    for theirs, ours in ids.items():
        uri = uri.replace(theirs, ours)
    body = interaction["request_body"]
    if body:
        for theirs, ours in ids.items():
            body = body.replace(theirs, ours)
        body = json.loads(body)
    return session.request(interaction["method"], uri, json=body)


def test_answers_have_the_recorded_shapes_statuses_and_rate_headers(x_env):
    store = x_env.front.store
    session, tokens = _session(x_env, "JessesLinks")
    me = tokens.user_id
    other = store.ensure_account("someone")
    original = store.publish("someone", kind="original", text="worth sharing", target=None,
                             idempotency_key=None)
    store.follow("someone", "JessesLinks")
    for i in range(100):  # more than a page (100 by default), so pages say where to go on
        store.ensure_account(f"fan{i}")
        store.follow(f"fan{i}", "JessesLinks")
        store.follow("JessesLinks", f"fan{i}")
    ids = {"1072250532645998596": me, "17874544": str(other.id), "783214": me,
           "1415348607813832708": str(original.id), "750362064426721281": str(other.id)}
    checked = 0
    for name, interactions in recorded().items():
        created = None
        for interaction in interactions:
            if interaction["uri"].endswith("/dm_conversations") or "dm_events" in \
                    interaction["uri"]:
                continue  # group conversations and DM lookups are not used by persona
            if created:
                ids[interaction["uri"].rsplit("/", 1)[-1]] = created
            response = _replay(session, interaction, ids)
            assert response.status_code == interaction["status"], (name, response.text)
            assert same_shape(response.json(), interaction["body"]), (
                name, shape(response.json()), shape(interaction["body"]))
            for header in interaction["headers"]:
                assert header in response.headers, (name, header)
            if name.endswith("create_and_delete_tweet") and interaction["method"] == "POST":
                created = response.json()["data"]["id"]
            checked += 1
    assert checked >= 9


def _openapi_cases(x_env):  # type: ignore[no-untyped-def]
    store = x_env.front.store
    session, tokens = _session(x_env, "Jesse")
    me = tokens.user_id
    other = store.ensure_account("ana")
    post = store.publish("ana", kind="original", text="hi @Jesse", target=None,
                         idempotency_key=None)
    store.follow("ana", "Jesse")
    store.ensure_account("bo")
    store.follow("Jesse", "bo")
    tweet = session.post(f"{API}/2/tweets", json={"text": "a post"})
    own = tweet.json()["data"]["id"]
    fields = "tweet.fields=created_at,public_metrics,author_id,referenced_tweets"
    return session, [
        ("/2/tweets", "post", tweet),
        ("/2/tweets/{id}", "get", session.get(
            f"{API}/2/tweets/{post.id}?{fields}&expansions=author_id&user.fields=protected")),
        ("/2/users/{id}/retweets", "post",
         session.post(f"{API}/2/users/{me}/retweets", json={"tweet_id": str(post.id)})),
        ("/2/users/{id}/retweets/{source_tweet_id}", "delete",
         session.delete(f"{API}/2/users/{me}/retweets/{post.id}")),
        ("/2/users/me", "get", session.get(f"{API}/2/users/me?user.fields=protected")),
        ("/2/users/by/username/{username}", "get", session.get(f"{API}/2/users/by/username/ana")),
        ("/2/users/{id}/following", "post", session.post(
            f"{API}/2/users/{me}/following", json={"target_user_id": str(other.id)})),
        ("/2/users/{source_user_id}/following/{target_user_id}", "delete",
         session.delete(f"{API}/2/users/{me}/following/{other.id}")),
        ("/2/users/{id}/followers", "get", session.get(f"{API}/2/users/{me}/followers")),
        ("/2/users/{id}/following", "get", session.get(f"{API}/2/users/{me}/following")),
        ("/2/users/{id}/mentions", "get", session.get(f"{API}/2/users/{me}/mentions?{fields}")),
        ("/2/users/{id}/tweets", "get", session.get(f"{API}/2/users/{me}/tweets?{fields}")),
        ("/2/dm_conversations/with/{participant_id}/messages", "post", session.post(
            f"{API}/2/dm_conversations/with/{other.id}/messages", json={"text": "hello"})),
        ("/2/tweets/{id}", "delete", session.delete(f"{API}/2/tweets/{own}")),
    ]


def test_answers_validate_against_x_openapi_schemas(x_env):
    _, cases = _openapi_cases(x_env)
    for path, method, response in cases:
        assert response.status_code in (200, 201), (path, response.text)
        check_openapi(path, method, response.status_code, response.json())
    statuses = {(p, m): r.json() for p, m, r in cases}
    assert statuses[("/2/users/{id}/followers", "get")]["meta"]["result_count"] == 1
    assert statuses[("/2/users/{id}/following", "get")]["data"][0]["username"] == "bo"
    mentions = statuses[("/2/users/{id}/mentions", "get")]["data"]
    assert [m["text"] for m in mentions] == ["hi @Jesse"]
    metrics = statuses[("/2/users/{id}/tweets", "get")]["data"][0]["public_metrics"]
    assert set(metrics) >= {"retweet_count", "reply_count", "like_count", "quote_count"}


def test_rate_limit_headers_count_down_and_429_says_when(x_env):
    from personas.sandbox.front import LIMITS

    x_env.front.limits["me"] = 3
    session, _ = _session(x_env, "Jesse")
    x_env.front._local.__dict__.clear()  # reopen this thread's store with the new limits
    remaining = []
    for _ in range(3):
        response = session.get(f"{API}/2/users/me")
        assert response.status_code == 200
        remaining.append(int(response.headers["x-rate-limit-remaining"]))
        assert response.headers["x-rate-limit-limit"] == "3"
    assert remaining == [2, 1, 0]
    limited = session.get(f"{API}/2/users/me")
    assert limited.status_code == 429
    assert limited.json() == {"title": "Too Many Requests", "detail": "Too Many Requests",
                              "type": "about:blank", "status": 429}
    assert int(limited.headers["x-rate-limit-reset"]) > 0
    assert LIMITS["create_post"] == 100  # X's documented default stays


def test_x_rules_length_duplicates_and_protected_follows(x_env):
    session, tokens = _session(x_env, "Jesse")
    assert session.post(f"{API}/2/tweets", json={"text": "once"}).status_code == 201
    duplicate = session.post(f"{API}/2/tweets", json={"text": "once"})
    assert duplicate.status_code == 403
    assert duplicate.json() == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank", "title": "Forbidden", "status": 403}
    too_long = session.post(f"{API}/2/tweets", json={"text": "x" * 281})
    assert too_long.status_code == 403 and "too long" in too_long.json()["detail"]
    assert session.post(f"{API}/2/tweets", json={"text": "🙂" * 140}).status_code == 201
    protected = x_env.front.store.account("JesseStay").id
    follow = session.post(f"{API}/2/users/{tokens.user_id}/following",
                          json={"target_user_id": str(protected)})
    assert follow.json() == {"data": {"following": False, "pending_follow": True}}


def test_injected_faults_status_delay_and_reset(x_env):
    session, _ = _session(x_env, "Jesse")
    x_env.front.inject(status=503, path="/2/users/me")
    assert session.get(f"{API}/2/users/me").status_code == 503
    assert session.get(f"{API}/2/users/me").status_code == 200
    x_env.front.inject(reset=True, path="/2/users/me")
    try:
        session.get(f"{API}/2/users/me")
        raise AssertionError("the connection should have been reset")
    except requests.ConnectionError:
        pass
    x_env.front.inject(delay=0.5, path="/2/users/me")
    try:
        session.get(f"{API}/2/users/me", timeout=0.2)
        raise AssertionError("the request should have timed out")
    except requests.Timeout:
        pass


def test_v1_incoming_friendships(x_env):
    session, _ = _session(x_env, "JesseStay")
    x_env.front.store.ensure_account("ana")
    x_env.front.store.follow("ana", "JesseStay")
    incoming = session.get(f"{API}/1.1/friendships/incoming.json")
    assert incoming.json()["ids"] == [x_env.front.store.account("ana").id]
    x_env.front.oauth.set_access_level(x_env.consumer[0], "basic")
    limited = session.get(f"{API}/1.1/friendships/incoming.json")
    assert limited.status_code == 403 and limited.json()["errors"][0]["code"] == 453


def test_sandbox_serve_runs_the_front_on_loopback(x_env, persona_home):
    """`persona sandbox serve` as a user runs it: its URL on stdout, limits from --limit."""
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT, persona_env

    server = subprocess.Popen(
        [sys.executable, "-m", "personas", "--config", str(x_env.config), "sandbox", "serve",
         "--port", "0", "--limit", "me=1", "--limit", "create_post/24h=1",
         "--fault", "status=503,path=/2/users/me"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, cwd=ROOT, env=persona_env(persona_home))
    try:
        url = server.stdout.readline().strip()  # type: ignore[union-attr]
        assert url.startswith("http://127.0.0.1:")
        tokens = x_env.issue("Jesse")  # same database: PERSONA_HOME's sandbox
        session = signed_session(url, x_env.consumer, tokens.access_token,
                                 tokens.access_token_secret)
        assert session.get(f"{API}/2/users/me").status_code == 503  # --fault, once
        assert session.get(f"{API}/2/users/me").status_code == 200
        assert session.get(f"{API}/2/users/me").status_code == 429
        posted = session.post(f"{API}/2/tweets", json={"text": "the day's one"})
        assert posted.status_code == 201
        assert posted.headers["x-user-limit-24hour-limit"] == "1"
        assert session.post(f"{API}/2/tweets", json={"text": "another"}).status_code == 429
        assert requests.get(f"{url}/2/users/me", timeout=5).status_code == 401
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(10)
    assert server.returncode == 0


def test_sandbox_serve_refuses_an_unknown_limit(cli):
    result = cli("sandbox", "serve", "--limit", "tweets=5")
    assert result.code == 2
    assert result.err.startswith("persona: --limit 'tweets=5': write NAME=N (15 minutes) or "
                                 "NAME/24h=N (24 hours) with N from 1 to 9999999 and NAME "
                                 "one of ")
    assert cli("sandbox", "serve", "--limit", "tweets/24h=5").code == 2


def test_sandbox_serve_on_a_busy_port_is_one_line(front, cli):
    result = cli("sandbox", "serve", "--port", str(front.port))
    assert result.code == 2
    assert result.err.splitlines()[-1].startswith(
        f"persona: cannot listen on 127.0.0.1:{front.port} (Address already in use)")


def test_sandbox_serve_refuses_a_bad_fault(cli):
    result = cli("sandbox", "serve", "--fault", "path=/2/tweets")
    assert result.code == 2
    assert "says what to match but not what to do" in result.err
    result = cli("sandbox", "serve", "--fault", "status=abc")
    assert result.code == 2 and "unknown part 'status=abc'" in result.err


def test_a_malformed_body_is_400_and_the_front_keeps_serving(x_env):
    session, _ = _session(x_env, "Jesse")
    response = session.post(f"{API}/2/tweets", data=b"{not json",
                            headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"] == "The request body is not valid JSON."
    assert session.get(f"{API}/2/users/me").status_code == 200


def test_a_malformed_request_gets_a_400_not_a_traceback(front, capfd):
    import socket

    for length in (b"abc", b"-5"):
        with socket.create_connection(("127.0.0.1", front.port), timeout=5) as s:
            s.sendall(b"POST /2/tweets HTTP/1.1\r\nHost: x\r\nContent-Length: " + length
                      + b"\r\n\r\n")
            answer = s.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400")
    assert "Traceback" not in capfd.readouterr().err


def test_pagination_tokens_hold_their_place_when_the_list_changes(x_env):
    """X's tokens are opaque base32hex cursors (16 characters or more for followers): the
    next page starts after the last account read, though some of those read unfollowed
    and others followed in between; and the previous token leads back."""
    import re

    store = x_env.front.store
    session, tokens = _session(x_env, "JessesLinks")
    for i in range(250):
        store.ensure_account(f"fan{i}")
        store.follow(f"fan{i}", "JessesLinks")
    url = f"{API}/2/users/{tokens.user_id}/followers?max_results=100"
    first = session.get(url).json()
    names = [u["username"] for u in first["data"]]
    token = first["meta"]["next_token"]
    for gone in names[:3]:
        store.unfollow(gone, "JessesLinks")
    for i in range(2):
        store.ensure_account(f"late{i}")
        store.follow(f"late{i}", "JessesLinks")
    second = session.get(f"{url}&pagination_token={token}").json()
    expected = [f"fan{i}" for i in range(249, -1, -1)][100:200]  # newest first
    assert [u["username"] for u in second["data"]] == expected
    assert re.fullmatch(r"[0-9A-V]{16,}", token)
    back = session.get(f"{url}&pagination_token={second['meta']['previous_token']}").json()
    assert [u["username"] for u in back["data"]][-97:] == names[3:]
    bad = session.get(f"{url}&pagination_token=not-a-token")
    assert bad.status_code == 400


def test_paged_answers_and_their_tokens_follow_x_openapi(x_env):
    """Mentions, messages and followers, five a page: each page validates against X's
    schema, each token against the `pagination_token` parameter X describes, and the pages
    together hold every item once."""
    from openapi_schema_validator import OAS30Validator

    from personas.sandbox.simulate import Simulator
    from tests.x.api import spec

    store = x_env.front.store
    session, tokens = _session(x_env, "JessesLinks")
    sim = Simulator(store)
    for i in range(12):
        sim.mention("JessesLinks", f"m{i}", f"hello @JessesLinks {i}")
        sim.dm("JessesLinks", f"d{i}", f"hi {i}")
        store.ensure_account(f"f{i}")
        store.follow(f"f{i}", "JessesLinks")
    me = tokens.user_id
    fields = "tweet.fields=created_at,author_id&dm_event.fields=sender_id,created_at"
    for path, url, key in (
            ("/2/users/{id}/mentions", f"{API}/2/users/{me}/mentions?{fields}", "id"),
            ("/2/dm_events", f"{API}/2/dm_events?{fields}", "id"),
            ("/2/users/{id}/followers", f"{API}/2/users/{me}/followers?user.fields=created_at",
             "username")):
        parameters = [spec()["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]]
                      if "$ref" in p else p for p in spec()["paths"][path]["get"]["parameters"]]
        schema = next(p for p in parameters if p["name"] == "pagination_token")["schema"]
        assert schema.get("minLength", 0) >= 1
        seen, token, pages = [], None, 0
        while True:
            response = session.get(f"{url}&max_results=5" + (
                f"&pagination_token={token}" if token else ""))
            assert response.status_code == 200, (path, response.text)
            check_openapi(path, "get", 200, response.json())
            seen += [item[key] for item in response.json().get("data", [])]
            pages += 1
            token = response.json()["meta"].get("next_token")
            if token is None:
                break
            OAS30Validator(schema).validate(token)
        assert pages == 3 and len(seen) == len(set(seen)) == 12, (path, seen)
