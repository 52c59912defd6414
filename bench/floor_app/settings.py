"""The app's own settings plus one extra URL: the floor view the webhook benchmark compares with."""

from curhat.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_app.urls"
