"""Accounts on X: looking them up, following, the followers and following pages, the
requests to follow a protected persona, and direct messages."""

from __future__ import annotations

from datetime import UTC, datetime

from personas.errors import NotFound
from personas.networks.base import Account, AccountPage, Followed, Message, Profile
from personas.networks.x.convert import PROFILE_FIELDS, to_account
from personas.networks.x.session import XSession
from router.policy import Persona


class XAccounts(XSession):
    """What `XNetwork` does with accounts rather than posts."""

    def me(self, persona: Persona, *, check: bool = True) -> Account:
        client = self.client(persona, check=check)
        response = self._call(persona, lambda: client.get_me(user_fields=PROFILE_FIELDS,
                                                             user_auth=True))
        return to_account(response.data)

    def account(self, persona: Persona, handle: str) -> Account:
        client = self.client(persona)
        response = self._call(persona, lambda: client.get_user(
            username=handle.lstrip("@"), user_fields=["protected"], user_auth=True))
        if response.data is None:
            raise NotFound(f"no X account @{handle.lstrip('@')}; check the handle")
        return to_account(response.data)

    def follow(self, persona: Persona, handle: str) -> Followed:
        target = self._id(persona, handle)
        client = self.client(persona)
        data = self._call(persona, lambda: client.follow_user(target, user_auth=True)).data
        return Followed(bool(data.get("following")), bool(data.get("pending_follow")))

    def unfollow(self, persona: Persona, handle: str) -> None:
        target = self._id(persona, handle)
        client = self.client(persona)
        self._call(persona, lambda: client.unfollow_user(target, user_auth=True))

    def _id(self, persona: Persona, handle: str) -> str:
        """An account's id: known from a followers page already, or looked up (one call)."""
        key = (persona.name, handle.lstrip("@").lower())
        if key not in self._ids:
            self._ids[key] = self.account(persona, handle).id
        return self._ids[key]

    def _page(self, persona: Persona, followers: bool, page_token: str | None,
              limit: int) -> AccountPage:
        client = self.client(persona)
        read = client.get_users_followers if followers else client.get_users_following
        response = self._call(persona, lambda: read(
            self._my_id(persona), max_results=max(1, min(limit, 1000)), pagination_token=page_token,
            user_fields=PROFILE_FIELDS, user_auth=True))
        accounts = [to_account(u) for u in response.data or []]
        for a in accounts:
            self._ids[(persona.name, a.handle.lower())] = a.id
        return AccountPage(accounts, response.meta.get("next_token"))

    def followers(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage:
        return self._page(persona, True, page_token, limit)

    def following(self, persona: Persona, page_token: str | None = None,
                  limit: int = 1000) -> AccountPage:
        return self._page(persona, False, page_token, limit)

    def incoming_requests(self, persona: Persona) -> list[str]:
        """Ids of accounts asking to follow the protected persona, every page of 5,000 (v1.1,
        cursored; not on every access level: X answers 453 there, raised as a refusal naming
        the limitation)."""
        api = self.v1(persona)
        out: list[str] = []
        cursor = -1  # v1.1's first page; 0 is the end
        while cursor:
            page = self._call(persona, lambda c=cursor: api.incoming_friendships(  # type: ignore[misc]
                cursor=c, stringify_ids=True))
            ids, (_previous, cursor) = page if isinstance(page, tuple) else (page, (0, 0))
            out += [str(i) for i in ids]
        return out

    # --- the private community ------------------------------------------------------------

    # X has no API to accept a follow request: the owner accepts in X's own app
    # (X documents no endpoint for it), so X is no `AcceptingRequests`; `persona
    # community approve` lists whom.

    def join_requests(self, persona: Persona) -> list[Profile]:
        """Who asks to follow the protected persona, with profiles (ids from v1.1, then
        users by ids, 100 a call). `AccessLimited` on access levels without v1.1 incoming."""
        ids = self.incoming_requests(persona)
        client = self.client(persona)
        out: list[Profile] = []
        for start in range(0, len(ids), 100):
            chunk = ids[start:start + 100]
            response = self._call(persona, lambda c=chunk: client.get_users(  # type: ignore[misc]
                ids=c, user_fields=PROFILE_FIELDS, user_auth=True))
            for user in response.data or []:
                account = to_account(user)
                self._ids[(persona.name, account.handle.lower())] = account.id
                if isinstance(account, Profile):
                    out.append(account)
        return out

    def profile(self, persona: Persona, handle: str) -> Profile:
        client = self.client(persona)
        response = self._call(persona, lambda: client.get_user(
            username=handle.lstrip("@"), user_fields=PROFILE_FIELDS, user_auth=True))
        if response.data is None:
            raise NotFound(f"no X account @{handle.lstrip('@')}; check the handle")
        account = to_account(response.data)
        self._ids[(persona.name, account.handle.lower())] = account.id
        if not isinstance(account, Profile):
            return Profile(account.id, account.handle, account.name, account.protected)
        return account

    def _dm_events(self, persona: Persona, since_id: str | None, pages: int | None = None,
                   after: datetime | None = None) -> list[Message]:
        """Direct messages sent and received, newest first, back to `since_id` or to the
        first one sent before `after` (X's DM reads take no start time: the pages stop),
        or to the end of what X keeps (30 days). Every page up to there is read, however
        many (`pages` caps them only where a recent look is enough): a caller's cursor may
        then move to the newest. A page that fails fails the whole read."""
        client = self.client(persona)
        me, out, token = self._my_id(persona), [], None
        read = 0
        while pages is None or read < pages:
            read += 1
            response = self._call(persona, lambda t=token: client.get_direct_message_events(  # type: ignore[misc]
                event_types="MessageCreate", max_results=100, pagination_token=t,
                dm_event_fields=["id", "text", "sender_id", "created_at",
                                 "dm_conversation_id"],
                expansions=["sender_id"], user_fields=["username"], user_auth=True))
            users = {str(u.id): u.username for u in response.includes.get("users", [])}
            users[me] = persona.handle
            for event in response.data or []:
                if since_id is not None and int(event.id) <= int(since_id):
                    return out
                if after is not None and event.created_at is not None \
                        and event.created_at < after:
                    return out
                sender = str(event.sender_id)
                ids = str(event.dm_conversation_id or "").split("-")
                other = next((i for i in ids if i != me), "")
                recipient = persona.handle if sender != me else users.get(other, other)
                out.append(Message(str(event.id), users.get(sender, sender), recipient,
                                   event.text or "", event.created_at or datetime.now(UTC)))
            token = response.meta.get("next_token")
            if not token:
                break
        return out

    def messages(self, persona: Persona, since_id: str | None = None, *,
                 after: datetime | None = None) -> list[Message]:
        """Messages to the persona after `since_id` (and sent at or after `after`), oldest
        first."""
        mine = persona.handle.lower()
        return [m for m in reversed(self._dm_events(persona, since_id, after=after))
                if m.sender.lower() != mine]

    def conversation(self, persona: Persona, handle: str, *,
                     after: datetime | None = None) -> list[Message]:
        """Messages between the persona and `handle`, oldest first: those sent at or after
        `after`, every page back to then (the persona's other conversations share the
        pages); without `after`, the most recent page's."""
        other = handle.lstrip("@").lower()
        events = self._dm_events(persona, None, pages=None if after else 1, after=after)
        return [m for m in reversed(events) if other in (m.sender.lower(), m.recipient.lower())]

    def send_message(self, persona: Persona, handle: str, text: str) -> str:
        target = self.account(persona, handle)
        client = self.client(persona)
        # not retried: X has no idempotency for messages, and a lost answer may hide one
        # that went out (the community looks in the conversation before sending again)
        response = self._call(persona, lambda: client.create_direct_message(
            participant_id=target.id, text=text, user_auth=True), retry=False)
        return str(response.data["dm_event_id"])

