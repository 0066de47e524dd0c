"""Instructions generated from a target product, the way WebShop's were.

WebShop (Yao et al., NeurIPS 2022) turned each target product into a goal: a subset of its
attributes (``Y_att``), one value for some of its option kinds (``Y_opt``), a price ceiling
drawn above the product's price, and an instruction text such as "i need a long lasting
lipstick in red, and price lower than 30.00 dollars". Several products may satisfy a goal;
the reward (``envs.webshop.reward``) scores any purchase against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tasks.webshop.catalogue import Product
from tasks.webshop.levels import WEBSHOP_ATTRIBUTE_COUNTS
from tasks.webshop.vocab import INSTRUCTION_OPENERS

#: price ceilings an instruction may state ("price lower than 30.00 dollars")
PRICE_CEILINGS: tuple[float, ...] = (
    10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 120.0, 140.0, 160.0, 180.0,
    200.0, 250.0, 300.0, 400.0, 500.0, 600.0, 700.0, 800.0, 900.0, 1000.0, 1500.0,
)


@dataclass(frozen=True)
class Goal:
    """What the shopper wants: WebShop's ``Y_att``, ``Y_opt``, price ceiling and text."""

    asin: str
    product_type: str
    category: tuple[str, ...]
    attributes: tuple[str, ...]
    options: tuple[tuple[str, str], ...]  # (kind, value)
    price_upper: float
    instruction: str

    def to_data(self) -> dict:
        return {
            "asin": self.asin,
            "product_type": self.product_type,
            "category": list(self.category),
            "goal_attributes": list(self.attributes),
            "goal_options": [list(kv) for kv in self.options],
            "price_upper": self.price_upper,
            "instruction": self.instruction,
        }

    @classmethod
    def from_data(cls, data: dict) -> Goal:
        return cls(
            asin=data["asin"],
            product_type=data["product_type"],
            category=tuple(data["category"]),
            attributes=tuple(data["goal_attributes"]),
            options=tuple((k, v) for k, v in data["goal_options"]),
            price_upper=float(data["price_upper"]),
            instruction=data["instruction"],
        )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def price_ceiling(rng: np.random.Generator, price: float) -> float:
    """A ceiling strictly above ``price``: the next listed value or the one after it."""
    above = [c for c in PRICE_CEILINGS if c > price]
    if not above:
        return float(np.ceil(price / 100.0) * 100.0 + 100.0)
    return above[int(rng.integers(0, min(2, len(above))))]


def make_goal(
    rng: np.random.Generator,
    product: Product,
    attribute_counts: Sequence[int] = WEBSHOP_ATTRIBUTE_COUNTS,
    max_options: int | None = None,
) -> Goal:
    """Draw a goal whose every condition ``product`` meets (so it is reachable).

    ``attribute_counts`` and ``max_options`` are a difficulty level's (the defaults:
    WebShop's rule, no cap on the number of options)."""
    n_att = min(len(product.attributes), int(rng.choice(list(attribute_counts))))
    picks = rng.choice(len(product.attributes), size=n_att, replace=False)
    attributes = tuple(product.attributes[int(i)] for i in sorted(picks))
    options = []
    for kind, values in product.options:
        if rng.random() < 0.85:
            options.append((kind, values[int(rng.integers(0, len(values)))]))
    if max_options is not None:
        options = options[:max_options]
    ceiling = price_ceiling(rng, product.price)
    opener = INSTRUCTION_OPENERS[int(rng.integers(0, len(INSTRUCTION_OPENERS)))]
    noun = product.noun
    style = int(rng.integers(0, 3))
    if style == 0 or len(attributes) == 1:
        head = f"{attributes[0]} {noun}"
        rest = attributes[1:]
    else:
        head = noun
        rest = attributes
    text = f"{opener} {_article(head)} {head}"
    if rest:
        joiner = " that is " if style != 2 else " with "
        text += joiner + " and ".join(rest)
    if options:
        text += ", with " + " and ".join(f"{kind}: {value}" for kind, value in options)
    text += f", and price lower than {ceiling:.2f} dollars"
    return Goal(
        asin=product.asin,
        product_type=noun,
        category=product.category,
        attributes=attributes,
        options=tuple(options),
        price_upper=float(ceiling),
        instruction=text,
    )
