"""CSV cells that a spreadsheet will not run: a cell starting with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return, which some spreadsheets skip before reading a formula) gets a
leading apostrophe (OWASP's advice). Customers write the message text, so every export and
download passes text through here; the SQL form does the same inside PostgreSQL's COPY.

Numbers are stored by the portal itself (E.164, ``+34…``) and are left as they are.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(TRIGGERS) else text


def safe_sql(expression: str) -> str:
    """The SQL expression ``expression`` (text) neutralised like ``safe_cell``."""
    return (
        f"CASE WHEN left({expression}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )
