"""HTML rendering of WebShop's pages with Jinja2 templates (``templates/``).

The same templates serve ``render_mode="html"`` and the web server (``envs.webshop.server``):
every button is a small form that posts its ``click[...]`` action to ``action_url``, and the
search page posts a query; with an empty ``action_url`` the page is a static rendering.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

from envs.webshop.pages import (
    BACK_TO_SEARCH,
    NEXT,
    PREV,
    SUB_PAGES,
    World,
    format_price,
    format_rating,
    sub_page_parts,
)
from tasks.webshop.catalogue import Catalogue, product_text
from tasks.webshop.instructions import Goal

TEMPLATES = Path(__file__).parent / "templates"


@functools.lru_cache(maxsize=1)
def jinja_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    return jinja_env().get_template(name).render(**context)


def page_context(world: World, goal: Goal, catalogue: Catalogue) -> dict[str, Any]:
    """What the page templates show, as plain data."""
    ctx: dict[str, Any] = {
        "page": world.page, "instruction": goal.instruction, "query": world.query,
        "back_to_search": BACK_TO_SEARCH, "prev": PREV, "next": NEXT,
    }
    if world.page == "results":
        ctx.update(
            page_num=world.page_num, num_pages=world.num_pages, total=len(world.results),
            items=[{"asin": catalogue[i].asin, "title": catalogue[i].title,
                    "price": format_price(catalogue[i].price)} for i in world.page_results()],
        )
    if world.item >= 0:
        product = catalogue[world.item]
        chosen = world.chosen()
        ctx["product"] = {
            "asin": product.asin, "title": product.title, "price": format_price(product.price),
            "rating": format_rating(product.rating), "category": " › ".join(product.category),
            "options": [{"kind": kind, "values": list(values), "chosen": chosen.get(kind)}
                        for kind, values in product.options],
            "bullets": list(product_text(catalogue.seed, product).bullets),
        }
        ctx["chosen"] = [f"{k}: {v}" for k, v in world.options]
    if world.page in SUB_PAGES:
        ctx["sub_parts"] = sub_page_parts(world.page, catalogue[world.item], catalogue.seed)
    if world.page == "done":
        ctx["reward"] = f"{world.reward:.2f}"
        ctx["breakdown"] = dict(world.breakdown)
    return ctx


def render_page(world: World, goal: Goal, catalogue: Catalogue, action_url: str = "",
                feedback: str = "", extra: dict[str, Any] | None = None) -> str:
    """The current page as a full HTML document."""
    ctx = page_context(world, goal, catalogue)
    ctx.update(action_url=action_url, feedback=feedback, **(extra or {}))
    return render_template("page.html", **ctx)
