"""Structured logs: one JSON object per line, with the fields passed in ``extra=``."""

from __future__ import annotations

import json
import logging
import re

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# A provider's webhook URL carries its secret token: /providers/webhooks/<token>/<kind>.
_WEBHOOK_TOKEN = re.compile(r"(/webhooks/)[^/\s?#'\"]+")


def mask_webhook_tokens(text: str) -> str:
    return _WEBHOOK_TOKEN.sub(r"\1***", text)


def _masked(value: object) -> object:
    return mask_webhook_tokens(str(value)) if "/webhooks/" in str(value) else value


class MaskWebhookTokens(logging.Filter):
    """Masks webhook tokens in a record's message and extra fields (Django's request log and
    the ASGI server's access log name the path; ``extra`` may hold the request itself)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_webhook_tokens(record.msg)
        if isinstance(record.args, tuple):  # formatters that read the args keep their shape
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(arg) for key, arg in record.args.items()}
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and "/webhooks/" in str(value):
                setattr(record, key, mask_webhook_tokens(str(value)))
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
