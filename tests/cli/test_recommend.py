"""#FollowFriday and runs of handles through persona route / post, and the trait that lets
a config say otherwise."""

from __future__ import annotations

from personas.config import example_text
from tests.cli.test_bad_input import one_line


def test_follow_friday_goes_to_you_and_a_mention_stays_with_me(cli):
    r = cli("post", "--json", "#FollowFriday @ana @ben")
    assert r.code == 0, r.err
    assert (r.json()["persona"], r.json()["kind"]) == ("you", "link")
    assert cli("route", "--json", "Had coffee with @ana today, we talked about "
               "communities").json()["persona"] == "me"
    refused = cli("post", "--as", "me", "#FF @ana")
    assert refused.code == 2
    assert "recommending people is sharing, not original content" in one_line(refused.err)


def test_a_config_can_make_recommendations_original(cli, write_config):
    text = example_text(sandbox=True).replace(
        'own_domains = ["example.com"]', 'own_domains = ["example.com"]\n'
        'recommendations = "original"')
    config = str(write_config(text))
    d = cli("--config", config, "route", "--json", "#FF @ana @ben").json()
    assert d["persona"] == "me"
    bad = write_config(text.replace('recommendations = "original"',
                                    'recommendations = "always"'), "bad.toml")
    r = cli("--config", str(bad), "route", "#FF @ana")
    assert r.code == 2 and "recommendations" in one_line(r.err)
