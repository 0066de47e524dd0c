"""Difficulty levels of WebShop: from a few hundred products and one-attribute instructions
up to the benchmark's setting.

A level sets the catalogue size (a smaller catalogue of the same seed: its products are the
first ones of the full catalogue), how many attributes an instruction names, how many option
values it asks for, and whether the target must show on the first result page of a search
for the instruction's own words (``search[<instruction>]``; checked when the env verifies the
task). Level :data:`BENCHMARK_LEVEL` is the benchmark's setting (the env's catalogue, 10,000
products by default; WebShop's goal rule) and the default: its tasks, ids and checksum are
those of the suite before levels existed.
"""

from __future__ import annotations

from dataclasses import dataclass

#: WebShop's rule for how many attributes an instruction names (drawn uniformly from these)
WEBSHOP_ATTRIBUTE_COUNTS: tuple[int, ...] = (1, 2, 2, 3)


@dataclass(frozen=True)
class ShopLevel:
    """One rung. ``None``: the benchmark's (the env's catalogue size, no cap on options)."""

    num_products: int | None
    attribute_counts: tuple[int, ...]
    max_options: int | None
    first_page: bool  # the target is on page 1 of search[<instruction>]
    summary: str


LEVELS: dict[int, ShopLevel] = {
    1: ShopLevel(300, (1,), 0, True, "300 products; one attribute, no options; the target is on "
                                     "the first result page of a search for the instruction"),
    2: ShopLevel(1_000, (1, 2), 1, True, "1,000 products; 1-2 attributes, at most one option; the "
                                         "target is on the first result page of the instruction"),
    3: ShopLevel(3_000, WEBSHOP_ATTRIBUTE_COUNTS, 2, False, "3,000 products; 1-3 attributes, at "
                                                            "most two options"),
    4: ShopLevel(None, WEBSHOP_ATTRIBUTE_COUNTS, None, False, "the benchmark: 10,000 products, "
                                                              "WebShop's goals (1-3 attributes, "
                                                              "most option kinds)"),
}
BENCHMARK_LEVEL = max(LEVELS)
