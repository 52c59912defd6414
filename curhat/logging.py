"""Log records never carry whole NIK/KK numbers (UU PDP): they are masked before any handler writes."""

from __future__ import annotations

import logging


class MaskPersonalNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from tickets.privacy.nik import mask_numbers_in

        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return True
        masked = mask_numbers_in(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
