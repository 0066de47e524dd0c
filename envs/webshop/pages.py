"""WebShop's pages as data: the world state, the buttons of each page and its text.

The text matches WebShop's ``text`` observation mode (Yao et al., NeurIPS 2022): page
elements joined with `` [SEP] ``; the search page shows the instruction and a search bar;
the results page shows 10 of the top 50 hits with ``Back to Search``, ``< Prev``, ``Next >``;
the item page shows option buttons grouped by kind, the title, price, rating and the
``Description`` / ``Features`` / ``Reviews`` / ``Buy Now`` buttons.
"""

from __future__ import annotations

from dataclasses import dataclass

from tasks.webshop.catalogue import Catalogue, Product, product_text

SEP = " [SEP] "
PER_PAGE = 10
SEARCH, RESULTS, ITEM, DONE = "search", "results", "item", "done"
SUB_PAGES = ("description", "features", "reviews")
BACK_TO_SEARCH, PREV, NEXT, BUY = "Back to Search", "< Prev", "Next >", "Buy Now"
SEARCH_TEMPLATE = "search[<your query>]"


@dataclass(frozen=True)
class World:
    """Everything that changes during an episode (immutable, so forks copy nothing)."""

    page: str = SEARCH
    query: str = ""
    results: tuple[int, ...] = ()
    page_num: int = 1
    item: int = -1
    options: tuple[tuple[str, str], ...] = ()  # chosen (kind, value), in the product's kind order
    reward: float = 0.0
    breakdown: tuple[tuple[str, object], ...] = ()

    def chosen(self) -> dict[str, str]:
        return dict(self.options)

    @property
    def num_pages(self) -> int:
        return max(1, (len(self.results) + PER_PAGE - 1) // PER_PAGE)

    def page_results(self) -> tuple[int, ...]:
        start = (self.page_num - 1) * PER_PAGE
        return self.results[start:start + PER_PAGE]


def format_price(price: float) -> str:
    return f"${price:.2f}"


def format_rating(rating: float | None) -> str:
    return "N.A." if rating is None else f"{rating:.1f}"


def buttons(world: World, catalogue: Catalogue) -> list[str]:
    """The clickable labels of the current page, in page order."""
    if world.page == RESULTS:
        labels = [BACK_TO_SEARCH]
        if world.page_num > 1:
            labels.append(PREV)
        if world.page_num < world.num_pages:
            labels.append(NEXT)
        labels.extend(catalogue[i].asin for i in world.page_results())
        return labels
    if world.page == ITEM:
        product = catalogue[world.item]
        labels = [BACK_TO_SEARCH, PREV]
        for _, values in product.options:
            labels.extend(values)
        labels.extend(("Description", "Features", "Reviews", BUY))
        return labels
    if world.page in SUB_PAGES:
        return [BACK_TO_SEARCH, PREV]
    return []


def admissible_actions(world: World, catalogue: Catalogue) -> list[str]:
    """``search[...]`` on the search page, else ``click[label]`` for every button."""
    if world.page == SEARCH:
        return [SEARCH_TEMPLATE]
    return [f"click[{label}]" for label in buttons(world, catalogue)]


def _item_text(product: Product) -> list[str]:
    parts: list[str] = []
    for kind, values in product.options:
        parts.append(kind)
        parts.extend(values)
    parts.extend((product.title, f"Price: {format_price(product.price)}",
                  f"Rating: {format_rating(product.rating)}", "Description", "Features", "Reviews", BUY))
    return parts


def sub_page_parts(page: str, product: Product, catalogue_seed: int) -> list[str]:
    text = product_text(catalogue_seed, product)
    if page == "description":
        return [text.description]
    if page == "features":
        return list(text.bullets)
    parts: list[str] = []
    for stars, title, body in text.reviews:
        parts.extend((title, f"{stars} out of 5 stars", body))
    return parts


def observation(world: World, instruction: str, catalogue: Catalogue) -> str:
    """The page as WebShop's text mode shows it."""
    head = ["Instruction:", instruction]
    if world.page == SEARCH:
        return SEP.join(["WebShop", *head, "Search"])
    if world.page == RESULTS:
        parts = [*head, BACK_TO_SEARCH, f"Page {world.page_num} (Total results: {len(world.results)})"]
        if world.page_num > 1:
            parts.append(PREV)
        if world.page_num < world.num_pages:
            parts.append(NEXT)
        for i in world.page_results():
            product = catalogue[i]
            parts.extend((product.asin, product.title, format_price(product.price)))
        return SEP.join(parts)
    if world.page == ITEM:
        return SEP.join([*head, BACK_TO_SEARCH, PREV, *_item_text(catalogue[world.item])])
    if world.page in SUB_PAGES:
        product = catalogue[world.item]
        return SEP.join([*head, BACK_TO_SEARCH, PREV, *sub_page_parts(world.page, product, catalogue.seed)])
    product = catalogue[world.item]
    chosen = "; ".join(f"{k}: {v}" for k, v in world.options) or "none"
    return SEP.join([
        "Thank you for shopping with us!", "Purchased", product.asin, product.title,
        "options", chosen, "Your score (min 0.0, max 1.0)", f"{world.reward:.2f}",
    ])
