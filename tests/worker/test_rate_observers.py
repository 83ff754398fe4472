"""Every network call's rate headers go into the persona's budget, whoever made the call:
a follow sweep listening for its own persona's windows does not stop the worker from
recording the others'."""

from __future__ import annotations

from sqlmodel import select

from personas import db, outbox, posting
from personas.context import Context
from personas.models import RateBudget
from personas.worker import Worker

CONFIG = """
[networks.sandbox]
kind = "sandbox"
rate_limits = { create_post = 3, followers = 300, follow = 50, me = 75 }

[personas.me]
network = "sandbox"
handle = "me_h"
policy = "content-only"

[personas.you]
network = "sandbox"
handle = "you_h"
policy = "auto-follow"

[personas.you.jobs]
follow = "1h"
"""


def budget(persona: str, endpoint: str) -> RateBudget | None:
    with db.session() as s:
        return s.exec(select(RateBudget).where(RateBudget.persona == persona,
                                               RateBudget.endpoint == endpoint)).first()


def test_after_a_follow_job_the_worker_still_records_other_personas_rate_windows(
        write_config):
    ctx = Context(write_config(CONFIG))
    logs: list[str] = []
    worker = Worker(ctx, log=logs.append)
    worker.run_jobs()  # the follow sweep of `you`, on the worker's one sandbox client
    assert [line for line in logs if line.startswith("follow for you: followed")], logs
    assert budget("you", "followers") is not None  # the sweep's own budget heard its reads
    for i in range(3):  # `me` uses up its window of 3 posts
        routed = posting.route(ctx, f"post {i} after the sweep", as_="me")
        outbox.enqueue(routed.item, routed.decision, ctx.persona("me"))
    assert worker.drain() and worker.tally.sent == 3, logs
    learned = budget("me", "create_post")
    assert learned is not None, "me's window was not recorded after the follow job"
    assert (learned.learned, learned.limit, learned.remaining) == (True, 3, 0)
