"""The catalog as plain records for the writers: what an actor may see, filtered, with
what reusers expect beside the 编制指南 fields (licence, contact point, keywords, last
change, landing page: services/publication.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy.orm import Session, selectinload

from ..authz import Actor
from ..models import Resource
from .publication import Publisher
from .resources import CATALOG_FIELDS, ITEM_FIELDS, list_resources

BATCH = 500


def export_records(
    session: Session, actor: Actor, config: Mapping[str, Any], **filters: Any
) -> Iterator[dict[str, Any]]:
    publisher = Publisher(session, config)
    stmt = (
        list_resources(actor, **filters)
        .order_by(Resource.id)
        .options(selectinload(Resource.items), selectinload(Resource.provider))
        .execution_options(yield_per=BATCH)
    )
    n = 0
    for batch in session.scalars(stmt).partitions():
        publication = publisher.build(batch)
        for r in batch:
            n += 1
            rec = {f: getattr(r, f) for f in CATALOG_FIELDS}
            rec["publish_date"] = r.publish_date.isoformat()
            rec.update(
                key=n,
                code=r.code,
                provider_name=r.provider.name,
                provider_code=r.provider.code,
                system_codes=sorted(s.code for s in r.systems),
                **publication[r.id].as_record(),
                items=[
                    {f: getattr(i, f) for f in ITEM_FIELDS if getattr(i, f) is not None}
                    for i in r.items
                ],
            )
            yield {k: v for k, v in rec.items() if v not in (None, [])}
