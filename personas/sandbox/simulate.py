"""Other people acting on the sandbox network, seeded and deterministic.

Every simulated person comes from a random generator seeded with the run's seed and a
counter kept in the sandbox, so the same commands on a fresh sandbox give the same people,
and later runs never reuse a handle.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass

from personas.errors import BadInput, NotFound
from personas.sandbox.store import Account, Post, Store

DAY = 86400.0
_FIRST = ("ana", "ben", "chloe", "dev", "emma", "felix", "grace", "hugo", "iris", "jon",
          "kira", "liam", "maya", "nico", "olga", "pablo", "quinn", "rosa", "sam", "tara")
_TOPICS = ("photographer", "teacher", "product designer", "runner", "nurse", "developer",
           "dad of three", "coffee snob", "writer", "gardener", "podcaster", "marketer")
_PLACES = ("Utah", "Lisbon", "Osaka", "Toronto", "Nairobi", "Berlin", "Austin", "Lima")
_SPAM = ("deals", "crypto", "promo", "giveaway", "followback", "winbig")


@dataclass(frozen=True)
class Person:
    handle: str
    bio: str
    default_avatar: bool
    age_days: int
    posts: int
    followers: int
    following: int
    spammy: bool

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _person(rng: random.Random, number: int, spammy: bool, handle: str | None = None) -> Person:
    if spammy:
        return Person(
            handle=handle or f"{rng.choice(_SPAM)}{number:05d}{rng.randint(10, 99)}",
            bio="", default_avatar=True, age_days=rng.randint(1, 20),
            posts=rng.randint(0, 5), followers=rng.randint(0, 15),
            following=rng.randint(2000, 5000), spammy=True,
        )
    return Person(
        handle=handle or f"{rng.choice(_FIRST)}_{number:05d}",
        bio=f"{rng.choice(_TOPICS).capitalize()} in {rng.choice(_PLACES)}.",
        default_avatar=rng.random() < 0.05, age_days=rng.randint(200, 4000),
        posts=rng.randint(50, 20000), followers=rng.randint(40, 5000),
        following=rng.randint(40, 1500), spammy=False,
    )


class Simulator:
    def __init__(self, store: Store, seed: int = 0) -> None:
        self.store, self.seed = store, seed

    def _rng(self, number: int) -> random.Random:
        return random.Random(f"{self.seed}:{number}")

    def _new_person(self, spammy: bool, handle: str | None = None) -> Person:
        number = self.store.counter("people")
        person = _person(self._rng(number), number, spammy, handle)
        self.store.add_account(
            person.handle, name=person.handle.replace("_", " ").title(), bio=person.bio,
            default_avatar=person.default_avatar,
            created_at=self.store.clock() - person.age_days * DAY, posts=person.posts,
            followers=person.followers, following=person.following,
        )
        return person

    def _someone(self, handle: str) -> Account:
        """The account with this handle; a new, ordinary person when there is none."""
        try:
            return self.store.account(handle)
        except NotFound:  # a new face
            self._new_person(False, handle.lstrip("@"))
            return self.store.account(handle)

    def follow(self, persona: str, count: int, spammy: int = 0) -> list[Person]:
        """`count` new people follow the persona; `spammy` of them look like spam."""
        if count < 0 or not 0 <= spammy <= count:
            raise BadInput("need --count >= 0 and 0 <= --spammy <= --count")
        self.store.account(persona)
        chooser = random.Random(f"{self.seed}:spam:{count}:{spammy}")
        spam_at = set(chooser.sample(range(count), spammy))
        people = []
        for i in range(count):
            person = self._new_person(i in spam_at)
            self.store.follow(person.handle, persona)
            people.append(person)
        return people

    def request(self, persona: str, handle: str, intro: str | None = None,
                spammy: bool = False) -> Person | Account:
        """Someone asks to join a private persona, optionally introducing themself."""
        target = self.store.account(persona)
        if not target.private:
            raise BadInput(f"@{persona} is public: anyone can follow it; use "
                           "`persona sandbox simulate follow`")
        try:
            who: Person | Account = self.store.account(handle)
        except NotFound:
            who = self._new_person(spammy, handle.lstrip("@"))
        self.store.follow(who.handle, persona)
        if intro:
            self.store.send_message(who.handle, persona, intro)
        return who

    def reply(self, post_id: int, handle: str, text: str) -> Post:
        who = self._someone(handle)
        return self.store.publish(who.handle, kind="reply", text=text, target=post_id,
                                  idempotency_key=None)

    def mention(self, persona: str, handle: str, text: str) -> Post:
        target = self.store.account(persona)
        who = self._someone(handle)
        if f"@{target.handle.lower()}" not in text.lower():
            text = f"@{target.handle} {text}"
        return self.store.publish(who.handle, kind="original", text=text, target=None,
                                  idempotency_key=None)

    def dm(self, persona: str, handle: str, text: str) -> int:
        target = self.store.account(persona)
        who = self._someone(handle)
        return self.store.send_message(who.handle, target.handle, text)

    def like(self, post_id: int, count: int) -> Post:
        if count <= 0:
            raise BadInput("--count must be at least 1")
        return self.store.like(post_id, count)
