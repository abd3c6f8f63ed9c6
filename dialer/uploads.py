"""CSV uploads: the whole file is checked before anything is stored; a bad file stores nothing.

Spool format (SPEC §7): ``campaign;destination;message;priority`` separated by ``;``, extra
columns to ``idm`` (5th) and ``data`` (the rest, joined by ``;``), a trailing ``;`` allowed,
blank lines skipped, UTF-8 with or without a BOM, any line ending. DNCR format:
``number;campaign;`` (an empty campaign: every campaign).

Files are read line by line twice (check, then load), so memory does not grow with the file;
rows land with PostgreSQL ``COPY`` (bulk inserts on SQLite) in one transaction. A file is either
a local path (the ``load_spool`` command) or the name of an upload in Django's default storage
(web and workers may run on different machines: see docs/deploy.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from campaigns.selectors import campaigns_for
from contactcenter.phones import is_phone_number, normalise
from dialer.counters import adjust, reserve_positions
from dialer.dncr import may_manage_global
from dialer.models import Dialer, DncrEntry, SpoolRow, SpoolUpload
from dialer.states import SpoolState
from providers.text import CONTROL, max_length, text_problem

MAX_REPORTED_ERRORS = 1000
PROGRESS_EVERY = 5000
FILE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
PRIORITY = re.compile(r"\d{1,9}")
LINE_ROOM_BYTES = 8192  # campaign, destination, priority, idm and data beside the message
# Column names in error texts, translated only when a line has an error (not once per line).
COLUMN_NAMES = {"destination": gettext_lazy("destination"), "message": gettext_lazy("message")}
Progress = Callable[[str, int, int], None]  # (phase, done, total)
Source = Path | str  # a local file, or the name of a file in the default storage
READ_BLOCK = 1 << 16  # counting lines needs no more; memory stays flat however long a line is


def open_source(source: Source) -> IO[bytes]:
    if isinstance(source, Path):
        return source.open("rb")
    return default_storage.open(source, "rb")


def count_lines(source: Source) -> int:
    """Lines holding more than white space, read in blocks whatever the storage and however long
    a line is (memory stays at one block)."""
    count, open_line = 0, False
    with open_source(source) as handle:
        while block := handle.read(READ_BLOCK):
            *complete, rest = block.split(b"\n")
            for piece in complete:
                count += open_line or bool(piece.strip())
                open_line = False
            open_line = open_line or bool(rest.strip())
    return count + open_line


@dataclass
class Report:
    lines: int = 0  # non-blank lines
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def add(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(_("line %(line)s: %(message)s") % {"line": line, "message": message})

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def check_file_name(name: str) -> str | None:
    if len(name) > 64:
        return _("the file name is %(length)s characters long; at most 64 are allowed") % {
            "length": len(name)
        }
    if " " in name:
        return _("the file name contains spaces")
    if not FILE_NAME.match(name):
        odd = "".join(sorted({c for c in name if not re.match(r"[A-Za-z0-9._-]", c)}))
        return _(
            "the file name contains characters other than letters, digits, . _ - (%(odd)r)"
        ) % {"odd": odd}
    return None


class BadLine(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(_("line %(line)s: %(message)s") % {"line": line, "message": message})
        self.line, self.message = line, message


def max_line_bytes() -> int:
    """The longest line read: a message of ``SMS_MAX_LENGTH`` characters of 4 bytes each, and
    room for the other columns. A longer line is refused after reading this much of it."""
    return 4 * max_length() + LINE_ROOM_BYTES


def lines(source: Source) -> Iterator[tuple[int, str]]:
    """(line number, text) of every non-blank line; BadLine for a line that is not UTF-8 or is
    longer than :func:`max_line_bytes` (read no further than that, whatever its length)."""
    limit = max_line_bytes()
    with open_source(source) as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(limit + 1), b""), start=1):
            if len(raw) > limit and not raw.endswith(b"\n"):
                raise BadLine(
                    number,
                    _(
                        "the line is longer than %(bytes)s bytes (a message may have at most "
                        "%(max)s characters)"
                    )
                    % {"bytes": limit, "max": max_length()},
                )
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise BadLine(
                    number, _("not UTF-8 text (%(reason)s)") % {"reason": exc.reason}
                ) from exc
            text = text.rstrip("\r\n")
            if text.strip():
                yield number, text


def split(text: str) -> list[str]:
    columns = text.split(";")
    if len(columns) > 1 and columns[-1].strip() == "":
        columns.pop()  # trailing ';'
    return columns


# ----------------------------------------------------------------------------------- spool
@dataclass(frozen=True)
class SpoolLine:
    campaign_id: int
    destination: str
    message: str
    priority: int
    idm: str
    data: str


class SpoolReader:
    def __init__(self, user: User) -> None:
        self.campaigns = dict(campaigns_for(user).values_list("name", "pk"))
        self.providers = {  # a campaign's dialer's provider: its own text limit applies
            d.campaign_id: d.provider
            for d in Dialer.objects.filter(campaign_id__in=self.campaigns.values()).select_related(
                "provider"
            )
        }
        self.forbidden = set(settings.SPOOL_FORBIDDEN_CHARACTERS)
        self.forbidden_re = re.compile(f"[{re.escape(settings.SPOOL_FORBIDDEN_CHARACTERS)}]")

    def parse(self, number: int, text: str, report: Report) -> SpoolLine | None:
        columns = split(text)
        if len(columns) < 4:
            report.add(
                number,
                ngettext(
                    "%(count)s column; expected at least 4: campaign;destination;message;priority",
                    "%(count)s columns; expected at least 4: campaign;destination;message;priority",
                    len(columns),
                )
                % {"count": len(columns)},
            )
            return None
        name, destination, message, priority = (c.strip() for c in columns[:4])
        message = columns[2]
        idm = columns[4].strip() if len(columns) > 4 else ""
        data = ";".join(columns[5:]) if len(columns) > 5 else ""
        campaign_id = self.campaigns.get(name)
        problems = []
        if campaign_id is None:
            problems.append(_("unknown campaign “%(name)s”") % {"name": name})
        if not destination:
            problems.append(_("the destination is empty"))
        elif len(destination) > 40:
            problems.append(_("the destination is longer than 40 characters"))
        if not message.strip():
            problems.append(_("the message is empty"))
        else:
            problem = text_problem(message, self.providers.get(campaign_id))
            if problem:
                problems.append(problem)
        for label, value in (("destination", destination), ("idm", idm), ("data", data)):
            found = CONTROL.search(value)
            if found:
                problems.append(
                    _("the %(column)s contains the control character U+%(code)04X")
                    % {"column": COLUMN_NAMES.get(label, label), "code": ord(found.group())}
                )
        if not PRIORITY.fullmatch(priority):
            problems.append(
                _("the priority “%(priority)s” is not a whole number") % {"priority": priority}
            )
        for label, value in (("message", message), ("idm", idm), ("data", data)):
            if value and self.forbidden_re.search(value):
                bad = sorted({c for c in value if c in self.forbidden})
                problems.append(
                    ngettext(
                        "forbidden character %(characters)s in the %(column)s",
                        "forbidden characters %(characters)s in the %(column)s",
                        len(bad),
                    )
                    % {"characters": " ".join(bad), "column": COLUMN_NAMES.get(label, label)}
                )
        if len(idm) > 100:
            problems.append(_("the idm column is longer than 100 characters"))
        for problem in problems:
            report.add(number, problem)
        if problems:
            return None
        return SpoolLine(campaign_id, destination, message, int(priority), idm, data)


class _Rejected(Exception):
    """Raised inside the load transaction when the file had errors: rolls everything back."""


def ingest_spool(
    path: Source, user: User, upload: SpoolUpload | None = None, progress: Progress | None = None
) -> tuple[Report, int]:
    """Check and load in one pass inside one transaction: every line is checked, rows are
    streamed to the table as they pass, and any error rolls the whole file back (stores
    nothing). Returns the report and the rows stored (0 when rejected)."""
    reader, report = SpoolReader(user), Report()
    now = timezone.now()
    upload_id = upload.pk if upload else None
    per_campaign: dict[int, int] = {}
    # Positions are reserved before the COPY starts (no other query can run during a COPY).
    most = count_lines(path)
    state = {"next": reserve_positions(most) if most else 0}

    def position() -> int:
        state["next"] += 1
        return state["next"] - 1

    def rows() -> Iterator[tuple]:
        try:
            for number, text in lines(path):
                report.lines += 1
                parsed = reader.parse(number, text, report)
                if progress and report.lines % PROGRESS_EVERY == 0:
                    progress("loading" if report.ok else "checking", report.lines, 0)
                if parsed is None or not report.ok:
                    continue  # keep checking; nothing of this file will be kept
                per_campaign[parsed.campaign_id] = per_campaign.get(parsed.campaign_id, 0) + 1
                yield (
                    parsed.campaign_id,
                    parsed.destination,
                    parsed.message,
                    parsed.priority,
                    position(),
                    parsed.idm,
                    parsed.data,
                    upload_id,
                )
        except BadLine as exc:
            report.add(exc.line, exc.message)

    try:
        with transaction.atomic():
            stored = _copy_rows(rows(), now)
            if report.lines == 0 and report.ok:
                report.add(0, _("the file has no data lines"))
            if not report.ok:
                raise _Rejected
            adjust({(c, SpoolState.TO_PROCESS): n for c, n in per_campaign.items()})
    except _Rejected:
        return report, 0
    if progress:
        progress("loading", stored, report.lines)
    return report, stored


COLUMNS = (
    "campaign_id",
    "destination",
    "message",
    "priority",
    "position",
    "idm",
    "data",
    "upload_id",
)
FIXED = {
    "state": SpoolState.TO_PROCESS,
    "provider_message_id": "",
    "attempts": 0,
    "error": "",
    "claim": "",
    "fate_unknown": False,
    "delivery_status": "unknown",
}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_BLOCK = 1 << 20


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).translate(_COPY_ESCAPES)


def _copy_rows(rows: Iterator[tuple], now: object) -> int:
    count = 0
    if connection.vendor == "postgresql":
        # COPY's text format, written in 1 MB blocks: memory stays flat whatever the file size.
        names = ", ".join((*COLUMNS, *FIXED, "created_at", "updated_at"))
        tail = "\t" + "\t".join(_copy_text(v) for v in (*FIXED.values(), now, now)) + "\n"
        sql = f"COPY {SpoolRow._meta.db_table} ({names}) FROM STDIN"
        block: list[str] = []
        size = 0
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                line = "\t".join(_copy_text(v) for v in row) + tail
                block.append(line)
                size += len(line)
                count += 1
                if size >= COPY_BLOCK:
                    copy.write("".join(block).encode())
                    block, size = [], 0
            if block:
                copy.write("".join(block).encode())
        return count
    batch: list[SpoolRow] = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        batch.append(SpoolRow(**values, **FIXED, created_at=now, updated_at=now))
        count += 1
        if len(batch) >= 5000:
            SpoolRow.objects.bulk_create(batch)
            batch = []
    SpoolRow.objects.bulk_create(batch)
    return count


# ----------------------------------------------------------------------------------- DNCR
def parse_dncr(
    number: int,
    text: str,
    campaigns: dict[str, int],
    report: Report,
    allow_global: bool = True,
) -> tuple | None:
    columns = split(text)
    phone = columns[0].strip()
    name = columns[1].strip() if len(columns) > 1 else ""
    problems = []
    if not phone:
        problems.append(_("the number is empty"))
    elif not is_phone_number(phone):
        problems.append(_("“%(value)s” is not a phone number") % {"value": phone})
    if name and name not in campaigns:
        problems.append(_("unknown campaign “%(name)s”") % {"name": name})
    elif not name and not allow_global:
        problems.append(
            _("no campaign: only an admin can add a number for every campaign; name one of yours")
        )
    for problem in problems:
        report.add(number, problem)
    return None if problems else (normalise(phone), campaigns.get(name))


def check_dncr(path: Source, user: User) -> Report:
    campaigns, report = dict(campaigns_for(user).values_list("name", "pk")), Report()
    allow_global = may_manage_global(user)
    try:
        for number, text in lines(path):
            report.lines += 1
            parse_dncr(number, text, campaigns, report, allow_global)
    except BadLine as exc:
        report.add(exc.line, exc.message)
    if report.lines == 0 and report.ok:
        report.add(0, _("the file has no data lines"))
    return report


def load_dncr(path: Source, user: User) -> int:
    campaigns, report = dict(campaigns_for(user).values_list("name", "pk")), Report()
    allow_global = may_manage_global(user)
    entries = {parse_dncr(n, t, campaigns, report, allow_global) for n, t in lines(path)}
    entries.discard(None)
    if not report.ok:  # checked before; a file that changed meanwhile stores nothing
        return 0
    with transaction.atomic():
        before = DncrEntry.objects.count()
        batch = [DncrEntry(number=number, campaign_id=campaign) for number, campaign in entries]
        DncrEntry.objects.bulk_create(batch, batch_size=5000, ignore_conflicts=True)
        return DncrEntry.objects.count() - before
