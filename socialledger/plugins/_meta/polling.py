"""What polling the Graph API shares between Facebook and Instagram: a list's `data`, and looking one item up.

Paging is `socialledger.channels.follow` with `graph_next`, as every channel's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from socialledger.channels import ApiClient, ApiError, Kind, ModerationRecord


def look_up(channel: str, client: ApiClient, native_id: str, kind: Kind, page_id: str,
            observed: datetime) -> ModerationRecord | None:
    """None while the item is there; a removal (content kept) when Graph says it does not exist.

    Graph answers a deleted object with code 100, subcode 33 ("does not exist, cannot be
    loaded due to missing permissions"), or HTTP 404. Any other failure raises: nothing is
    recorded and the next round asks again.
    """
    try:
        client.get(native_id, {"fields": "id"})
    except ApiError as e:
        if e.status == 404 or (e.code == 100 and e.subcode == 33):
            return ModerationRecord(
                channel=channel, kind=kind, source="api", action="remove", native_id=native_id, observed=observed,
                page_id=page_id, raw={"error": {"code": e.code, "error_subcode": e.subcode, "message": e.message}},
                if_held=True,
            )
        raise
    return None


def data(doc: Any) -> list[dict[str, Any]]:
    d = doc.get("data") if isinstance(doc, dict) else None
    return [x for x in d if isinstance(x, dict)] if isinstance(d, list) else []
