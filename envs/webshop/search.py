"""BM25 product search for WebShop, built on ``bm25s``.

WebShop (Yao et al., NeurIPS 2022) searched its catalogue with a BM25 index (pyserini/Lucene)
and showed the top 50 hits, 10 per page. Here ``bm25s`` (numpy only) indexes each product's
title, attributes, option values and description. The index is built once per catalogue,
saved under the cache directory (``$STEPGYM_CACHE`` or ``~/.cache/stepgym``, like every
stepgym cache), memory-mapped on later loads and shared in-process by every env over the same catalogue.

Queries and documents go through the same tokenizer (lowercase words, English stop words
removed, a light plural stemmer); query words the index has never seen are dropped, and only
hits with a positive score are returned. Ties are broken by catalogue order, so results are
deterministic.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path

import bm25s
import numpy as np

from tasks.webshop.catalogue import Catalogue

TOP_K = 50
_WORD = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
STOPWORDS = frozenset(
    "a an and are as at be by for from has have i i'm in is it its me my of on or our so "
    "that the this to was were will with you your need want looking find get show would like "
    "am lower than price dollars they".split()
)


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lowercase words minus stop words, lightly stemmed (used for documents and queries)."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def cache_root() -> Path:
    """Where indexes are cached: ``$STEPGYM_CACHE/webshop`` or ``~/.cache/stepgym/webshop``."""
    base = os.environ.get("STEPGYM_CACHE") or os.path.join(Path.home(), ".cache", "stepgym")
    return Path(base) / "webshop"


class SearchIndex:
    """Top-50 BM25 search over one catalogue."""

    def __init__(self, retriever: bm25s.BM25, vocab: dict[str, int], size: int) -> None:
        self.retriever = retriever
        self.vocab = vocab
        self.size = size

    @classmethod
    def build(cls, catalogue: Catalogue, progress: bool = False) -> SearchIndex:
        vocab: dict[str, int] = {}
        ids: list[list[int]] = []
        products = catalogue.products
        if progress:
            from tqdm.auto import tqdm

            products = tqdm(products, desc="webshop index: tokenising", unit="product")
        for product in products:
            ids.append([vocab.setdefault(t, len(vocab)) for t in tokenize(catalogue.index_text(product))])
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=progress)
        return cls(retriever, dict(retriever.vocab_dict), len(catalogue))

    def save(self, directory: Path, fingerprint: str) -> None:
        self.retriever.save(str(directory), show_progress=False)
        (directory / "stepgym.json").write_text(json.dumps({"fingerprint": fingerprint, "size": self.size}))

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> SearchIndex | None:
        """The saved index, or None when it is missing, partial or for another catalogue."""
        try:
            meta = json.loads((directory / "stepgym.json").read_text())
            if meta.get("fingerprint") != fingerprint:
                return None
            retriever = bm25s.BM25.load(str(directory), mmap=True, show_progress=False)
        except (OSError, ValueError, KeyError):
            return None
        return cls(retriever, dict(retriever.vocab_dict), int(meta["size"]))

    def search(self, query: str, k: int = TOP_K) -> list[int]:
        """Indices of the top ``k`` products for ``query`` (best first; positive scores only)."""
        token_ids = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not token_ids:
            return []
        scores = np.asarray(self.retriever.get_scores(token_ids), dtype=np.float64)
        positive = int(np.count_nonzero(scores > 0))
        if positive == 0:
            return []
        if positive <= k:
            candidates = np.flatnonzero(scores > 0)
        else:
            threshold = np.partition(scores, -k)[-k]
            candidates = np.flatnonzero(scores >= threshold)
        order = np.lexsort((candidates, -scores[candidates]))  # score desc, then index asc
        return [int(i) for i in candidates[order][:k]]


_INDEXES: dict[str, SearchIndex] = {}
_LOCK = threading.Lock()


def get_search_index(catalogue: Catalogue, progress: bool = False, use_disk: bool = True) -> SearchIndex:
    """The index for ``catalogue``: in-process cache, then disk cache, else build and save."""
    key = f"{catalogue.key}-{catalogue.fingerprint[:16]}"
    index = _INDEXES.get(key)
    if index is not None:
        return index
    with _LOCK:
        index = _INDEXES.get(key)
        if index is not None:
            return index
        directory = cache_root() / f"index-{key}"
        index = SearchIndex.load(directory, catalogue.fingerprint) if use_disk else None
        if index is None:
            index = SearchIndex.build(catalogue, progress=progress)
            if use_disk:
                _save_atomically(index, directory, catalogue.fingerprint)
        _INDEXES[key] = index
        return index


def _save_atomically(index: SearchIndex, directory: Path, fingerprint: str) -> None:
    """Write into a temporary folder, then rename: concurrent builders never see half an index."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory.parent))
    except OSError:
        return  # read-only home: run without the disk cache
    try:
        index.save(tmp, fingerprint)
        if directory.exists():
            shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def clear_memory_cache() -> None:
    """Forget in-process indexes (tests use it to exercise the disk cache)."""
    with _LOCK:
        _INDEXES.clear()
