"""The catalog as plain records for the writers: what an actor may see, filtered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session, selectinload

from ..authz import Actor
from ..models import Resource
from .resources import CATALOG_FIELDS, ITEM_FIELDS, list_resources


def export_records(session: Session, actor: Actor, **filters: Any) -> Iterator[dict[str, Any]]:
    stmt = (
        list_resources(actor, **filters)
        .order_by(Resource.id)
        .options(selectinload(Resource.items))
        .execution_options(yield_per=500)
    )
    for n, r in enumerate(session.scalars(stmt), start=1):
        rec = {f: getattr(r, f) for f in CATALOG_FIELDS}
        rec["publish_date"] = r.publish_date.isoformat()
        rec.update(
            key=n,
            code=r.code,
            provider_name=r.provider.name,
            provider_code=r.provider.code,
            system_codes=sorted(s.code for s in r.systems),
            items=[
                {f: getattr(i, f) for f in ITEM_FIELDS if getattr(i, f) is not None}
                for i in r.items
            ],
        )
        yield {k: v for k, v in rec.items() if v not in (None, [])}
