"""Which remote account each persona's credentials were verified to belong to."""

from __future__ import annotations

from personas import db
from personas.columns import utcnow
from personas.verified_tables import VerifiedAccount


def record(persona: str, network: str, handle: str, account_id: str) -> None:
    with db.session() as s:
        row = s.get(VerifiedAccount, persona) or VerifiedAccount(
            persona=persona, network=network, handle=handle, account_id=account_id)
        row.network, row.handle, row.account_id = network, handle, account_id
        row.verified_at = utcnow()
        s.add(row)
        s.commit()


def account_id(persona: str, network: str, handle: str) -> str | None:
    """The verified id, if the persona still names the same account it was verified for."""
    with db.session() as s:
        row = s.get(VerifiedAccount, persona)
    if row is None or row.network != network or row.handle.lower() != handle.lower():
        return None
    return row.account_id


def forget(persona: str) -> None:
    with db.session() as s:
        row = s.get(VerifiedAccount, persona)
        if row is not None:
            s.delete(row)
            s.commit()
