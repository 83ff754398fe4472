"""The community's fixtures: the sandbox world seen from the tests, and its messages."""

from __future__ import annotations

import pytest


@pytest.fixture
def sandbox():
    """The built-in sandbox's store, as the CLI leaves it (open it after the CLI made it)."""
    from personas.config import data_dir
    from personas.sandbox.store import Store

    def open_store() -> Store:
        return Store(data_dir() / "sandbox.db")

    return open_store


def sent_by(store, sender: str, recipient: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The texts `sender` sent `recipient`, oldest first."""
    return [text for _id, who, text, _at in store.conversation(sender, recipient)
            if who.lower() == sender.lower()]


def age_members(persona: str, days: float, column: str = "approved_at") -> None:
    """Move members' approval (or last reminder) `days` into the past."""
    from datetime import timedelta

    from sqlmodel import select

    from personas import db
    from personas.community_tables import CommunityMember

    with db.session() as s:
        for m in s.exec(select(CommunityMember).where(CommunityMember.persona == persona)):
            value = getattr(m, column)
            if value is not None:
                setattr(m, column, value - timedelta(days=days))
                s.add(m)
        s.commit()


from tests.storage.conftest import backend  # noqa: E402, F401  (sqlite and postgres)
