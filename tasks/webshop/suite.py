"""The WebShop task suite: one instruction per task, drawn from a seeded catalogue.

Task data (JSON): the target product's ASIN and index, the goal (attributes, options, price
ceiling, instruction text) and the catalogue's ``(seed, size)``. The ``eval`` split (500
instructions) is frozen for the default catalogue; its checksum is stored below and tested.

Difficulty levels (:mod:`tasks.webshop.levels`) are a generation option: 1 (300 products,
one-attribute instructions) .. 4 (the benchmark, the default). Below level 4 the level is part
of the id (``webshop:eval:3:level=1``), the task's catalogue is the level's (``data["catalogue"]``)
and each level's eval split is frozen in :data:`LEVEL_EVAL_CHECKSUMS`. Levels below 4 bring
their own catalogue size, so they need the default ``num_products``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasks.base import Task, TaskSuite, check_level
from tasks.webshop.catalogue import DEFAULT_NUM_PRODUCTS, DEFAULT_SEED, Catalogue, get_catalogue
from tasks.webshop.instructions import make_goal
from tasks.webshop.levels import BENCHMARK_LEVEL, LEVELS

EVAL_SIZE = 500
#: checksum of the served (expert-verified) eval split of the default catalogue
EVAL_CHECKSUM = "065685a546d6ea3b66abe80fa0262e1ec00d7df871e3f9b1584046c1d9ee4248"
#: checksums of the served eval split of each lower level (default catalogue seed)
LEVEL_EVAL_CHECKSUMS: dict[int, str] = {
    1: "c790c293f321681430a1e41b835b90c97a5d4ed6082fa6d23df208952cb6c7e7",
    2: "7de33eb92a597febbc3fef54d0dfc2319266899289b9a3e394234cdf177b4fd1",
    3: "d06034f0ad004471565af35a48e2f460b1ce0405cd006a01b2620e763a099c51",
}


def suite_name(catalogue_seed: int, num_products: int) -> str:
    if (catalogue_seed, num_products) == (DEFAULT_SEED, DEFAULT_NUM_PRODUCTS):
        return "webshop"
    return f"webshop-s{catalogue_seed}-n{num_products}"


class WebShopSuite(TaskSuite):
    """Instructions over the catalogue ``(catalogue_seed, num_products)``."""

    splits = {"train": None, "eval": EVAL_SIZE}
    generation_options = ("level",)
    levels = tuple(sorted(LEVELS))
    benchmark_level = BENCHMARK_LEVEL

    def __init__(self, catalogue_seed: int = DEFAULT_SEED, num_products: int = DEFAULT_NUM_PRODUCTS,
                 level: int = BENCHMARK_LEVEL) -> None:
        super().__init__()
        self.catalogue_seed = int(catalogue_seed)
        self.num_products = int(num_products)
        self.name = suite_name(self.catalogue_seed, self.num_products)
        self.level = check_level(level, self.levels)
        self._check_catalogue(self.level)
        default = self.name == "webshop"
        checksum = EVAL_CHECKSUM if self.level == BENCHMARK_LEVEL else LEVEL_EVAL_CHECKSUMS.get(self.level)
        self.frozen_checksums = {"eval": checksum} if default and checksum else {}

    def _check_catalogue(self, level: int) -> None:
        if level != BENCHMARK_LEVEL and self.num_products != DEFAULT_NUM_PRODUCTS:
            raise ValueError(f"WebShop level {level} brings its own {LEVELS[level].num_products}-product "
                             f"catalogue; it cannot be combined with num_products={self.num_products}")

    def catalogue_size(self, level: int) -> int:
        """The number of products of ``level``'s catalogue."""
        return LEVELS[level].num_products or self.num_products

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue of this suite's level, looked up in the process-wide cache (never
        pickled with the suite)."""
        return get_catalogue(self.catalogue_seed, self.catalogue_size(self.level))

    def normalise_options(self, options: Mapping[str, Any] | None) -> dict[str, Any]:
        """``{"level": n}`` below the benchmark's level; ``{}`` at it."""
        opts = self.level_option(options)
        self._check_catalogue(opts.get("level", BENCHMARK_LEVEL))
        return opts

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        level = int(options.get("level", BENCHMARK_LEVEL))
        size = self.catalogue_size(level)
        catalogue = get_catalogue(self.catalogue_seed, size)
        product = catalogue[int(rng.integers(0, len(catalogue)))]
        goal = make_goal(rng, product, LEVELS[level].attribute_counts, LEVELS[level].max_options)
        data = goal.to_data()
        data["product_index"] = product.index
        data["catalogue"] = {"seed": self.catalogue_seed, "size": size}
        return Task(task_id="", split=split, goal=goal.instruction, task_type=product.category[0], data=data)
