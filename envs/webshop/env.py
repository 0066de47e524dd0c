"""``stepgym/WebShop-v0``: WebShop's shopping game on an offline generated catalogue.

WebShop (Yao et al., "WebShop: Towards Scalable Real-World Web Interaction with Grounded
Language Agents", NeurIPS 2022): an instruction asks for a product; the agent searches,
browses result pages, opens items, chooses options and buys. Observations and actions are
WebShop's text mode (``search[query]``, ``click[button]``, page elements joined with
``[SEP]``); the reward, given on ``click[Buy Now]`` only, is WebShop's

    r = r_type * (|U_att ∩ Y_att| + |U_opt ∩ Y_opt| + 1[price <= u_price]) / (|U_att| + |U_opt| + 1)

(see :mod:`envs.webshop.reward`); success (``won``) is reward 1. ``info["progress"]`` uses only
what a player sees: 0 on the search page, 0.25 on a result page, 0.5 on an item page plus up to
0.25 for the instruction's option values chosen there, and the reward once bought; it never
reveals how well an unbought item matches. ``info["oracle_progress"]`` is the reward the open
item with the chosen options would earn if bought now: an oracle (it reads the hidden target's
terms) for analysis and shaping upper bounds, like ``expert_action``, never for a policy's
prompt.

Cheap copies: the catalogue and its search index live in process-wide caches keyed by
``(catalogue_seed, num_products)``; an env holds only those parameters, the task and a small
immutable :class:`~envs.webshop.pages.World`, so pickling, forking and vector envs copy
almost nothing and an unpickled env looks the catalogue up (or rebuilds it) by its params.

Difficulty levels (a kwarg and a reset option, ``level``; :mod:`tasks.webshop.levels`): 1 (300
products, one attribute, no options, the target on the first page of a search for the
instruction) .. 4 (the benchmark, the default). The catalogue is the current task's
(``task.data["catalogue"]``), so a reset may switch levels.

``info["expert_action"]`` is, by default (``expert="player"``), an expert that acts only on what
a player sees: it searches the instruction's words, picks the result whose pages (title,
features, description, options, price) meet the instruction, chooses the instruction's options
and buys; it may buy another product that meets the instruction as well as the target (reward
1 too). Tasks are served only if it wins them (it wins all 500 eval tasks at every level).
``expert="oracle"`` is the earlier expert, which knows the target (it searches the target's
title, or the instruction with ``instruction_search``, and clicks the target).

``instruction_search=True`` is for agents that choose among admissible actions (action
scoring, as in WebShop's own IL baseline, whose choice model only clicks): the search page
lists ``search[<the instruction>]`` instead of WebShop's free-text ``search[<your query>]``
template, and the expert searches the instruction too (the title where that search misses the
target), so its demonstrations use only what the page shows. Any ``search[...]`` is still
accepted. At levels 1-2 that search lists the target on its first page.

``reward_mode="success"`` pays 1 for a purchase that scores 1 and 0 otherwise (the score stays
in ``info["task_score"]``): what verl-agent trains GiGPO on in WebShop ("win for 10, lose for
0"). With WebShop's partial-credit score as the reward, a policy can keep its return by buying
a near match sooner, and success falls (docs/experiments/2026-12-03-start-models.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from envs.core import TextEnv, Transition
from envs.webshop import engine
from envs.webshop.expert import expert_action, player_action
from envs.webshop.pages import (
    DONE,
    ITEM,
    PER_PAGE,
    RESULTS,
    SEARCH,
    SUB_PAGES,
    World,
    admissible_actions,
    observation,
)
from envs.webshop.reward import webshop_reward
from envs.webshop.search import SearchIndex, get_search_index
from tasks.base import Task
from tasks.webshop.catalogue import DEFAULT_NUM_PRODUCTS, DEFAULT_SEED, Catalogue, get_catalogue
from tasks.webshop.instructions import Goal
from tasks.webshop.levels import BENCHMARK_LEVEL, LEVELS
from tasks.webshop.suite import WebShopSuite

REWARD_MODES = ("score", "success")
#: who fills info["expert_action"]: the oracle (knows the target) or a player (sees only pages)
EXPERTS = ("oracle", "player")


class WebShopEnv(TextEnv):
    """WebShop in text mode (``render_mode="html"`` renders the same page as HTML)."""

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["ansi", "human", "html"], "render_fps": 4}
    prompt_format: ClassVar[str] = "plain"
    action_help: ClassVar[str] = (
        "You are shopping on WebShop. On the search page write search[your query]; on other "
        "pages write click[button] with a button shown on the page: an item id such as "
        "click[B0ABC12345], click[Next >], click[< Prev], click[Back to Search], an option "
        "value such as click[red], click[Description], click[Features], click[Reviews], and "
        "click[Buy Now] to buy the open item with the chosen options."
    )
    verify_step_limit: ClassVar[int] = 40

    def __init__(
        self,
        split: str = "train",
        num_products: int = DEFAULT_NUM_PRODUCTS,
        catalogue_seed: int = DEFAULT_SEED,
        render_mode: str | None = None,
        verify_tasks: bool = True,
        max_action_length: int = 4096,
        level: int = BENCHMARK_LEVEL,
        instruction_search: bool = False,
        reward_mode: str = "score",
        expert: str = "player",
    ) -> None:
        super().__init__(
            WebShopSuite(catalogue_seed, num_products, level), split=split, render_mode=render_mode,
            max_action_length=max_action_length, verify_tasks=verify_tasks,
        )
        self.num_products = int(num_products)
        self.catalogue_seed = int(catalogue_seed)
        if not isinstance(instruction_search, bool):
            raise TypeError(f"instruction_search must be a bool, got {instruction_search!r}")
        self.instruction_search = instruction_search
        if reward_mode not in REWARD_MODES:
            raise ValueError(f"reward_mode must be one of {REWARD_MODES}, got {reward_mode!r}")
        self.reward_mode = reward_mode
        if expert not in EXPERTS:
            raise ValueError(f"expert must be one of {EXPERTS}, got {expert!r}")
        self.expert = expert
        self.world = World()
        self._goal: Goal | None = None
        self._goal_task: Task | None = None  # the task ``_goal`` was read from
        self._finds: tuple[Task | None, bool] | None = None  # (task, instruction search finds it)
        get_search_index(self.catalogue)  # build (or load) once per process, up front

    # ------------------------------------------------------------------ shared data
    @property
    def catalogue(self) -> Catalogue:
        """The current task's catalogue (before a reset: that of the env's level)."""
        if self._task is None:
            return self.suite.catalogue
        return _task_catalogue(self._task)

    @property
    def index(self) -> SearchIndex:
        return get_search_index(self.catalogue)

    @property
    def goal(self) -> Goal:
        task = self._task
        assert task is not None
        # keyed by the task itself, not its id: verification retries one id with new data
        if self._goal is None or self._goal_task is not task:
            self._goal = Goal.from_data(dict(task.data))
            self._goal_task = task
        return self._goal

    @property
    def target(self) -> int:
        assert self._task is not None
        return int(self._task.data["product_index"])

    # ------------------------------------------------------------------ verification
    def verify(self, task: Task) -> bool:
        """The expert wins, and at levels that promise it, ``search[<instruction>]`` shows
        the target on the first result page."""
        return _on_first_page(task) and super().verify(task)

    # ------------------------------------------------------------------ hooks
    def _start(self, task: Task) -> str:
        self.world = World()
        return self._observe()

    def _observe(self) -> str:
        return observation(self.world, self.goal.instruction, self.catalogue)

    def _transition(self, action: str) -> Transition:
        outcome = engine.apply(self.world, action, self.catalogue, self.index, self.goal)
        if not outcome.valid:
            return Transition(
                f"Invalid action: {outcome.reason}. Nothing happens. [SEP] {self._observe()}",
                action_valid=False,
            )
        self.world = outcome.world
        if outcome.bought:
            score = self.world.reward
            won = score >= 1.0 - 1e-9
            return Transition(
                self._observe(), reward=float(won) if self.reward_mode == "success" else score,
                terminated=True, won=won,
                extra_info={"reward_breakdown": dict(self.world.breakdown), "task_score": score},
            )
        return Transition(self._observe())

    def _info(self) -> dict[str, Any]:
        admissible = admissible_actions(self.world, self.catalogue)
        query = None
        finds = True
        if self.instruction_search:
            query = instruction_query(self.goal.instruction)
            finds = self._instruction_finds_target(query)
            if self.world.page == SEARCH:
                admissible = [f"search[{query}]"]
        return {
            "admissible_actions": admissible,
            "progress": self.progress(),
            "oracle_progress": self.oracle_progress(),
            "expert_action": (
                player_action(self.world, self.goal, self.catalogue,
                              instruction_query(self.goal.instruction))
                if self.expert == "player" else
                expert_action(self.world, self.goal, self.target, self.catalogue,
                              query=query, query_finds_target=finds)),
        }

    def _instruction_finds_target(self, query: str) -> bool:
        """Whether a search for ``query`` lists the target: one search per task, not per step."""
        task = self._task
        if self._finds is None or self._finds[0] is not task:
            self._finds = (task, self.target in self.index.search(query))
        return self._finds[1]

    def progress(self) -> float:
        """How far along a player is, from what the page shows (module docstring)."""
        page = self.world.page
        if page == DONE:
            return float(self.world.reward)
        if page == ITEM or page in SUB_PAGES:
            wanted = self.goal.options
            chosen = self.world.chosen()
            hits = sum(chosen.get(kind) == value for kind, value in wanted)
            return 0.5 + (0.25 * hits / len(wanted) if wanted else 0.0)
        return 0.25 if page == RESULTS else 0.0

    def oracle_progress(self) -> float:
        """Oracle: the reward the open item with the chosen options would earn if bought now."""
        if self.world.page == DONE:
            return float(self.world.reward)
        if self.world.page == ITEM or self.world.page in SUB_PAGES:
            product = self.catalogue[self.world.item]
            return webshop_reward(product, self.world.options, self.goal, self.catalogue_seed).reward
        return 0.0

    def _get_world(self) -> World:
        return self.world  # immutable

    def _set_world(self, world: World) -> None:
        self.world = world

    # ------------------------------------------------------------------ rendering
    def render(self) -> str | None:
        if self.render_mode == "html":
            return self.render_html()
        return super().render()

    def render_html(self, action_url: str = "", feedback: str = "") -> str:
        """The current page as HTML (the web server uses the same templates)."""
        from envs.webshop.html import render_page

        return render_page(self.world, self.goal, self.catalogue, action_url=action_url, feedback=feedback)


def instruction_query(instruction: str) -> str:
    """The search ``instruction_search`` offers: the instruction's words, lower case.

    >>> instruction_query("Get me  socks, and price lower than 30.00 dollars")
    'get me socks, and price lower than 30.00 dollars'
    """
    return " ".join(instruction.lower().split())


def _task_catalogue(task: Task) -> Catalogue:
    spec = task.data["catalogue"]
    return get_catalogue(int(spec["seed"]), int(spec["size"]))


def _on_first_page(task: Task) -> bool:
    """False when the task's level promises the target on page 1 of a search for the
    instruction and it is not there."""
    if not LEVELS[int(task.options.get("level", BENCHMARK_LEVEL))].first_page:
        return True
    results = get_search_index(_task_catalogue(task)).search(task.data["instruction"])
    return int(task.data["product_index"]) in results[:PER_PAGE]
