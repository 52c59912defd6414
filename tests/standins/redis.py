"""A private redis-server on a free loopback port, that a test may stop and start again (the shared
Redis on 6379 is never touched)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time

import kombu.pools
import redis

from .smtp import free_port


class RedisServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """Stop this server (its data is lost: nothing is saved, as in an outage with restart)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@contextlib.contextmanager
def producer_broker(url: str):
    """Point this (test) process's task producer at another broker, as the web process would be."""
    from curhat.celery import app as celery_app

    conf = celery_app.conf
    # Celery reads the Django-namespaced keys first (see tests.support.set_eager): set both.
    keys = ("broker_url", "broker_write_url", "CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL")
    previous = {key: conf.get(key) for key in keys}

    def switch(values):
        for key, value in values.items():
            conf[key] = value
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
            celery_app._pool = None
        celery_app.amqp._producer_pool = None
        # kombu keeps producer pools in a process-wide registry keyed by broker URL: without a reset,
        # switching back would hand later tests the pool closed above ("Acquire on closed pool").
        kombu.pools.reset()

    switch(dict.fromkeys(keys, url))
    try:
        yield
    finally:
        switch(previous)
