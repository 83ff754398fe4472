"""A post whose point is recommending people is sharing, not original content; a trait
lets a persona take it as original. An original that mentions someone stays original."""

from __future__ import annotations

import pytest

from router import PRESETS, Kind, Persona, decide
from router.items import classify, recommended


def persona(name: str, policy: str, **traits) -> Persona:
    return Persona(name=name, network="sandbox", network_kind="sandbox", handle=name,
                   traits=PRESETS[policy].override(**traits),
                   own_domains=frozenset({"jessestay.com"}) if name == "me" else frozenset(),
                   policy=policy)


MEYOUWE = [persona("me", "content-only"), persona("you", "auto-follow"),
           persona("we", "private-community")]


@pytest.mark.parametrize(("text", "handles"), [
    ("#FollowFriday @ana @ben", ("ana", "ben")),
    ("#FF @ana", ("ana",)),
    ("#ff: @ana, the kindest person in community building", ("ana",)),
    ("Happy #FridayFollow! @ana @ben @cy", ("ana", "ben", "cy")),
    ("@ana @ben @cy", ("ana", "ben", "cy")),
    ("@ana @ben", ("ana", "ben")),
    ("Follow @ana and @ben", ("ana", "ben")),
    ("Great people to follow: @ana @ben @cy @dee", ("ana", "ben", "cy", "dee")),
    ("🙌 @ana @ben @cy 🙌", ("ana", "ben", "cy")),
    ("＃FF ＠ana", ("ana",)),
])
def test_recommending_people_is_sharing(text, handles):
    assert recommended(text) == handles
    d = decide(classify(text, network_kind="sandbox"), MEYOUWE)
    assert d.kind is Kind.LINK and d.persona == "you", d.summary()
    assert d.reasons["you"].startswith("takes link: recommending people is sharing")
    assert "recommending people is sharing, not original content" in d.reasons["me"]


@pytest.mark.parametrize("text", [
    "Had coffee with @ana today, we talked about what makes communities work",
    "Loved @ana's talk on community building",
    "@ana and @ben: thanks for the long talk about community last night",
    "Happy #FF everyone!",
    "Thinking about communities #FollowFriday",
    "mail me at jesse@example.org and ana@example.org",
    "@ana",
])
def test_an_original_that_mentions_someone_stays_original(text):
    assert recommended(text) == ()
    d = decide(classify(text, network_kind="sandbox"), MEYOUWE)
    assert d.kind is Kind.ORIGINAL and d.persona == "me", d.summary()


def test_a_persona_can_take_recommendations_as_original():
    me = persona("me", "content-only", recommendations="original")
    d = decide(classify("#FollowFriday @ana @ben", network_kind="sandbox"),
               [me, *MEYOUWE[1:]])
    assert d.persona == "me"
    assert d.reasons["me"].startswith("takes a recommendation of people as original content")
    # a persona that takes only sharing then refuses it, and says why
    you = persona("you", "auto-follow", recommendations="original")
    refused = decide(classify("#FF @ana", network_kind="sandbox"), [you])
    assert refused.refused and 'recommendations = "original"' in refused.reasons["you"]


def test_a_recommendation_with_a_link_is_a_link_and_a_reply_stays_a_reply():
    item = classify("#FF @ana https://ana.example.org", network_kind="sandbox")
    assert item.kind is Kind.LINK and item.recommends == ()
    assert classify("@ana @ben", network_kind="sandbox", reply_to="5").kind is Kind.REPLY
    assert classify("#FF @ana", network_kind="sandbox", repost_of="5").kind is Kind.REPOST
