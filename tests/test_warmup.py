"""A new web worker warms itself before its first request (gunicorn.conf.py → curhat.warmup)."""

from __future__ import annotations

import logging
import runpy
from types import SimpleNamespace

import pytest

from curhat import warmup
from tickets import refdata as refdata_module
from tickets.inbox import fragments
from tickets.reference_data import reference_data_seed

from .support import ROOT

pytestmark = pytest.mark.django_db


def test_every_step_warms_without_failing(caplog):
    reference_data_seed()
    fragments._template.cache_clear()
    with caplog.at_level(logging.WARNING, logger="curhat.warmup"):
        timings = warmup.warm()
    assert set(timings) == {
        "urls",
        "templates",
        "fragments",
        "translations",
        "database",
        "reference_data",
        "request",
    }
    assert [r.getMessage() for r in caplog.records] == []
    assert fragments._template.cache_info().currsize == len(fragments.FRAGMENTS)  # compiled
    assert set(refdata_module._memo["values"]) == set(refdata_module._LOADERS)  # read and kept


def test_a_step_that_fails_is_logged_and_the_rest_still_run(caplog, monkeypatch):
    monkeypatch.setattr(warmup, "TEMPLATES", ("tickets/inbox/no-such-page.html",))
    with caplog.at_level(logging.WARNING, logger="curhat.warmup"):
        timings = warmup.warm()
    assert "warm-up step templates failed" in caplog.text
    assert "request" in timings and "reference_data" in timings


def test_gunicorn_runs_the_warm_up_after_a_worker_starts():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logged: list[str] = []
    worker = SimpleNamespace(pid=4242, log=SimpleNamespace(info=lambda msg, *args: logged.append(msg % args)))
    config["post_worker_init"](worker)
    assert logged and logged[0].startswith("worker 4242 warm: {'urls':")
