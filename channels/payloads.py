"""Reading a stored event's body the strict way, so every malformed body becomes a
MalformedPayload with a reason (400) and never a 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qsl

from .errors import MalformedPayload
from .models import InboundEvent


def _media_type(event: InboundEvent) -> str:
    return (event.content_type or "").split(";", 1)[0].strip().lower()


def _text(event: InboundEvent) -> str:
    try:
        return bytes(event.body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload(f"isi bukan UTF-8 yang sah (byte {exc.start})") from exc


def json_body(event: InboundEvent) -> dict[str, Any]:
    if _media_type(event) != "application/json":
        raise MalformedPayload(
            f"content type harus application/json, bukan {event.content_type or '(kosong)'}"
        )
    text = _text(event)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"JSON tidak sah: {exc.msg} (baris {exc.lineno} kolom {exc.colno})") from exc
    except RecursionError as exc:
        # Arrays or objects nested deeper than the parser's stack: no provider sends that.
        raise MalformedPayload("JSON tidak sah: bersarang terlalu dalam untuk dibaca") from exc
    if not isinstance(data, dict):
        raise MalformedPayload("JSON harus berupa objek")
    return data


def form_body(event: InboundEvent) -> dict[str, str]:
    """A form-encoded body as a dict (Twilio never repeats a parameter name)."""
    if _media_type(event) != "application/x-www-form-urlencoded":
        raise MalformedPayload(
            f"content type harus application/x-www-form-urlencoded, bukan {event.content_type or '(kosong)'}"
        )
    text = _text(event)
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), errors="strict"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPayload(f"isi formulir tidak sah: {exc}") from exc


def query_params(event: InboundEvent) -> dict[str, str]:
    return dict(parse_qsl((event.headers or {}).get("query", ""), keep_blank_values=True))


def required(data: Any, key: str, where: str) -> Any:
    """``data[key]`` that must be present and non-empty."""
    if not isinstance(data, dict):
        raise MalformedPayload(f"{where} harus berupa objek")
    value = data.get(key)
    if value is None or value == "" or value == [] or value == {}:
        raise MalformedPayload(f"{where}.{key} wajib ada")
    return value


def object_list(data: dict, key: str, where: str, *, optional: bool = True) -> list[dict]:
    """A list of objects that providers may omit (Meta leaves out contacts[], statuses[], ...)."""
    value = data.get(key)
    if value is None:
        if optional:
            return []
        raise MalformedPayload(f"{where}.{key} wajib ada")
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise MalformedPayload(f"{where}.{key} harus berupa daftar objek")
    return value


def unix_seconds(value: Any, where: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise MalformedPayload(f"{where} bukan waktu unix yang sah: {value!r}") from exc


def unix_millis(value: Any, where: str) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise MalformedPayload(f"{where} bukan waktu unix (ms) yang sah: {value!r}") from exc
