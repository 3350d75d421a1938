"""DCAT-AP (issue #16), on SQLite and PostgreSQL: the demo county's catalog, paged over
HTTP as a harvester reads it, validates against the official DCAT-AP 3.0.0 SHACL shapes
(tests/data/dcat-ap-3.0.0, CC-BY 4.0) with no result of any severity; our own Turtle
read back holds every entry; one entry by content negotiation; who sees what as the
CKAN Action API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pyshacl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS
from sqlalchemy import select, update

from registry.authz import Actor
from registry.db import db
from registry.models import Department, Resource, interface_resources
from registry.services.exports import export_records
from registry.services.interfaces import serving_interfaces

SHAPES = Path(__file__).parent.parent / "data" / "dcat-ap-3.0.0"
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for name in ("dcat-ap-SHACL.ttl", "range.ttl"):
        g.parse(SHAPES / name, format="turtle")
    return g


def _violations(data: Graph, shapes: Graph) -> str | None:
    conforms, _, text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=False
    )
    return None if conforms else text


def _harvest(base: str, token: str | None = None, fmt: str = "ttl", **params) -> Graph:
    """Every page of /catalog.ttl, following hydra:nextPage as ckanext-dcat does."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    merged, url, pages = Graph(), f"{base}/catalog.{fmt}", 0
    kind = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}[fmt]
    while url:
        r = httpx.get(url, params=params if pages == 0 else None, headers=headers, timeout=60)
        assert r.status_code == 200, r.text
        page = Graph().parse(data=r.text, format=kind)
        merged += page
        pages += 1
        following = list(page.objects(None, HYDRA.nextPage))
        url = str(following[0]).replace("http://127.0.0.1:8000", base) if following else None
        assert pages < 100
    return merged


def _codes(g: Graph) -> set[str]:
    return {str(g.value(ds, DCTERMS.identifier)) for ds in g.subjects(RDF.type, DCAT.Dataset)}


def test_the_county_catalog_validates_and_reads_back(county, site, shapes, tmp_path):
    app, base = county["app"], county["base"]
    with app.app_context():
        public = {r["code"] for r in export_records(db.session, Actor.anonymous(), app.config)}
        published = set(
            db.session.scalars(select(Resource.code).where(Resource.status == "published"))
        )

    anonymous = _harvest(base)
    assert _codes(anonymous) == public and county["closed"]["code"] not in public
    # Interfaces are government-internal: no distribution without signing in.
    assert not list(anonymous.subjects(RDF.type, DCAT.Distribution))
    assert _violations(anonymous, shapes) is None

    signed_in = _harvest(base, site.world.tokens["auditor"])
    assert _codes(signed_in) == published
    assert county["draft"]["code"] not in _codes(signed_in)
    distributions = list(signed_in.subjects(RDF.type, DCAT.Distribution))
    assert len(distributions) > 100
    assert _violations(signed_in, shapes) is None

    # The vocabularies the entries use, as published.
    for name in ("classification", "access-rights", "licence"):
        r = httpx.get(f"{base}/vocab/{name}", timeout=30)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
        vocab = Graph().parse(data=r.text, format="turtle")
        assert _violations(vocab, shapes) is None
        for concept in vocab.subjects(RDF.type, SKOS.Concept):
            assert vocab.value(concept, SKOS.prefLabel).language == "zh"
        # Every concept an entry points to is in the published scheme.
        scheme = f"http://127.0.0.1:8000/vocab/{name}"
        used = {
            o
            for p in (DCAT.theme, DCTERMS.accessRights, DCTERMS.license)
            for o in signed_in.objects(None, p)
            if str(o).startswith(scheme + "#")
        }
        assert used and used <= set(vocab.subjects(SKOS.inScheme, URIRef(scheme))), name

    # Round trip: the whole catalog streamed by the command line, read back.
    out = tmp_path / "catalog.ttl"
    result = app.test_cli_runner().invoke(args=["export", "--format", "ttl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    streamed = Graph().parse(out, format="turtle")
    assert _codes(streamed) == published
    with app.app_context():
        for r in db.session.scalars(select(Resource).where(Resource.status == "published")):
            ds = URIRef(f"http://127.0.0.1:8000/resources/{r.id}#dataset")
            assert streamed.value(ds, DCTERMS.title) == Literal(r.name, lang="zh")
            assert streamed.value(ds, DCTERMS.description) == Literal(r.summary, lang="zh")
            assert str(streamed.value(ds, DCTERMS.accrualPeriodicity)).startswith(EU_FREQUENCY)
            publisher = streamed.value(ds, DCTERMS.publisher)
            assert str(streamed.value(publisher, DCTERMS.identifier)) == r.provider.code
            schema = streamed.value(ds, CSVW.tableSchema)
            if r.items:
                columns = list(Collection(streamed, streamed.value(schema, CSVW.column)))
                names = [str(streamed.value(c, CSVW.name)) for c in columns]
                assert names == [i.name for i in r.items]
            else:
                assert schema is None


def test_paging_and_modified_since(county, site):
    app, base = county["app"], county["base"]
    first = Graph().parse(data=httpx.get(f"{base}/catalog.ttl", timeout=60).text, format="turtle")
    (page,) = first.subjects(RDF.type, HYDRA.PagedCollection)
    total = int(first.value(page, HYDRA.totalItems))
    size = int(first.value(page, HYDRA.itemsPerPage))
    assert size == app.config["DCAT_PAGE_SIZE"] and total > size
    assert len(_codes(first)) == size
    last = str(first.value(page, HYDRA.lastPage))
    assert last.endswith(f"page={-(-total // size)}")
    assert first.value(page, HYDRA.previousPage) is None

    # The harvester's incremental run: only what changed since.
    with app.app_context():
        cutoff = datetime.now(UTC) - timedelta(days=400)
        db.session.execute(update(Resource).values(updated_at=cutoff - timedelta(days=1)))
        fresh = db.session.scalars(
            select(Resource)
            .where(Resource.status == "published", Resource.open_type != "不予开放")
            .order_by(Resource.id)
            .limit(3)
        ).all()
        for r in fresh:
            r.updated_at = cutoff + timedelta(days=1)
        db.session.commit()
        expected = {r.code for r in fresh}
    since = _harvest(base, modified_since=cutoff.isoformat())
    assert _codes(since) == expected

    for bad in ("page=0", "page=x", "modified_since=昨天"):
        r = httpx.get(f"{base}/catalog.ttl?{bad}", timeout=30)
        assert r.status_code == 400, bad
    # Past the last page: no entries, and the way back.
    beyond = Graph().parse(
        data=httpx.get(f"{base}/catalog.ttl?page=999", timeout=30).text, format="turtle"
    )
    assert not _codes(beyond) and list(beyond.objects(None, HYDRA.previousPage))


def test_one_entry_by_content_negotiation(county, site):
    app, base = county["app"], county["base"]
    with app.app_context():
        entry = db.session.scalar(
            select(Resource)
            .where(
                Resource.status == "published",
                Resource.open_type != "不予开放",
                Resource.id.in_(select(interface_resources.c.resource_id)),
            )
            .order_by(Resource.id)
        )
        entry_id, code, name = entry.id, entry.code, entry.name
        dept = db.session.get(Department, entry.provider_department_id)
        dept.contact_name, dept.contact_email = "数据科", "data@example.gov.cn"
        dept.licence_id = "cc-by-4.0"
        db.session.commit()
    url = f"{base}/resources/{entry_id}"
    ds = URIRef(f"http://127.0.0.1:8000/resources/{entry_id}#dataset")
    for accept, kind in (
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml;q=0.9, text/html;q=0.5", "xml"),
    ):
        r = httpx.get(url, headers={"Accept": accept}, timeout=30)
        assert r.status_code == 200 and "Accept" in r.headers["vary"], accept
        g = Graph().parse(data=r.text, format=kind)
        assert str(g.value(ds, DCTERMS.identifier)) == code, accept
        assert g.value(ds, DCTERMS.title) == Literal(name, lang="zh")
        # The entry is #dataset; its page (the landing page here) is the document.
        page_iri = URIRef(f"http://127.0.0.1:8000/resources/{entry_id}")
        assert g.value(ds, DCAT.landingPage) == page_iri
        assert (page_iri, RDF.type, FOAF.Document) in g
        assert (ds, RDF.type, FOAF.Document) not in g
        contact = g.value(ds, DCAT.contactPoint)
        assert str(g.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail"))) == (
            "mailto:data@example.gov.cn"
        )
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = httpx.get(url, headers={"Accept": browser}, timeout=30)
    assert page.headers["content-type"].startswith("text/html") and name in page.text
    assert (
        httpx.get(url, headers={"Accept": "*/*"}, timeout=30)
        .headers["content-type"]
        .startswith("text/html")
    )
    suffixed = httpx.get(f"{url}.ttl", timeout=30)
    assert Graph().parse(data=suffixed.text, format="turtle").value(ds, DCTERMS.identifier)

    # A draft, and an entry not open to the public for an anonymous reader: 404.
    for hidden in (county["draft"]["id"], county["closed"]["id"]):
        r = httpx.get(f"{base}/resources/{hidden}.ttl", timeout=30)
        assert r.status_code == 404
    token = site.world.tokens["auditor"]
    r = httpx.get(
        f"{base}/resources/{county['closed']['id']}.ttl",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert r.status_code == 200
    # The same reader, the same rule through CKAN: interfaces only when signed in.
    show = f"{base}/api/3/action/package_show?id={code}"
    assert httpx.get(show, timeout=30).json()["result"]["resources"] == []
    signed = httpx.get(show, headers={"Authorization": token}, timeout=30).json()["result"]
    with app.app_context():
        count = len(serving_interfaces(db.session, Actor.system(), [entry_id])[entry_id])
    assert count and len(signed["resources"]) == count
