"""WebShop-style shopping tasks: a seeded offline catalogue and instructions drawn from it."""

from tasks.webshop.catalogue import (
    DEFAULT_NUM_PRODUCTS,
    DEFAULT_SEED,
    Catalogue,
    Product,
    generate_catalogue,
    get_catalogue,
    product_text,
)
from tasks.webshop.instructions import Goal, make_goal
from tasks.webshop.levels import BENCHMARK_LEVEL, LEVELS
from tasks.webshop.suite import EVAL_CHECKSUM, LEVEL_EVAL_CHECKSUMS, WebShopSuite

__all__ = [
    "BENCHMARK_LEVEL",
    "DEFAULT_NUM_PRODUCTS",
    "DEFAULT_SEED",
    "EVAL_CHECKSUM",
    "LEVELS",
    "LEVEL_EVAL_CHECKSUMS",
    "Catalogue",
    "Goal",
    "Product",
    "WebShopSuite",
    "generate_catalogue",
    "get_catalogue",
    "make_goal",
    "product_text",
]
