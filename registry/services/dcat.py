"""The catalog as DCAT-AP 3 RDF, for the portals and harvesters that read DCAT
(ckanext-dcat, national open-data portals): the whole catalog page by page (Hydra paging,
as ckanext-dcat pages it), one entry by content negotiation, and the three small SKOS
vocabularies the registry publishes.

The mapping (README "Speaking DCAT-AP"):

- a published 信息资源 is a ``dcat:Dataset`` at its page's address: 信息资源代码 as
  ``dct:identifier``, name and 摘要 as ``dct:title``/``dct:description`` (``@zh``),
  发布日期 ``dct:issued``, last change ``dct:modified``, 更新周期 as
  ``dct:accrualPeriodicity`` in the EU frequency vocabulary, 共享类型 + 开放属性 as
  ``dct:accessRights`` (a concept of the registry's access-rights scheme, matched to the
  EU access-right vocabulary), the 类 + 项 of its classification as ``dcat:theme`` (the
  registry's classification scheme), keywords, contact point, landing page and licence
  from the provider's publication settings (services/publication.py), its data items as
  a CSVW table schema;
- the providing department is its ``dct:publisher`` (a ``foaf:Agent`` with its
  统一社会信用代码), the 大数据中心 publishes the catalog;
- each interface serving it is a ``dcat:DataService`` and a ``dcat:Distribution``
  reached through it (``dcat:accessURL``); interfaces are government-internal, so an
  anonymous reader gets no distributions (``authz.may_read_registry``).

Who sees what is ``authz.feed_visibility``, as for the CKAN Action API.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from catalog_schemas.catalog import OPEN_TYPES
from catalog_schemas.codes import CATEGORY_NAMES, DATA_TYPES, SHARE_TYPES, SUBJECTS

from ..authz import Actor, Visibility, feed_visibility
from ..errors import NotFound
from ..models import Department, Interface, Resource
from .interfaces import access_url, serving_interfaces
from .publication import Publication, Publisher
from .resources import visibility_clause

ADMS = Namespace("http://www.w3.org/ns/adms#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
EU_FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "vcard": VCARD,
    "skos": SKOS,
    "xsd": XSD,
    "adms": ADMS,
    "csvw": CSVW,
    "hydra": HYDRA,
    "freq": EU_FREQUENCY,
    "euaccess": EU_ACCESS,
    "lang": EU_LANGUAGE,
    "rdf": RDF,
    "rdfs": RDFS,
}

# name → (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),  # pretty-xml drops what list members say
}
MEDIA_TYPES = {media: name for name, (_, media) in FORMATS.items()}

# 更新周期 → the EU frequency vocabulary; a local cycle it does not know is OTHER.
FREQUENCIES = {
    "实时": "UPDATE_CONT",
    "每日": "DAILY",
    "每周": "WEEKLY",
    "每月": "MONTHLY",
    "每季度": "QUARTERLY",
    "每半年": "ANNUAL_2",
    "每年": "ANNUAL",
    "不定期": "IRREG",
    "其他": "OTHER",
}
SHARE_KEYS = dict(zip(SHARE_TYPES, ("unconditional", "conditional", "none"), strict=True))
OPEN_KEYS = dict(zip(OPEN_TYPES, ("open", "conditional", "closed"), strict=True))
# 开放属性 → the EU access-right vocabulary (which speaks of access by the public; the
# 共享类型 refines it for government users, so the match is broader, not exact).
EU_ACCESS_OF_OPEN = dict(zip(OPEN_TYPES, ("PUBLIC", "RESTRICTED", "NON_PUBLIC"), strict=True))
# 数据类型 → CSVW datatype.
CSVW_TYPES = {
    "C": "string",
    "N": "decimal",
    "Y": "decimal",
    "D": "date",
    "T": "dateTime",
    "L": "boolean",
    "M": "string",
    "G": "base64Binary",
    "B": "double",
    "I": "integer",
    "F": "double",
}
_TYPE_CODES = {name: code for code, name in DATA_TYPES.items()}
VOCABULARIES = ("classification", "access-rights", "licence")


def _zh(text: str) -> Literal:
    return Literal(text, lang="zh")


class Triples:
    """The part of rdflib's Graph the builder uses (``add``, iteration), as an ordered
    set: the streamed Turtle needs no index over what it has written, and rdflib's store
    cost more than building the triples."""

    def __init__(self) -> None:
        self._triples: dict[tuple, None] = {}

    def add(self, triple: tuple) -> None:
        self._triples[triple] = None

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


class Dcat:
    """Builds the RDF; one instance per request (or export)."""

    def __init__(self, session: Session, actor: Actor, config: Mapping[str, Any]) -> None:
        self.session = session
        self.actor = actor
        self.config = config
        self.base = config["PUBLIC_BASE_URL"].rstrip("/")
        self.publisher = Publisher(session, config)
        self.visibility: Visibility = feed_visibility(actor, include_private=True)
        self.catalog = URIRef(f"{self.base}/catalog")

    # -- addresses ------------------------------------------------------------------------

    def vocabulary(self, name: str) -> URIRef:
        return URIRef(f"{self.base}/vocab/{name}")

    def concept(self, scheme: str, key: str) -> URIRef:
        return URIRef(f"{self.base}/vocab/{scheme}#{key}")

    def dataset(self, r: Resource) -> URIRef:
        """The entry, as a thing: its page's address with ``#dataset`` (the page, which
        describes it, is a ``foaf:Document``; one address must not name both)."""
        return URIRef(self.publisher.page_url(r) + "#dataset")

    def agent(self, d: Department) -> URIRef:
        return URIRef(f"{self.base}/departments/{d.id}")

    def licence(self, p: Publication) -> URIRef:
        return URIRef(p.licence.url or f"{self.base}/vocab/licence#{p.licence.id}")

    # -- graphs ---------------------------------------------------------------------------

    def new_graph(self) -> Graph:
        g = Graph(store="SimpleMemory")  # no context index: half the cost of adding
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        return g

    def entries(self) -> Select:
        return (
            select(Resource)
            .where(visibility_clause(self.visibility), Resource.status == "published")
            .options(
                selectinload(Resource.provider),
                selectinload(Resource.items),
            )
        )

    def catalog_page(
        self, number: int, size: int, modified_since: datetime | None = None
    ) -> tuple[Graph, Page]:
        """One page of the catalog: the catalog's own description, its entries of that
        page, and where the other pages are (``hydra:PagedCollection``)."""
        stmt = self.entries()
        if modified_since is not None:
            stmt = stmt.where(Resource.updated_at >= modified_since)
        total = self.session.scalar(
            select(func.count()).select_from(stmt.with_only_columns(Resource.id).subquery())
        )
        page = Page(number, size, total)
        entries = self.session.scalars(
            stmt.order_by(Resource.updated_at.desc(), Resource.id.desc())
            .limit(size)
            .offset((number - 1) * size)
        ).all()
        g = self.new_graph()
        self.add_catalog(g)
        self.add_entries(g, entries)
        return g, page

    def add_paging(self, g: Graph, page: Page, url_of) -> None:
        here = URIRef(url_of(page.number))
        g.add((here, RDF.type, HYDRA.PagedCollection))
        g.add((here, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
        g.add((here, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
        g.add((here, HYDRA.firstPage, Literal(url_of(1))))
        g.add((here, HYDRA.lastPage, Literal(url_of(page.last))))
        if page.number > 1:
            g.add((here, HYDRA.previousPage, Literal(url_of(min(page.number, page.last + 1) - 1))))
        if page.number < page.last:
            g.add((here, HYDRA.nextPage, Literal(url_of(page.number + 1))))

    def entry_graph(self, resource_id: int) -> Graph:
        """One published entry, as its page's RDF."""
        entry = self.session.scalar(self.entries().where(Resource.id == resource_id))
        if entry is None:
            raise NotFound(f"信息资源（ID {resource_id}）不存在或未发布")
        g = self.new_graph()
        self.add_entries(g, [entry], in_catalog=False)
        return g

    def add_catalog(self, g: Graph) -> None:
        c, config = self.catalog, self.config
        center = URIRef(f"{self.base}/#publisher")
        g.add((c, RDF.type, DCAT.Catalog))
        g.add((c, DCTERMS.title, _zh(config["CATALOG_TITLE"])))
        g.add((c, DCTERMS.description, _zh(config["CATALOG_DESCRIPTION"])))
        g.add((c, DCTERMS.publisher, center))
        g.add((center, RDF.type, FOAF.Agent))
        g.add((center, RDF.type, FOAF.Organization))
        g.add((center, FOAF.name, _zh(config["CATALOG_CONTACT"]["name"])))
        g.add((c, DCTERMS.language, EU_LANGUAGE.ZHO))
        g.add((EU_LANGUAGE.ZHO, RDF.type, DCTERMS.LinguisticSystem))
        home = URIRef(f"{self.base}/")
        g.add((c, FOAF.homepage, home))
        g.add((home, RDF.type, FOAF.Document))
        g.add((c, DCAT.themeTaxonomy, self.vocabulary("classification")))
        g.add((self.vocabulary("classification"), RDF.type, SKOS.ConceptScheme))
        g.add((self.vocabulary("classification"), DCTERMS.title, _zh("政务信息资源分类（类、项）")))
        modified = self.session.scalar(
            select(func.max(Resource.updated_at)).where(
                visibility_clause(self.visibility), Resource.status == "published"
            )
        )
        if modified is not None:
            g.add((c, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))

    def add_entries(self, g: Graph, entries: Iterable[Resource], in_catalog: bool = True) -> None:
        entries = list(entries)
        interfaces = serving_interfaces(self.session, self.actor, (r.id for r in entries))
        published = self.publisher.build(entries)
        for r in entries:
            ds = self.add_dataset(g, r, interfaces[r.id], published[r.id], in_catalog)
            if in_catalog:
                g.add((self.catalog, DCAT.dataset, ds))

    def add_dataset(
        self,
        g: Graph,
        r: Resource,
        interfaces: list[Interface],
        p: Publication,
        in_catalog: bool = True,
    ) -> URIRef:
        ds = self.dataset(r)
        g.add((ds, RDF.type, DCAT.Dataset))
        g.add((ds, DCTERMS.identifier, Literal(r.code)))
        g.add((ds, DCTERMS.title, _zh(r.name)))
        g.add((ds, DCTERMS.description, _zh(r.summary)))
        g.add((ds, DCTERMS.issued, Literal(r.publish_date, datatype=XSD.date)))
        g.add((ds, DCTERMS.modified, Literal(p.modified, datatype=XSD.dateTime)))
        g.add((ds, DCTERMS.language, EU_LANGUAGE.ZHO))
        g.add((EU_LANGUAGE.ZHO, RDF.type, DCTERMS.LinguisticSystem))
        frequency = EU_FREQUENCY[FREQUENCIES.get(r.update_cycle, "OTHER")]
        g.add((ds, DCTERMS.accrualPeriodicity, frequency))
        g.add((frequency, RDF.type, DCTERMS.Frequency))
        rights = self.concept(
            "access-rights", f"{SHARE_KEYS[r.share_type]}-{OPEN_KEYS[r.open_type]}"
        )
        g.add((ds, DCTERMS.accessRights, rights))
        self._access_right(g, rights, r.share_type, r.open_type)
        theme = self._theme(g, r.classification_code)
        if theme is not None:
            g.add((ds, DCAT.theme, theme))
        for keyword in p.keywords:
            g.add((ds, DCAT.keyword, _zh(keyword)))
        landing = URIRef(p.landing_page)
        g.add((ds, DCAT.landingPage, landing))
        g.add((landing, RDF.type, FOAF.Document))
        g.add((ds, DCTERMS.publisher, self._agent(g, r.provider)))
        g.add((ds, DCAT.contactPoint, self._contact(g, p)))
        if r.items:
            g.add((ds, CSVW.tableSchema, self._table_schema(g, r)))
        for interface in interfaces:
            self._distribution(g, ds, r, interface, p, in_catalog)
        return ds

    # -- parts ----------------------------------------------------------------------------

    def _agent(self, g: Graph, d: Department) -> URIRef:
        agent = self.agent(d)
        g.add((agent, RDF.type, FOAF.Agent))
        g.add((agent, RDF.type, FOAF.Organization))
        g.add((agent, FOAF.name, _zh(d.name)))
        g.add((agent, DCTERMS.identifier, Literal(d.code)))
        identifier = BNode(f"credit-code-{d.id}")
        g.add((agent, ADMS.identifier, identifier))
        g.add((identifier, RDF.type, ADMS.Identifier))
        g.add((identifier, SKOS.notation, Literal(d.code)))
        g.add((identifier, ADMS.schemaAgency, _zh("统一社会信用代码（GB 32100）")))
        return agent

    def _contact(self, g: Graph, p: Publication) -> BNode:
        contact = BNode()
        g.add((contact, RDF.type, VCARD.Kind))
        g.add((contact, RDF.type, VCARD.Organization))
        g.add((contact, VCARD.fn, _zh(p.contact.name)))
        if p.contact.email:
            g.add((contact, VCARD.hasEmail, URIRef(f"mailto:{p.contact.email}")))
        if p.contact.phone:
            phone = "".join(p.contact.phone.split())
            g.add((contact, VCARD.hasTelephone, URIRef(f"tel:{phone}")))
        return contact

    def _theme(self, g: Graph, classification_code: str) -> URIRef | None:
        category, subject = classification_code[:1], classification_code[1:3]
        if category not in CATEGORY_NAMES:
            return None
        top = self.add_classification_concept(g, category)
        if subject not in SUBJECTS[category]:
            return top
        return self.add_classification_concept(g, category + subject)

    def add_classification_concept(self, g: Graph, code: str) -> URIRef:
        scheme = self.vocabulary("classification")
        concept = self.concept("classification", code)
        label = CATEGORY_NAMES[code] if len(code) == 1 else SUBJECTS[code[0]][code[1:3]]
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.prefLabel, _zh(label)))
        g.add((concept, SKOS.notation, Literal(code)))
        g.add((concept, SKOS.inScheme, scheme))
        if len(code) > 1:
            g.add((concept, SKOS.broader, self.concept("classification", code[0])))
        else:
            g.add((concept, SKOS.topConceptOf, scheme))
        return concept

    def _access_right(self, g: Graph, concept: URIRef, share_type: str, open_type: str) -> None:
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, RDF.type, DCTERMS.RightsStatement))
        g.add((concept, SKOS.prefLabel, _zh(f"{share_type}，{open_type}")))
        g.add((concept, SKOS.inScheme, self.vocabulary("access-rights")))
        g.add((concept, SKOS.broadMatch, EU_ACCESS[EU_ACCESS_OF_OPEN[open_type]]))

    def _licence(self, g: Graph, p: Publication) -> URIRef:
        licence = self.licence(p)
        g.add((licence, RDF.type, DCTERMS.LicenseDocument))
        g.add((licence, DCTERMS.title, _zh(p.licence.title)))
        return licence

    def _table_schema(self, g: Graph, r: Resource) -> BNode:
        schema = BNode()
        g.add((schema, RDF.type, CSVW.Schema))
        columns = []
        for item in r.items:
            column = BNode()
            g.add((column, RDF.type, CSVW.Column))
            g.add((column, CSVW.name, Literal(item.name)))
            g.add((column, CSVW.title, _zh(item.name)))
            kind = CSVW_TYPES.get(_TYPE_CODES.get(item.data_type, ""), "string")
            g.add((column, CSVW.datatype, Literal(kind)))
            if item.length:
                g.add((column, CSVW.maxLength, Literal(item.length, datatype=XSD.integer)))
            if item.description:
                g.add((column, DCTERMS.description, _zh(item.description)))
            columns.append(column)
        # The columns in order, as an rdf:List (written out: rdflib's Collection reads
        # the graph back at each append).
        head = nodes = BNode()
        for n, column in enumerate(columns):
            g.add((nodes, RDF.first, column))
            rest = BNode() if n + 1 < len(columns) else RDF.nil
            g.add((nodes, RDF.rest, rest))
            nodes = rest
        g.add((schema, CSVW.column, head))
        return schema

    def _distribution(
        self, g: Graph, ds: URIRef, r: Resource, i: Interface, p: Publication, in_catalog: bool
    ) -> None:
        url = URIRef(access_url(i, r, self.base))
        g.add((url, RDF.type, RDFS.Resource))  # the shapes' range, stated (no inference)
        page = self.publisher.page_url(r)
        service = URIRef(f"{page}#service-{i.id}")
        distribution = URIRef(f"{page}#distribution-{i.id}")
        licence = self._licence(g, p)
        g.add((service, RDF.type, DCAT.DataService))
        g.add((service, DCTERMS.title, _zh(i.name)))
        g.add((service, DCAT.endpointURL, url))
        g.add((service, DCAT.servesDataset, ds))
        g.add((service, DCTERMS.license, licence))
        g.add((service, DCAT.contactPoint, self._contact(g, p)))
        if in_catalog:
            g.add((self.catalog, DCAT.service, service))
        g.add((ds, DCAT.distribution, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, _zh(i.name)))
        kind = f"{i.kind}接口" + (f"（{i.protocol}）" if i.protocol else "")
        connected = "已接入" if i.platform_connected else "未接入"
        g.add((distribution, DCTERMS.description, _zh(f"{connected}县共享交换平台的{kind}")))
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.accessService, service))
        g.add((distribution, DCTERMS.license, licence))
        g.add((distribution, DCTERMS.modified, Literal(i.updated_at, datatype=XSD.dateTime)))

    # -- the vocabularies -----------------------------------------------------------------

    def vocabulary_graph(self, name: str) -> Graph:
        if name not in VOCABULARIES:
            raise NotFound(f"词表“{name}”不存在")
        g = self.new_graph()
        scheme = self.vocabulary(name)
        g.add((scheme, RDF.type, SKOS.ConceptScheme))
        if name == "classification":
            g.add((scheme, DCTERMS.title, _zh("政务信息资源分类（类、项）")))
            for category, subjects in SUBJECTS.items():
                g.add((scheme, SKOS.hasTopConcept, self.concept(name, category)))
                self.add_classification_concept(g, category)
                for subject in subjects:
                    self.add_classification_concept(g, category + subject)
        elif name == "access-rights":
            g.add((scheme, DCTERMS.title, _zh("共享类型与开放属性")))
            for share_type in SHARE_TYPES:
                for open_type in OPEN_TYPES:
                    key = f"{SHARE_KEYS[share_type]}-{OPEN_KEYS[open_type]}"
                    self._access_right(g, self.concept(name, key), share_type, open_type)
                    g.add((scheme, SKOS.hasTopConcept, self.concept(name, key)))
        else:
            g.add((scheme, DCTERMS.title, _zh("许可协议")))
            for key, value in self.config["CATALOG_LICENSES"].items():
                concept = self.concept(name, key)
                g.add((concept, RDF.type, SKOS.Concept))
                g.add((concept, RDF.type, DCTERMS.LicenseDocument))
                g.add((concept, SKOS.prefLabel, _zh(value["title"])))
                g.add((concept, SKOS.notation, Literal(key)))
                g.add((concept, SKOS.inScheme, scheme))
                g.add((scheme, SKOS.hasTopConcept, concept))
                if value.get("url"):
                    g.add((concept, SKOS.exactMatch, URIRef(value["url"])))
        return g

    # -- the whole catalog, streamed ------------------------------------------------------

    def stream_turtle(self, batch: int = 500) -> Iterator[str]:
        """The whole visible catalog as one Turtle document, built and written a batch of
        entries at a time, so memory holds one batch whatever the catalog's size. Each
        batch's graph is serialised alone with the prefixes declared once at the top (its
        blank nodes are fresh, so labels never collide between batches)."""
        yield turtle_header()
        head = Triples()
        self.add_catalog(head)
        yield turtle(head)
        last_id = 0
        while True:
            entries = self.session.scalars(
                self.entries().where(Resource.id > last_id).order_by(Resource.id).limit(batch)
            ).all()
            if not entries:
                return
            g = Triples()
            self.add_entries(g, entries)
            yield "\n" + turtle(g)
            last_id = entries[-1].id
            self.session.expunge_all()


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_BY_NAMESPACE = sorted(((str(ns), p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


@functools.lru_cache(maxsize=4096)  # the vocabulary terms; entries do not repeat
def _iri(node: URIRef) -> str:
    if node == RDF.type:
        return "a"
    iri = str(node)
    for ns, prefix in _BY_NAMESPACE:
        if iri.startswith(ns) and _NAME.fullmatch(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return node.n3()


def _term(node: Any) -> str:
    if isinstance(node, URIRef):
        return _iri(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    text = node.n3()
    if node.datatype is not None:  # "2026-01-15"^^xsd:date, not the datatype's full IRI
        text = text.replace(f"^^<{node.datatype}>", f"^^{_iri(node.datatype)}")
    return text


def turtle(g: Graph | Triples) -> str:
    """A graph as Turtle, one subject at a time with its predicates grouped, prefixes
    from PREFIXES (declared by the caller). rdflib's own Turtle writer nests blank nodes
    and sorts, and took two thirds of the time at a county's size; this one is linear."""
    by_subject: dict[Any, list[tuple[Any, Any]]] = {}
    for s, p, o in g:
        by_subject.setdefault(s, []).append((p, o))
    out = []
    for s, pairs in by_subject.items():
        pairs.sort(key=lambda pair: (pair[0] != RDF.type, pair[0]))
        body = " ;\n    ".join(f"{_term(p)} {_term(o)}" for p, o in pairs)
        out.append(f"{_term(s)} {body} .\n")
    return "\n".join(out)


def turtle_header() -> str:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()) + "\n"


def serialize(g: Graph, fmt: str) -> str:
    rdf_format = FORMATS[fmt][0]
    if rdf_format == "turtle":
        return turtle_header() + turtle(g)
    if rdf_format == "json-ld":
        context = {p: str(ns) for p, ns in PREFIXES.items()}
        return g.serialize(format="json-ld", context=context, auto_compact=True)
    return g.serialize(format=rdf_format)


def negotiate(accept: Any) -> str | None:
    """The RDF format an ``Accept`` header (werkzeug's MIMEAccept) prefers, or None for
    the page. text/html is listed first, so it wins ties (a browser's ``*/*``)."""
    best = accept.best_match(["text/html", *MEDIA_TYPES])
    return MEDIA_TYPES.get(best)
