"""WebShop's dynamics: parse ``search[...]`` / ``click[...]`` and move between pages.

A pure function of (world, action): the env, the expert and the web server all share it.
Invalid input never raises; it returns the unchanged world and a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from envs.webshop.pages import (
    BACK_TO_SEARCH,
    BUY,
    DONE,
    ITEM,
    NEXT,
    PREV,
    RESULTS,
    SEARCH,
    SUB_PAGES,
    World,
    buttons,
)
from envs.webshop.reward import webshop_reward
from envs.webshop.search import SearchIndex
from tasks.webshop.catalogue import Catalogue
from tasks.webshop.instructions import Goal

_ACTION = re.compile(r"^\s*(search|click)\s*\[(.*)\]\s*$", re.IGNORECASE | re.DOTALL)
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class Outcome:
    world: World
    valid: bool
    reason: str = ""
    bought: bool = False


def normalise_label(text: str) -> str:
    return " ".join(text.lower().split())


def parse(action: str) -> tuple[str, str] | None:
    """``("search"|"click", argument)`` or None when the action is not of either form."""
    match = _ACTION.match(action)
    if match is None:
        return None
    return match.group(1).lower(), match.group(2).strip()


def apply(world: World, action: str, catalogue: Catalogue, index: SearchIndex, goal: Goal) -> Outcome:
    """One step of WebShop's state machine."""
    if world.page == DONE:
        return Outcome(world, False, "the purchase is complete")
    parsed = parse(action)
    if parsed is None:
        return Outcome(world, False, "actions are search[query] or click[button]")
    verb, arg = parsed
    if verb == "search":
        if world.page != SEARCH:
            return Outcome(world, False, "there is no search bar on this page; click[Back to Search] first")
        query = " ".join(arg.split())
        if len(query) > MAX_QUERY_CHARS:
            return Outcome(world, False, f"the query is too long ({len(query)} characters; the "
                                         f"limit is {MAX_QUERY_CHARS})")
        if not any(c.isalnum() for c in query):
            return Outcome(world, False, "the query must have letters or digits")
        results = tuple(index.search(query))
        return Outcome(World(page=RESULTS, query=query, results=results), True)
    return _click(world, normalise_label(arg), catalogue, goal)


def _click(world: World, label: str, catalogue: Catalogue, goal: Goal) -> Outcome:
    page_buttons = {normalise_label(b): b for b in buttons(world, catalogue)}
    if world.page == RESULTS and label not in page_buttons:
        for i in world.page_results():  # an item may be clicked by its title too
            if normalise_label(catalogue[i].title) == label:
                label = normalise_label(catalogue[i].asin)
                break
    button = page_buttons.get(label)
    if button is None:
        return Outcome(world, False, f"there is no button {label!r} on this page")
    if button == BACK_TO_SEARCH:
        return Outcome(World(), True)
    if world.page == RESULTS:
        if button == NEXT:
            return Outcome(replace(world, page_num=world.page_num + 1), True)
        if button == PREV:
            return Outcome(replace(world, page_num=world.page_num - 1), True)
        product = catalogue.find_asin(button)
        assert product is not None
        return Outcome(replace(world, page=ITEM, item=product.index, options=()), True)
    if world.page in SUB_PAGES:  # only "< Prev" is left: back to the item
        return Outcome(replace(world, page=ITEM), True)
    # item page
    product = catalogue[world.item]
    if button == PREV:
        return Outcome(replace(world, page=RESULTS, item=-1, options=()), True)
    if button == BUY:
        breakdown = webshop_reward(product, world.options, goal, catalogue.seed)
        done = replace(world, page=DONE, reward=breakdown.reward,
                       breakdown=tuple(breakdown.as_dict().items()))
        return Outcome(done, True, bought=True)
    if button.lower() in SUB_PAGES:
        return Outcome(replace(world, page=button.lower()), True)
    kind = product.option_kind_of(button)
    assert kind is not None
    chosen = world.chosen()
    chosen[kind] = button
    ordered = tuple((k, chosen[k]) for k, _ in product.options if k in chosen)
    return Outcome(replace(world, options=ordered), True)
