"""The WebShop expert: from any state, the next action towards buying the target product
with the goal's options (reward 1 by construction of the goal).

It searches for the target's title, pages to the target, opens it, clicks each goal option
not yet chosen and buys. From a wrong page it backs out. It gives up (``None``) only when
its own query does not bring up the target, which task verification then rejects.
"""

from __future__ import annotations

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
from tasks.webshop.catalogue import Catalogue
from tasks.webshop.instructions import Goal


def expert_query(catalogue: Catalogue, target: int) -> str:
    return catalogue[target].title.lower()


def expert_action(world: World, goal: Goal, target: int, catalogue: Catalogue) -> str | None:
    """The expert's next action in ``world`` (None when done or stuck)."""
    query = expert_query(catalogue, target)
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
