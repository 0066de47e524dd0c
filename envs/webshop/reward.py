"""WebShop's reward, computed when the agent clicks ``Buy Now``.

From WebShop (Yao et al., NeurIPS 2022), Section 3.2: for a purchased product with
attributes ``Y_att``, chosen options ``Y_opt`` and price ``p``, against a goal with
attributes ``U_att``, options ``U_opt`` and price ceiling ``u_price``::

    r = r_type * (|U_att ∩ Y_att| + |U_opt ∩ Y_opt| + 1[p <= u_price])
               / (|U_att| + |U_opt| + 1)

* attribute match (as WebShop's ``get_attribute_reward``): a goal attribute is met when a
  product attribute has ``rapidfuzz`` token-set ratio > 85 with it (after
  ``rapidfuzz.utils.default_process``), or when the attribute text appears in the product's
  title, bullet points or description;
* option match (``get_option_reward``): a goal option is met by a chosen option value;
  sizes must match exactly (normalised case and spaces), other kinds by token-set ratio > 85;
* ``r_type`` (``get_type_reward``): WebShop compared spaCy noun phrases of the titles and the
  category paths; this catalogue stores each product's type noun, so the comparison is made
  on those: 1.0 for the same type noun, 0.5 when the type nouns share a word or the category
  paths share their first three levels, 0.1 when only the top-level category is shared,
  0.0 otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from tasks.webshop.catalogue import Product, product_text
from tasks.webshop.instructions import Goal

FUZZY_THRESHOLD = 85.0


@dataclass(frozen=True)
class RewardBreakdown:
    """Each term of WebShop's reward, and the total."""

    r_type: float
    attributes_matched: int
    attributes_total: int
    options_matched: int
    options_total: int
    price_ok: bool
    reward: float

    def as_dict(self) -> dict:
        return asdict(self)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def fuzzy_match(a: str, b: str) -> bool:
    """WebShop's fuzzy test: token-set ratio > 85 on normalised text."""
    return fuzz.token_set_ratio(a, b, processor=default_process) > FUZZY_THRESHOLD


def type_reward(product: Product, goal: Goal) -> float:
    """``r_type`` from the stored type nouns and category paths (see module docstring)."""
    if _norm(product.noun) == _norm(goal.product_type):
        return 1.0
    shared_words = set(product.noun.lower().split()) & set(goal.product_type.lower().split())
    if shared_words or tuple(product.category[:3]) == tuple(goal.category[:3]):
        return 0.5
    if product.category[:1] == tuple(goal.category[:1]):
        return 0.1
    return 0.0


def count_attribute_matches(goal_attributes: Iterable[str], product: Product, text_blob: str) -> int:
    """Goal attributes met by ``product`` (fuzzy against its attributes, or present in its text)."""
    count = 0
    for wanted in goal_attributes:
        if any(fuzzy_match(wanted, have) for have in product.attributes) or _norm(wanted) in text_blob:
            count += 1
    return count


def count_option_matches(goal_options: Iterable[tuple[str, str]], chosen: Iterable[tuple[str, str]]) -> int:
    """Goal options met by the chosen option values (exact for size, fuzzy otherwise)."""
    chosen_values = [value for _, value in chosen]
    count = 0
    for kind, wanted in goal_options:
        if kind == "size":
            hit = any(_norm(wanted) == _norm(value) for value in chosen_values)
        else:
            hit = any(fuzzy_match(wanted, value) for value in chosen_values)
        count += int(hit)
    return count


def product_text_blob(catalogue_seed: int, product: Product) -> str:
    """Title, bullet points and description, normalised: where attributes may be *present*."""
    text = product_text(catalogue_seed, product)
    return _norm(" ".join((product.title, *text.bullets, text.description)))


def webshop_reward(
    product: Product,
    chosen_options: Iterable[tuple[str, str]],
    goal: Goal,
    catalogue_seed: int,
) -> RewardBreakdown:
    """WebShop's reward for buying ``product`` with ``chosen_options`` against ``goal``."""
    r_type = type_reward(product, goal)
    n_att = len(goal.attributes)
    n_opt = len(goal.options)
    att = count_attribute_matches(goal.attributes, product, product_text_blob(catalogue_seed, product))
    opt = count_option_matches(goal.options, tuple(chosen_options))
    price_ok = product.price <= goal.price_upper
    total = r_type * (att + opt + int(price_ok)) / (n_att + n_opt + 1)
    return RewardBreakdown(r_type, att, n_att, opt, n_opt, bool(price_ok), float(total))
