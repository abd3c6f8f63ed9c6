"""OpenAPI schema hooks (drf-spectacular).

Every operation can answer 401/403 (no or a wrong token, a role without the section), operations
that take input can answer 400 naming the fields at fault, and operations on one object 404;
DRF's views answer these on their own, so they are documented here once instead of on each view.
"""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "description": "`detail` (a sentence), or each field at fault with its reasons.",
    "additionalProperties": True,
}
BODY = {"application/json": {"schema": ERROR}}
WITH_INPUT = {"post", "put", "patch"}


def document_error_responses(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            wanted = {
                "401": "No token or session, or an invalid one.",
                "403": "The user's role has no access to this section.",
            }
            if method in WITH_INPUT or operation.get("parameters"):
                wanted["400"] = "Bad input: the fields or parameters at fault, with reasons."
            if "{" in path:
                wanted["404"] = "No such object among those the user may see."
            for code, description in wanted.items():
                responses.setdefault(code, {"description": description, "content": BODY})
    return result
