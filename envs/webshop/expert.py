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
