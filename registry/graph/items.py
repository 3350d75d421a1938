"""Overlap from the data items themselves (Art. 9(6) 重复交叉建设).

Most of what two systems built twice hold is line-of-business data no dictionary names
(案件编号, 案发地址, 结案时间…), so the element overlap misses it. Here every collected
item name becomes a *key*: the element it matches when the matcher accepts one (so
身份证号 and 公民身份号码 agree), otherwise its normalised name with role prefixes
stripped where the rest is a known item and its ending folded (案件编号 and 案件号 are
``案件#id``).

Keys are weighted by how rare they are (idf over the scope's resources). Two kinds of key
carry no weight at all, because they make every pair look alike:

* elements of the generic family (联系电话, 备注, 办理状态…), and
* keys (and bigrams) held by more than ``bound`` resources: an item every tenth
  resource has says nothing about two systems building the same thing.

The bound is also what keeps the comparison from being all-pairs: candidate pairs come
from an inverted index of the weighted bigrams, whose posting lists the bound keeps
short, and every rule needs a shared weighted bigram, so the index finds exactly the
pairs an all-pairs scan with the same rule would (``overlapping_systems_all_pairs`` is
that scan, for tests and the benchmark).

Pure: the graph builder feeds it names from SQL; tests and the evaluation feed it YAML.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from catalog_schemas.matching import (
    Matcher,
    bigrams,
    canonical,
    normalise,
    split_ending,
    strip_role,
)

GENERIC_FAMILY = "通用"


class ItemKeys:
    """Item name → key, cached per distinct name (a province has a few thousand).

    The registry passes the element each item was matched to (accepted matches only);
    without one, ``matcher`` decides, when given (the evaluation has no database)."""

    def __init__(
        self,
        generic: Iterable[str],
        matcher: Matcher | None = None,
    ) -> None:
        self.generic = frozenset(generic)
        self.matcher = matcher
        self._cache: dict[tuple[str, str | None], str | None] = {}
        self.known: set[str] = set()  # keys seen as whole names, for role stripping

    @classmethod
    def for_matcher(cls, matcher: Matcher, generic_family: str = GENERIC_FAMILY) -> ItemKeys:
        generic = (e.identifier for e in matcher.elements.values() if e.family == generic_family)
        return cls(generic, matcher)

    def learn(self, names: Iterable[str]) -> None:
        """Remember the scope's plain item names, so 申请人案件编号 can reduce to 案件编号."""
        for name in names:
            self.known.add(canonical(normalise(name)))

    def __call__(self, name: str, element: str | None = None) -> str | None:
        """The key; None for an element of the generic family (it says nothing)."""
        if (name, element) not in self._cache:
            self._cache[(name, element)] = self._key(name, element)
        return self._cache[(name, element)]

    def _key(self, name: str, element: str | None) -> str | None:
        if element is None and self.matcher is not None:
            m = self.matcher.match(name)
            element = m.identifier if m.accepted(self.matcher.threshold) else None
        if element is not None:
            return None if element in self.generic else f"element:{element}"
        key = canonical(normalise(name))
        while (shorter := strip_role(key)) != key and shorter in self.known:
            key = shorter
        stem, kind = split_ending(key)
        return f"{stem}#{kind}" if kind else key


@dataclass(frozen=True)
class Thresholds:
    """When two systems overlap (config/defaults.py explains each)."""

    min_aligned: int = 3  # aligned items a system or resource pair needs at least
    system_jaccard: float = 0.15  # weighted Jaccard of the systems' aligned items
    resource_jaccard: float = 0.4  # of the best pair of their resources
    text_jaccard: float = 0.15  # of the character bigrams of all their items
    item_similarity: float = 0.5  # two item names align from this bigram Dice up
    bound_min: int = 15  # a key or bigram held by more resources than the bound…
    bound_share: float = 0.05  # …max(bound_min, share × resources) weighs nothing


@dataclass(frozen=True)
class Weights:
    """idf over the scope's resources of every key and bigram that may count; the rest
    (held by more than ``bound`` resources) weigh nothing."""

    weight: Mapping[str, float]
    bound: int
    total: int
    dropped: int  # keys and bigrams over the bound

    @classmethod
    def from_frequencies(
        cls, frequency: Mapping[str, int], total: int, *, bound_min: int, bound_share: float
    ) -> Weights:
        bound = max(bound_min, math.ceil(bound_share * total))
        weight = {
            k: math.log((total + 1) / (df + 1)) + 1.0
            for k, df in frequency.items()
            if 0 < df <= bound
        }
        return cls(weight, bound, total, len(frequency) - len(weight))


@dataclass(frozen=True)
class Similarity:
    """How alike two units are: items aligned one to one (案件编号 ↔ 案件号), their
    weighted Jaccard and containment."""

    a: str
    b: str
    aligned: tuple[tuple[str, str, float], ...]  # (key in a, key in b, item similarity)
    jaccard: float
    containment: float


@lru_cache(maxsize=65536)
def grams(key: str) -> frozenset[str]:
    """A key's character bigrams, marked with ``~`` so a two-character key and the bigram
    that spells it are not one token (an element is one token): 案件#id → {~案件}."""
    if key.startswith("element:"):
        return frozenset(("~" + key,))
    stem = key.split("#", 1)[0]
    return frozenset("~" + stem[i : i + 2] for i in range(len(stem) - 1)) or frozenset(
        ("~" + stem,)
    )


def item_similarity(x: str, y: str) -> float:
    """1 for the same key; else the Dice coefficient of the stems' character bigrams when
    both end alike (家庭人口数 ~ 家庭人口, 保障金额 ~ 月保障金). Elements only equal."""
    if x == y:
        return 1.0
    if x.startswith("element:") or y.startswith("element:"):
        return 0.0
    if x.partition("#")[2] != y.partition("#")[2]:
        return 0.0
    gx, gy = grams(x), grams(y)
    return round(2 * len(gx & gy) / (len(gx) + len(gy)), 3)


class Comparer:
    """Aligns two units' weighted keys and measures them.

    Each key's alike keys (similarity from ``item_threshold`` up) are found once, through
    the bigrams they share, so aligning two units looks up neighbours instead of
    comparing every key of one with every key of the other."""

    def __init__(self, weights: Weights, item_threshold: float) -> None:
        self.w = weights.weight
        keys = [k for k in self.w if not k.startswith("~")]
        holders: dict[str, list[str]] = defaultdict(list)
        for k in keys:
            for g in grams(k):
                holders[g].append(k)
        self.near: dict[str, dict[str, float]] = {}
        for k in keys:
            near = {}
            for other in {o for g in grams(k) for o in holders[g]}:
                if (s := item_similarity(k, other)) >= item_threshold:
                    near[other] = s
            self.near[k] = near

    def measure(self, a: str, b: str, x: frozenset[str], y: frozenset[str]) -> Similarity:
        w = self.w
        links = sorted(
            ((s, kx, ky) for kx in x for ky, s in self.near[kx].items() if ky in y),
            key=lambda t: (-t[0], t[1], t[2]),
        )
        used_x, used_y, aligned, mass = set(), set(), [], 0.0
        for s, kx, ky in links:  # greedy one to one, the most alike first
            if kx in used_x or ky in used_y:
                continue
            used_x.add(kx)
            used_y.add(ky)
            aligned.append((kx, ky, s))
            mass += s * (w[kx] + w[ky]) / 2
        wx, wy = sum(w[k] for k in x), sum(w[k] for k in y)
        return Similarity(
            a,
            b,
            tuple(aligned),
            round(mass / (wx + wy - mass), 3) if mass else 0.0,
            round(mass / min(wx, wy), 3) if mass else 0.0,
        )

    def text(self, x: frozenset[str], y: frozenset[str]) -> float:
        """Weighted Jaccard of two bigram sets."""
        w = self.w
        union = sum(w[g] for g in x | y)
        return round(sum(w[g] for g in x & y) / union, 3) if union else 0.0


@dataclass(frozen=True)
class SystemOverlap:
    """Why two systems look built twice: each dimension, and which crossed its bound."""

    a: str
    b: str
    items: Similarity  # the systems' items aligned
    resources: Similarity | None  # the best pair of their resources
    text: float  # bigrams of all their items
    crossed: tuple[str, ...]  # of "items", "resources", "text"


@dataclass
class Catalog:
    """What the comparison reads: each resource's system and the keys of the items it
    collects (obtained ones are sharing, not building twice).

    ``total`` and ``stop`` let a caller leave out the rows of keys it already knows are
    over the bound (the registry does, so a province's common items are never read):
    ``total`` is then the scope's real number of resources and ``stop`` those keys. Every
    bigram of a stop key is over the bound too (it is in at least as many resources)."""

    resources: dict[str, tuple[str, frozenset[str]]]
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # (system, key) → name
    total: int | None = None
    stop: frozenset[str] = frozenset()

    @classmethod
    def from_items(
        cls,
        rows: Iterable[tuple[str, str, str, str | None]],
        keys: ItemKeys,
        *,
        total: int | None = None,
        stop: Iterable[str] = (),
    ) -> Catalog:
        """(resource, system, collected item name, element or None) rows → a catalog."""
        resources: dict[str, tuple[str, set[str]]] = {}
        names: dict[tuple[str, str], str] = {}
        for resource, system, name, element in rows:
            key = keys(name, element)
            entry = resources.setdefault(resource, (system, set()))
            if key:
                entry[1].add(key)
                names.setdefault((system, key), name)
        return cls(
            {r: (s, frozenset(k)) for r, (s, k) in resources.items()},
            names,
            total,
            frozenset(stop),
        )

    def weights(self, t: Thresholds) -> Weights:
        frequency: Counter[str] = Counter()
        for _, keys in self.resources.values():
            frequency.update(keys)
            frequency.update({g for k in keys for g in grams(k)})
        over = self.stop | {g for k in self.stop for g in grams(k)}
        for k in over:
            frequency.pop(k, None)
        return Weights.from_frequencies(
            frequency,
            self.total if self.total is not None else len(self.resources),
            bound_min=t.bound_min,
            bound_share=t.bound_share,
        )


class _Profiles:
    def __init__(self, catalog: Catalog, t: Thresholds) -> None:
        self.t = t
        self.weights = catalog.weights(t)
        w = self.weights.weight
        self.compare = Comparer(self.weights, t.item_similarity)
        self.resources: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
        for r, (system, keys) in catalog.resources.items():
            self.resources[system][r] = frozenset(k for k in keys if k in w)
        self.items = {s: frozenset().union(*rs.values()) for s, rs in self.resources.items()}
        self.grams = {
            s: frozenset(g for k in keys for g in grams(k) if g in w)
            for s, keys in self.items.items()
        }
        self._holder_cache: dict[str, dict[str, list[str]]] = {}

    def judge(self, a: str, b: str) -> SystemOverlap | None:
        t, compare = self.t, self.compare
        items = compare.measure(a, b, self.items[a], self.items[b])
        best = self._best_resources(a, b)
        text = compare.text(self.grams[a], self.grams[b])
        shared_grams = len(self.grams[a] & self.grams[b])
        crossed = tuple(
            name
            for name, ok in (
                (
                    "items",
                    len(items.aligned) >= t.min_aligned and items.jaccard >= t.system_jaccard,
                ),
                ("resources", best is not None and best.jaccard >= t.resource_jaccard),
                ("text", shared_grams >= t.min_aligned and text >= t.text_jaccard),
            )
            if ok
        )
        return SystemOverlap(a, b, items, best, text, crossed) if crossed else None

    def _best_resources(self, a: str, b: str) -> Similarity | None:
        """The most alike pair of a's and b's resources, among those sharing an alike
        item (at least ``min_aligned`` of them, or they could not cross)."""
        holders = self._holders(b)
        best = None
        for ra, xa in self.resources[a].items():
            shared = Counter(
                rb
                for k in xa
                for rb in {r for o in self.compare.near[k] for r in holders.get(o, ())}
            )
            for rb in sorted(r for r, n in shared.items() if n >= self.t.min_aligned):
                m = self.compare.measure(ra, rb, xa, self.resources[b][rb])
                if len(m.aligned) >= self.t.min_aligned and m.jaccard > (
                    best.jaccard if best else 0
                ):
                    best = m
        return best

    def _holders(self, system: str) -> dict[str, list[str]]:
        """Key → the system's resources holding it, built once per system."""
        if system not in self._holder_cache:
            holders: dict[str, list[str]] = defaultdict(list)
            for r, keys in self.resources[system].items():
                for k in keys:
                    holders[k].append(r)
            self._holder_cache[system] = holders
        return self._holder_cache[system]


def overlapping_systems(catalog: Catalog, t: Thresholds) -> tuple[list[SystemOverlap], Weights]:
    """System pairs that cross a bound. Candidates: systems sharing a bigram of their
    items in an inverted index whose posting lists the bound keeps short; every rule needs
    a shared weighted bigram, so nothing an all-pairs scan would flag is left out."""
    p = _Profiles(catalog, t)
    postings: dict[str, list[str]] = defaultdict(list)
    for s in sorted(p.grams):
        for g in p.grams[s]:
            postings[g].append(s)
    candidates = {pair for holders in postings.values() for pair in combinations(holders, 2)}
    found = [o for a, b in sorted(candidates) if (o := p.judge(a, b))]
    return found, p.weights


def overlapping_projects(
    catalog: Catalog, t: Thresholds, builds: Mapping[str, Iterable[str]]
) -> dict[tuple[str, str], SystemOverlap]:
    """Project pairs (sorted) whose systems overlap, with the strongest system pair: two
    projects are built twice when a system of one and a system of the other are."""
    found, _ = overlapping_systems(catalog, t)
    owners: dict[str, set[str]] = defaultdict(set)
    for project, systems in builds.items():
        for system in systems:
            owners[system].add(project)
    best: dict[tuple[str, str], SystemOverlap] = {}
    for o in found:
        for pa in owners.get(o.a, ()):
            for pb in owners.get(o.b, ()):
                if pa == pb:
                    continue
                pair = (pa, pb) if pa < pb else (pb, pa)
                if pair not in best or _strength(o) > _strength(best[pair]):
                    best[pair] = o
    return best


def _strength(o: SystemOverlap) -> tuple:
    return (len(o.crossed), o.items.jaccard, o.text)


def overlapping_systems_all_pairs(catalog: Catalog, t: Thresholds) -> list[SystemOverlap]:
    """The same rule with every pair judged: the baseline the index is measured against."""
    p = _Profiles(catalog, t)
    return [o for a, b in combinations(sorted(p.grams), 2) if (o := p.judge(a, b))]


def name_similarity(x: str, y: str) -> float:
    """Character-bigram Jaccard of two texts (system and resource names): the weaker
    evidence, shown beside the items."""
    gx, gy = bigrams(normalise(x)), bigrams(normalise(y))
    return round(len(gx & gy) / len(gx | gy), 3) if gx and gy else 0.0
