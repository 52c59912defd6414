"""The office's reference data that every inbox page shows, read from Django's cache.

Active topics and departments, the operators an operator can assign to, the officials, the canned
answers, the published knowledge entries and the public holidays (tickets.workcalendar) change a few
times a month, and each page showed them by reading them again: a query apiece, about as much time
as the page's own ticket query.

They are cached (Redis in production; process memory in the embedded default, which is one
process) under a generation number, and each process keeps what it read for the current
generation, asking the cache for the generation at most once a second. Saving or deleting any of
their rows, or changing who is in a role, moves to a new generation once the transaction commits
(the signals below), so the next page reads them afresh: in the same process at once, in the
others within a second. A change that bypasses the ORM's signals (``QuerySet.update()``, SQL by
hand) shows once the entries expire: ``CURHAT_REFDATA_CACHE_SECONDS``, 5 minutes by default.

If the cache cannot be reached, the data is read from the database as before.
"""

from __future__ import annotations

import itertools
import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

logger = logging.getLogger(__name__)

GENERATION_KEY = "curhat:refdata:generation"
# What unpickling an entry raises when the code that wrote it differs from ours; a cache that is
# down raises something else (a connection error) and is handled as such.
_STALE_PICKLE = (LookupError, AttributeError, ImportError, pickle.UnpicklingError, EOFError)
# How long a process trusts the generation it last read from the shared cache.
GENERATION_CHECK_SECONDS = 1.0
_lock = threading.Lock()
_memo: dict[str, Any] = {"generation": None, "checked": 0.0, "values": {}}
_LOADERS: dict[str, Callable[[], Any]] = {}
# A new generation (none in the cache, or it was evicted) must not meet entries cached under an
# earlier one: it starts from the clock, far above what increments of an earlier start reach.
_counter = itertools.count()


def loader(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register the function that reads one kind of reference data from the database. The modules
    holding loaders are imported by ``TicketsConfig.ready()`` (this module imports none of them)."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        _LOADERS[name] = function
        return function

    return register


def refdata(name: str) -> Any:
    """The named reference data: from this process's memory, else the cache, else read (and
    cached) by its loader. Treat it as read-only: one list serves every request of a process."""
    load = _LOADERS[name]
    try:
        generation = _generation()
    except Exception:  # the cache is down: the database still answers
        logger.warning("reference data cache unavailable; reading %s from the database", name, exc_info=True)
        return load()
    now = time.monotonic()
    with _lock:
        kept = _memo["values"].get(name)
        if (
            kept is not None
            and kept[0] == generation
            and now - kept[1] < settings.CURHAT_REFDATA_CACHE_SECONDS
        ):
            return kept[2]
    key = f"curhat:refdata:{generation}:{name}"
    try:
        value = cache.get(key)
    except _STALE_PICKLE:
        # Cached by an earlier release whose classes have since moved (a model to another app): a
        # miss, read and replaced below, rather than a warning and a database read on every request.
        value = None
    except Exception:
        logger.warning("reference data cache unavailable; reading %s from the database", name, exc_info=True)
        return load()
    if value is None:
        value = load()
        try:
            cache.set(key, value, settings.CURHAT_REFDATA_CACHE_SECONDS)
        except Exception:
            logger.warning("reference data cache unavailable; %s not cached", name, exc_info=True)
    with _lock:
        _memo["values"][name] = (generation, now, value)
    return value


def _generation() -> int:
    """The current generation, asked of the shared cache at most every GENERATION_CHECK_SECONDS
    (a change made in another process shows here within that time; one made here, at once)."""
    now = time.monotonic()
    with _lock:
        if _memo["generation"] is not None and now - _memo["checked"] < GENERATION_CHECK_SECONDS:
            return _memo["generation"]
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _new_generation(), None)
        generation = cache.get(GENERATION_KEY)
    with _lock:
        _memo.update(generation=generation, checked=now)
    return generation


def _forget() -> None:
    with _lock:
        _memo.update(generation=None, checked=0.0, values={})


def attach(obj: Any, name: str, known: dict[Any, Any]) -> None:
    """Give ``obj`` its related object ``name`` from ``known`` (reference data by primary key)
    instead of a join; one not there is read when used, as Django reads any related object."""
    value = known.get(getattr(obj, f"{name}_id"))
    if value is not None:
        setattr(obj, name, value)


def _new_generation() -> int:
    return int(time.time() * 1000) * 1000 + next(_counter) % 1000


def refdata_changed() -> None:
    """Start a new generation: every kind is read afresh on its next use."""
    _forget()
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no generation yet (or it was evicted)
            cache.set(GENERATION_KEY, _new_generation(), None)
    except Exception:
        logger.warning("reference data cache unavailable; generation not moved", exc_info=True)


def _after_commit(sender=None, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # a sign-in, not a change of anyone's name or role
    transaction.on_commit(refdata_changed)


def connect_signals() -> None:
    """Called when the app is ready (``TicketsConfig.ready()``, which also imports the modules that
    register the loaders): changes to the reference data are watched."""
    from django.contrib.auth import get_user_model

    from tickets.models import CannedAnswer, Department, KnowledgeEntry, Official, PublicHoliday, Topic

    User = get_user_model()
    for model in (Topic, Department, Official, CannedAnswer, KnowledgeEntry, PublicHoliday, User):
        uid = f"refdata-{model._meta.label_lower}"
        post_save.connect(_after_commit, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_after_commit, sender=model, dispatch_uid=f"{uid}-delete")
    # Who is an operator (the assignee choices) is group membership.
    m2m_changed.connect(_after_commit, sender=User.groups.through, dispatch_uid="refdata-user-groups")
    m2m_changed.connect(
        _after_commit, sender=Official.departments.through, dispatch_uid="refdata-official-departments"
    )
