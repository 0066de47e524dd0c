"""News search (time-sensitive): BM25 (``bm25s``) over the episode's generated articles.

The index is built once per world (a few dozen documents, ~1 ms) and cached by content.
Hits with score 0 (no query term in the document) are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import bm25s
import numpy as np

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.world import World

_CACHE: OrderedDict[tuple, bm25s.BM25] = OrderedDict()
_CACHE_SIZE = 64


def _tokens(texts: list[str]) -> list[list[str]]:
    return bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)


def _index(world: World) -> bm25s.BM25:
    key = (world.seed, world.now, tuple(d["title"] for d in world.news))
    index = _CACHE.get(key)
    if index is None:
        index = bm25s.BM25()
        index.index(_tokens([f"{d['title']} {d['body']}" for d in world.news]), show_progress=False)
        _CACHE[key] = index
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index


def search(world: World, query: str, top_k: int = 3) -> list[dict[str, Any]]:
    """Top-k articles for ``query`` by BM25 score, best first (ties: document order)."""
    tokens = _tokens([query])
    if not tokens or not tokens[0]:
        return []
    index = _index(world)
    k = min(int(top_k), len(world.news))
    scores = np.asarray(index.get_scores(tokens[0]), dtype=np.float64)
    order = sorted(range(len(scores)), key=lambda i: (-round(float(scores[i]), 6), i))[:k]
    return [_public(world.news[i]) for i in order if scores[i] > 0]


def _public(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["id"], "date": doc["date"], "title": doc["title"], "text": doc["body"]}


def _search_news(world: World, query: str, top_k: int = 3) -> dict[str, Any]:
    if not query.strip():
        raise ToolError("empty query")
    return {"query": query, "results": search(world, query, top_k)}


TOOLS = [
    Tool(
        name="search_news",
        description="Search recent news articles (BM25 keyword search); returns the best matches with their text.",
        parameters={
            "query": {"type": "string", "description": "keywords, e.g. 'Acmex Robotics headquarters'"},
            "top_k": {"type": "integer", "minimum": 1, "maximum": 10, "description": "results (default 3)"},
        },
        required=("query",),
        func=_search_news,
        time_sensitive=True,
        defaults={"top_k": 3},
    )
]
