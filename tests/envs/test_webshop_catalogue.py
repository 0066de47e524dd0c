"""The generated catalogue, the instruction generator and BM25 search."""

from __future__ import annotations

import collections
import time

import pytest

from envs.webshop import search as search_mod
from envs.webshop.search import SearchIndex, get_search_index, tokenize
from tasks.base import task_rng
from tasks.webshop.catalogue import generate_catalogue, get_catalogue, product_text
from tasks.webshop.instructions import make_goal
from tasks.webshop.vocab import PRODUCT_TYPES

SMALL = 2000


@pytest.fixture(scope="module")
def small():
    return get_catalogue(0, SMALL)


def test_catalogue_is_deterministic_and_seed_dependent(small):
    again = generate_catalogue(0, SMALL)
    assert again.fingerprint == small.fingerprint
    assert [p.title for p in again.products[:50]] == [p.title for p in small.products[:50]]
    assert generate_catalogue(1, SMALL).fingerprint != small.fingerprint
    assert get_catalogue(0, SMALL) is small  # built once per process


def test_products_are_well_formed(small):
    assert len(small) == SMALL
    assert len({p.asin for p in small.products}) == SMALL
    for p in small.products:
        assert p.asin.startswith("B0") and len(p.asin) == 10 and p.asin.isalnum()
        assert p.noun.lower() in p.title.lower()  # explicit product-type noun in the title
        assert len(p.category) >= 3 and p.price > 0
        assert 3 <= len(p.attributes) <= 5 and set(p.attributes) <= set(p.product_type.attributes)
        values = [v for _, vs in p.options for v in vs]
        assert len(values) == len(set(values))  # an option click is never ambiguous
    text = product_text(0, small[0])
    assert text.bullets and text.description and text.reviews
    assert product_text(0, small[0]) == text


def test_near_duplicates_make_search_necessary(small):
    families = collections.Counter((p.brand, p.type_index) for p in small.products)
    assert max(families.values()) >= 4
    assert sum(1 for n in families.values() if n >= 2) > len(families) // 2
    nouns = collections.Counter(p.noun for p in small.products)
    assert len(nouns) == len(PRODUCT_TYPES)  # every type appears


def test_default_catalogue_size_and_speed():
    start = time.perf_counter()
    cat = get_catalogue()
    assert len(cat) == 10_000
    assert time.perf_counter() - start < 30


def test_instructions_follow_webshop(small):
    for i in range(200):
        product = small[i * 7]
        g = make_goal(task_rng("t", "train", i), product)
        assert g.instruction.endswith(f"price lower than {g.price_upper:.2f} dollars")
        assert g.price_upper > product.price
        assert set(g.attributes) <= set(product.attributes) and 1 <= len(g.attributes) <= 3
        for kind, value in g.options:
            assert value in dict(product.options)[kind]
            assert f"{kind}: {value}" in g.instruction
        assert product.noun in g.instruction


def test_tokenizer_and_search(small):
    assert tokenize("I need Long-Lasting lipsticks, 3.4 fl oz") == ["long", "lasting", "lipstick", "3.4", "fl", "oz"]
    index = get_search_index(small)
    for product in small.products[:40]:
        hits = index.search(product.title)
        assert product.index in hits and len(hits) == 50
    assert index.search("zzqx unknownword") == []
    assert index.search("lipstick") == index.search("lipstick")
    hits = index.search("long lasting lipstick")
    assert all(small[i].noun in ("lipstick", "lip gloss", "nail polish", "deodorant") for i in hits[:10])


def test_index_disk_cache_round_trip(small, tmp_path, monkeypatch):
    monkeypatch.setenv("STEPGYM_CACHE", str(tmp_path))
    built = SearchIndex.build(small)
    search_mod.clear_memory_cache()
    first = get_search_index(small)  # built and saved under tmp_path
    saved = list((tmp_path / "webshop").iterdir())
    assert len(saved) == 1 and (saved[0] / "stepgym.json").exists()
    search_mod.clear_memory_cache()
    loaded = get_search_index(small)  # loaded from disk (memory-mapped)
    assert loaded is not first
    for query in ("red lipstick", "wireless bluetooth headphones black", small[3].title):
        assert loaded.search(query) == built.search(query)
    assert SearchIndex.load(saved[0], "another-catalogue") is None
