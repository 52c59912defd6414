"""Who is looking at a ticket right now, and who is typing a reply: kept in the Django cache with a
short time-to-live (LocMem in the embedded default, Redis in production), never in the database.

Each viewer has their own key (``presence:<ticket>:<user>``) that expires by itself when their page
stops polling; a per-ticket roster lists the user ids to look up. Two heartbeats racing on the
roster can drop an id for one beat at worst; the next heartbeat (every few seconds) restores it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

VIEWING_TTL_SECONDS = 20
TYPING_TTL_SECONDS = 8
ROSTER_TTL_SECONDS = 120


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    typing: bool


def _user_key(ticket_id: int, user_id: int) -> str:
    return f"presence:{ticket_id}:{user_id}"


def _typing_key(ticket_id: int, user_id: int) -> str:
    return f"presence:{ticket_id}:{user_id}:typing"


def _roster_key(ticket_id: int) -> str:
    return f"presence:{ticket_id}:roster"


def _display_name(user) -> str:
    return (user.get_full_name() or user.get_username())[:80]


def presence_touch(*, ticket_id: int, user, typing: bool = False) -> None:
    """Record that ``user`` has the ticket open (and is typing, when ``typing``). Typing has its
    own key so that a viewing heartbeat never overwrites a typing signal sent at the same moment."""
    cache.set(_user_key(ticket_id, user.pk), {"name": _display_name(user)}, VIEWING_TTL_SECONDS)
    if typing:
        cache.set(_typing_key(ticket_id, user.pk), True, TYPING_TTL_SECONDS)
    roster = set(cache.get(_roster_key(ticket_id)) or ())
    if user.pk not in roster:
        roster.add(user.pk)
        cache.set(_roster_key(ticket_id), sorted(roster), ROSTER_TTL_SECONDS)
    else:
        cache.touch(_roster_key(ticket_id), ROSTER_TTL_SECONDS)


def presence_leave(*, ticket_id: int, user) -> None:
    cache.delete_many([_user_key(ticket_id, user.pk), _typing_key(ticket_id, user.pk)])


def presence_others(*, ticket_id: int, user) -> list[Presence]:
    """Everyone else currently on the ticket, by name."""
    roster = [pk for pk in (cache.get(_roster_key(ticket_id)) or ()) if pk != user.pk]
    if not roster:
        return []
    keys = [_user_key(ticket_id, pk) for pk in roster] + [_typing_key(ticket_id, pk) for pk in roster]
    found = cache.get_many(keys)
    people = []
    for pk in roster:
        entry = found.get(_user_key(ticket_id, pk))
        if entry:
            people.append(Presence(pk, entry["name"], bool(found.get(_typing_key(ticket_id, pk)))))
    return sorted(people, key=lambda p: p.name)
