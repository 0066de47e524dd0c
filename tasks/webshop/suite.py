"""The WebShop task suite: one instruction per task, drawn from a seeded catalogue.

Task data (JSON): the target product's ASIN and index, the goal (attributes, options, price
ceiling, instruction text) and the catalogue's ``(seed, size)``. The ``eval`` split (500
instructions) is frozen for the default catalogue; its checksum is stored below and tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasks.base import Task, TaskSuite
from tasks.webshop.catalogue import DEFAULT_NUM_PRODUCTS, DEFAULT_SEED, Catalogue, get_catalogue
from tasks.webshop.instructions import make_goal

EVAL_SIZE = 500
#: checksum of the served (expert-verified) eval split of the default catalogue
EVAL_CHECKSUM = "065685a546d6ea3b66abe80fa0262e1ec00d7df871e3f9b1584046c1d9ee4248"


def suite_name(catalogue_seed: int, num_products: int) -> str:
    if (catalogue_seed, num_products) == (DEFAULT_SEED, DEFAULT_NUM_PRODUCTS):
        return "webshop"
    return f"webshop-s{catalogue_seed}-n{num_products}"


class WebShopSuite(TaskSuite):
    """Instructions over the catalogue ``(catalogue_seed, num_products)``."""

    splits = {"train": None, "eval": EVAL_SIZE}

    def __init__(self, catalogue_seed: int = DEFAULT_SEED, num_products: int = DEFAULT_NUM_PRODUCTS) -> None:
        super().__init__()
        self.catalogue_seed = int(catalogue_seed)
        self.num_products = int(num_products)
        self.name = suite_name(self.catalogue_seed, self.num_products)
        default = self.name == "webshop"
        self.frozen_checksums = {"eval": EVAL_CHECKSUM} if default else {}

    @property
    def catalogue(self) -> Catalogue:
        """Looked up in the process-wide cache (never pickled with the suite)."""
        return get_catalogue(self.catalogue_seed, self.num_products)

    def _generate(self, rng: np.random.Generator, split: str, index: int, options: Mapping[str, Any]) -> Task:
        catalogue = self.catalogue
        product = catalogue[int(rng.integers(0, len(catalogue)))]
        goal = make_goal(rng, product)
        data = goal.to_data()
        data["product_index"] = product.index
        data["catalogue"] = {"seed": self.catalogue_seed, "size": self.num_products}
        return Task(task_id="", split=split, goal=goal.instruction, task_type=product.category[0], data=data)
