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
* option match (``get_option_reward``): each *chosen* option value counts when it matches a
  goal option value: exactly (normalised case and spaces) for the kind ``size``, by token-set
  ratio > 85 for every other kind (so ``6.9 fl oz`` and ``16.9 fl oz`` match as a scent or a
  pack, not as a size), or, failing that, when it appears in the product's title, bullet points
  or description;
* ``r_type`` (``get_type_reward``): 1.0 when the product and the goal match by query, by
  category (at least two category-path levels in common, ignoring order) or by name (more than
  0.2 of the goal name's nouns in the product's name); else 0.5; then 0.1 when the name overlap
  is under 0.1 and 0.0 when it is 0, whatever else matched.

What stands in for WebShop's data: a product's *query* (the Amazon search that found it) is its
type noun, the products of one type being one search; its *name nouns* (spaCy's NOUN/PROPN of
the product name, which needs a model download) are the words of its type noun and of its
category leaf ("lip gloss" + "Lips"). Two deliberate departures, where the original is wrong:
the text fallback for options needs the value as whole words (the original's substring test
finds ``6.9 fl oz`` inside ``16.9 fl oz``), and option matches count at most once per goal
option (the original counts chosen options, so choosing more kinds than the goal names could
push the reward above 1). WebShop's colour normalisation is not needed: the catalogue's colour
values are already canonical.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from tasks.webshop.catalogue import Product, product_text
from tasks.webshop.instructions import Goal

FUZZY_THRESHOLD = 85.0
_NOT_NOUNS = {"and", "the", "for", "of", "with"}


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


def name_nouns(noun: str, category: Iterable[str]) -> set[str]:
    """The nouns of a product's name: its type noun's words and its category leaf's.

    >>> sorted(name_nouns("lip gloss", ("Beauty & Personal Care", "Makeup", "Lips")))
    ['gloss', 'lip', 'lips']
    """
    leaf = list(category)[-1] if category else ""
    words = re.findall(r"[a-z0-9]+", f"{noun} {leaf}".lower())
    return {w for w in words if w not in _NOT_NOUNS}


def type_reward(product: Product, goal: Goal) -> float:
    """``r_type`` by WebShop's ``get_type_reward`` rules (module docstring)."""
    query_match = _norm(product.noun) == _norm(goal.product_type)
    category_match = len(set(product.category) & set(goal.category)) >= 2
    desired = name_nouns(goal.product_type, goal.category)
    have = name_nouns(product.noun, product.category)
    title_score = len(have & desired) / len(desired) if desired else 0.2
    r_type = 1.0 if (query_match or category_match or title_score > 0.2) else 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    return r_type


def count_attribute_matches(goal_attributes: Iterable[str], product: Product, text_blob: str) -> int:
    """Goal attributes met by ``product`` (fuzzy against its attributes, or present in its text)."""
    count = 0
    for wanted in goal_attributes:
        if any(fuzzy_match(wanted, have) for have in product.attributes) or _norm(wanted) in text_blob:
            count += 1
    return count


def count_option_matches(goal_options: Iterable[tuple[str, str]], chosen: Iterable[tuple[str, str]],
                         text_blob: str = "") -> int:
    """Chosen option values that match a goal option (exact for size, fuzzy otherwise, else
    present as whole words in the product text), at most one per goal option."""
    wanted = [value for _, value in goal_options]
    count = 0
    for kind, value in chosen:
        if kind.lower() == "size":
            hit = any(_norm(value) == _norm(w) for w in wanted)
        else:
            hit = any(fuzzy_match(w, value) for w in wanted)
        if not hit and text_blob and _norm(value):
            hit = re.search(rf"(?<![\w.]){re.escape(_norm(value))}(?![\w.])", text_blob) is not None
        count += int(hit)
    return min(count, len(wanted))


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
    blob = product_text_blob(catalogue_seed, product)
    att = count_attribute_matches(goal.attributes, product, blob)
    opt = count_option_matches(goal.options, tuple(chosen_options), blob)
    price_ok = product.price <= goal.price_upper
    total = r_type * (att + opt + int(price_ok)) / (n_att + n_opt + 1)
    return RewardBreakdown(r_type, att, n_att, opt, n_opt, bool(price_ok), float(total))
