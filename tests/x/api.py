"""Helpers for talking to the front as a bare HTTP client and checking what it says."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import requests
from requests_oauthlib import OAuth1

TESTS_DATA = Path(__file__).resolve().parent.parent / "data" / "x-api"


def reference(name: str) -> Path:
    """X's reference data kept with the tests (tests/data/x-api/README.md says what each is)."""
    return TESTS_DATA / name


@cache
def spec() -> dict:  # type: ignore[type-arg]
    return json.loads(reference("openapi-2.167.json").read_text())


@cache
def recorded() -> dict:  # type: ignore[type-arg]
    return json.loads(reference("recorded-responses.json").read_text())


def signed_session(front_url: str, consumer: tuple[str, str], token: str, secret: str):  # type: ignore[no-untyped-def]
    """A requests session signing like tweepy: over https://api.twitter.com, sent to the front."""
    from personas.networks.x.transport import route

    session = requests.Session()
    route(session, {"api_base": front_url})
    session.auth = OAuth1(consumer[0], consumer[1], token, secret)
    return session


# The live service sends the recorded names; X's OpenAPI description has renamed them.
RENAMED = {"retweet_count": "repost_count", "tweet_count": "post_count"}


def _openapi_names(value: object) -> object:
    if isinstance(value, dict):
        return {RENAMED.get(k, k): _openapi_names(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_openapi_names(v) for v in value]
    return value


def check_openapi(path: str, method: str, status: int, body: object) -> None:
    """Validate a success body against the response schema X publishes for the endpoint."""
    from openapi_schema_validator import OAS30Validator

    operation = spec()["paths"][path][method.lower()]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    OAS30Validator({**schema, "components": spec()["components"]}).validate(
        _openapi_names(body))


def shape(value: object) -> object:
    """Keys and value types, recursively (lists by their first element)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def same_shape(ours: object, theirs: object) -> bool:
    """Every key X sent is there with X's type (we may send fewer optional keys in lists)."""
    if isinstance(theirs, dict):
        return isinstance(ours, dict) and all(k in ours and same_shape(ours[k], v)
                                              for k, v in theirs.items())
    if isinstance(theirs, list):
        return isinstance(ours, list) and (not theirs or not ours or
                                           same_shape(ours[0], theirs[0]))
    return type(ours) is type(theirs)


def request_fields(request: requests.PreparedRequest) -> dict[str, object]:
    """A request's body as fields: JSON as it is; a multipart form's parts by name (the
    `media` part's bytes as X's description's `binary` string, numbers as numbers)."""
    content_type = request.headers.get("content-type", "")
    if not request.body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(request.body)
    from personas.sandbox.front import _multipart

    parts = _multipart(content_type, request.body)  # type: ignore[arg-type]
    return {name: ("<binary>" if name == "media" else
                   int(value) if value.isdigit() else value.decode())
            for name, value in parts.items()}


def check_openapi_request(path: str, method: str, request: requests.PreparedRequest) -> None:
    """Validate a request's body against the request schema X publishes for the endpoint
    and the body's media type."""
    from openapi_schema_validator import OAS30Validator

    operation = spec()["paths"][path][method.lower()]
    content_type = request.headers.get("content-type", "").split(";")[0]
    schema = operation["requestBody"]["content"][content_type]["schema"]
    OAS30Validator({**schema, "components": spec()["components"]}).validate(
        request_fields(request))
