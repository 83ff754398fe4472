"""Every skip rule, the never-re-follow rule, and auto_unfollow (never a member)."""

from __future__ import annotations

from personas.following import add_member
from personas.realness import Signals, is_real, score
from tests.following.conftest import YEAR, config_text

NOW = 1_800_000_000.0


def test_blocklisted_handles_and_bio_keywords_are_skipped(world, sweeper):
    good = world.followers_of_you(2)
    blocked = world.followers_of_you(1)[0]
    seller = world.followers_of_you(1, bio="Buy CHEAP followers now")[0]
    follow = f'[personas.you.follow]\nblocklist = ["@{blocked.upper()}"]\n' \
             'block_keywords = ["cheap followers"]'
    report = sweeper(config=config_text(follow=follow)).run()
    assert report.skipped == {"blocklist": 1, "keyword": 1}
    assert sorted(world.following()) == sorted(good)
    assert seller not in world.following()


def test_accounts_failing_the_spam_signals_are_skipped(world, sweeper):
    real = world.followers_of_you(1)
    world.followers_of_you(1, created_at=world.clock.now() - 3600, posts=0, followers=1,
                           following=4000, bio="", default_avatar=True)
    report = sweeper().run()
    assert report.skipped == {"spam": 1} and world.following() == real


def test_the_realness_threshold_comes_from_the_config(world, sweeper):
    world.followers_of_you(1, bio="", default_avatar=True)  # 0.7: real at 0.5, not at 0.8
    strict = '[personas.you.follow]\nmin_realness = 0.8'
    assert sweeper(config=config_text(follow=strict)).run().skipped == {"spam": 1}


def test_realness_score_signals():
    fresh = Signals(created_at=NOW - 3600, posts=0, followers=0, following=2000,
                    default_avatar=True, bio="")
    assert score(fresh, NOW) < 0.05 and not is_real(fresh, NOW)
    person = Signals(created_at=NOW - YEAR, posts=50, followers=10, following=40,
                     default_avatar=False, bio="hi")
    assert score(person, NOW) == 1.0
    assert is_real(Signals(), NOW)  # nothing reported: nothing held against anyone


def test_a_pending_request_from_us_is_not_sent_again(world, sweeper):
    private = world.people(1, prefix="q")[0]
    world.store.ensure_account(private, private=True)
    world.follow([private], "you_h")
    first = sweeper().run()
    assert first.followed == 1 and world.store.follow_state("you_h", private) == "pending"
    report = sweeper().run(full=True)
    assert report.skipped == {"pending": 1} and report.followed == 0


def test_someone_unfollowed_by_hand_is_never_followed_again(world, sweeper):
    fans = world.followers_of_you(3)
    sweeper().run()
    world.store.unfollow("you_h", fans[0])  # the owner unfollowed them in the app
    report = sweeper().run(full=True)
    assert report.skipped == {"unfollowed": 1} and report.followed == 0
    assert fans[0] not in world.following()
    # they unfollow and follow us again: still not followed
    world.store.unfollow(fans[0], "you_h")
    world.follow([fans[0]], "you_h")
    again = sweeper().run()
    assert again.skipped == {"unfollowed": 1} and fans[0] not in world.following()


def test_auto_unfollow_is_off_by_default(world, sweeper):
    fans = world.followers_of_you(2)
    sweeper().run()
    world.store.unfollow(fans[0], "you_h")
    assert sweeper().run(full=True).unfollowed == 0
    assert fans[0] in world.following()


def test_auto_unfollow_unfollows_who_stopped_following_but_never_a_member(world, sweeper):
    fans = world.followers_of_you(3)
    sweeper().run()
    add_member("we", fans[1])
    world.store.unfollow(fans[0], "you_h")
    world.store.unfollow(fans[1], "you_h")
    on = '[personas.you.follow]\nauto_unfollow = true'
    report = sweeper(config=config_text(follow=on)).run(full=True)
    assert report.unfollowed == 1
    assert fans[0] not in world.following() and fans[1] in world.following()
    from tests.following.test_sweep import events

    assert events("unfollowed") == [fans[0]]


def test_bad_follow_settings_are_one_line_naming_the_fix(world, cli, write_config):
    write_config(config_text(follow='[personas.you.follow]\nmin_realness = 3'))
    result = cli("follow", "sync", "you")
    assert result.code == 2 and "min_realness" in result.err and "0 (follow anyone) to 1" \
        in result.err
    write_config(config_text(follow='[personas.you.follow]\nblock_keywords = [""]'))
    assert cli("follow", "sync", "you").code == 2
