"""The WebShop expert: from any state, the next action towards buying the target product
with the goal's options (reward 1 by construction of the goal).

It searches for the target's title, pages to the target, opens it, clicks each goal option
not yet chosen and buys. From a wrong page it backs out. It gives up (``None``) only when
its own query does not bring up the target, which task verification then rejects.

With ``query`` given (the env's ``instruction_search``: the instruction's text) it searches
that instead, which a policy that reads only the page can imitate; where that search does not
bring up the target it goes back and searches the title.
"""

from __future__ import annotations

import functools

from envs.webshop.pages import (
    BACK_TO_SEARCH,
    BUY,
    DONE,
    ITEM,
    NEXT,
    PER_PAGE,
    PREV,
    RESULTS,
    SEARCH,
    World,
)
from envs.webshop.reward import product_text_blob
from tasks.webshop.catalogue import Catalogue, Product
from tasks.webshop.instructions import Goal


def expert_query(catalogue: Catalogue, target: int) -> str:
    return catalogue[target].title.lower()


def expert_action(world: World, goal: Goal, target: int, catalogue: Catalogue,
                  query: str | None = None, query_finds_target: bool = True) -> str | None:
    """The expert's next action in ``world`` (None when done or stuck).

    ``query``: search this first (default: the target's title); ``query_finds_target``: whether
    that search lists the target (else the expert searches the title)."""
    title = expert_query(catalogue, target)
    if query is None or not query_finds_target:
        query = title
    if world.page == DONE:
        return None
    if world.page == SEARCH:
        return f"search[{query}]"
    if world.page == RESULTS:
        if target in world.results:
            wanted_page = world.results.index(target) // PER_PAGE + 1
            if wanted_page == world.page_num:
                return f"click[{catalogue[target].asin}]"
            return f"click[{NEXT}]" if wanted_page > world.page_num else f"click[{PREV}]"
        if world.query == " ".join(query.split()):
            return None
        return f"click[{BACK_TO_SEARCH}]"
    if world.page == ITEM and world.item == target:
        chosen = world.chosen()
        for kind, value in goal.options:
            if chosen.get(kind) != value:
                return f"click[{value}]"
        return f"click[{BUY}]"
    return f"click[{PREV}]"  # another item (back to results) or a sub-page (back to the item)


# ---------------------------------------------------------------------------- player expert
@functools.lru_cache(maxsize=65536)  # fixed per (product, goal): the expert asks every step
def visible_match(product: Product, goal: Goal, catalogue_seed: int) -> int:
    """How many of the instruction's demands ``product``'s pages visibly meet: its type noun in
    the title, each attribute in the title, features or description, each option value
    offered under its kind, the price under the ceiling."""
    blob = product_text_blob(catalogue_seed, product)
    offered = {(kind, value) for kind, values in product.options for value in values}
    return (int(" ".join(goal.product_type.lower().split()) in product.title.lower())
            + sum(" ".join(a.lower().split()) in blob for a in goal.attributes)
            + sum((kind, value) in offered for kind, value in goal.options)
            + int(product.price <= goal.price_upper))


def player_choice(world: World, goal: Goal, catalogue: Catalogue) -> int | None:
    """The result a player picks: the first (in result order) whose pages meet every demand
    of the instruction, else the first that meets the most; None without results."""
    if not world.results:
        return None
    full = 2 + len(goal.attributes) + len(goal.options)
    scores = [visible_match(catalogue[i], goal, catalogue.seed) for i in world.results]
    best = next((k for k, s in enumerate(scores) if s == full), int(max(range(len(scores)),
                                                                         key=scores.__getitem__)))
    return world.results[best]


def player_action(world: World, goal: Goal, catalogue: Catalogue, query: str) -> str | None:
    """An expert that acts only on what a player sees (the instruction, result pages, item
    pages): it searches ``query`` (the instruction's words), picks the result whose pages meet
    the instruction, chooses the instruction's options and buys; from any other page it goes
    back. It never reads the target's identity, so it can buy another product that meets the
    instruction equally well (reward 1 too) or, where none is listed, the closest one."""
    if world.page == DONE:
        return None
    if world.page == SEARCH:
        return f"search[{query}]"
    pick = player_choice(world, goal, catalogue)
    if world.page == RESULTS:
        if pick is None:
            return f"click[{BACK_TO_SEARCH}]" if world.query != " ".join(query.split()) else None
        wanted_page = world.results.index(pick) // PER_PAGE + 1
        if wanted_page == world.page_num:
            return f"click[{catalogue[pick].asin}]"
        return f"click[{NEXT}]" if wanted_page > world.page_num else f"click[{PREV}]"
    if world.page == ITEM and world.item == pick:
        chosen = world.chosen()
        offered = {(kind, value) for kind, values in catalogue[pick].options for value in values}
        for kind, value in goal.options:
            if (kind, value) in offered and chosen.get(kind) != value:
                return f"click[{value}]"
        return f"click[{BUY}]"
    return f"click[{PREV}]"
