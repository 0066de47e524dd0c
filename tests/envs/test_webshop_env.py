"""stepgym/WebShop-v0: pages and actions, reward on Buy Now, expert, frozen eval split."""

from __future__ import annotations

import pickle

import gymnasium as gym
import pytest

import envs  # noqa: F401
from envs.testing import assert_text_env
from envs.webshop import WebShopEnv
from tasks.webshop.suite import EVAL_CHECKSUM, EVAL_SIZE

SMALL = {"num_products": 2000}


@pytest.fixture
def env():
    e = gym.make("stepgym/WebShop-v0", **SMALL)
    yield e
    e.close()


def _follow_expert(env, info, until=None):
    while True:
        action = info["expert_action"]
        if until is not None and until(action):
            return info
        obs, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            return obs, reward, info


def test_pages_and_actions_are_webshops(env):
    obs, info = env.reset(seed=3)
    goal = info["goal"]
    assert obs == f"WebShop [SEP] Instruction: [SEP] {goal} [SEP] Search"
    assert info["admissible_actions"] == ["search[<your query>]"]
    # clicks are not allowed on the search page, searching elsewhere is not either
    obs, reward, terminated, _, info = env.step("click[Buy Now]")
    assert not info["action_valid"] and not terminated and reward == 0 and "Invalid action" in obs
    obs, reward, _, _, info = env.step("search[lipstick]")
    assert info["action_valid"] and reward == 0
    assert obs.startswith(f"Instruction: [SEP] {goal} [SEP] Back to Search [SEP] Page 1 (Total results: 50) [SEP] Next >")
    assert len(info["admissible_actions"]) == 12  # Back to Search, Next >, 10 items
    assert not env.step("search[shampoo]")[4]["action_valid"]
    base = env.unwrapped
    first = [base.catalogue[i].asin for i in base.world.page_results()]
    obs, *_, info = env.step("click[Next >]")
    assert "Page 2 (Total results: 50) [SEP] < Prev [SEP] Next >" in obs
    assert "click[< Prev]" in info["admissible_actions"]
    env.step("click[< Prev]")
    assert [base.catalogue[i].asin for i in base.world.page_results()] == first
    # an item by title, case-insensitively
    title = base.catalogue[base.world.results[1]].title
    obs, *_, info = env.step(f"click[{title.upper()}]")
    assert info["action_valid"] and base.world.page == "item"
    product = base.catalogue[base.world.item]
    assert f"{title} [SEP] Price: ${product.price:.2f} [SEP] Rating:" in obs
    assert obs.endswith("Description [SEP] Features [SEP] Reviews [SEP] Buy Now")
    kind, values = product.options[0]
    assert f"< Prev [SEP] {kind} [SEP] {values[0]}" in obs
    for sub in ("Description", "Features", "Reviews"):
        obs, *_, info = env.step(f"click[{sub}]")
        assert info["action_valid"] and info["admissible_actions"] == ["click[Back to Search]", "click[< Prev]"]
        env.step("click[< Prev]")
        assert base.world.page == "item"
    obs, *_, info = env.step("click[Back to Search]")
    assert obs.startswith("WebShop [SEP]")


def test_reward_only_on_buy_and_oracle_progress_is_reward_if_bought_now(env):
    _, info = env.reset(seed=5)
    base = env.unwrapped
    info = _follow_expert(env, info, until=lambda a: a == "click[Buy Now]")
    assert info["oracle_progress"] == 1.0 and info["progress"] == 0.75
    # choose a wrong option where possible: progress drops by exactly one option term
    goal = base.goal
    assert goal.options, "pick a seed whose goal has options"
    if goal.options:
        kind, wanted = goal.options[0]
        other = next(v for v in dict(base.catalogue[base.world.item].options)[kind] if v != wanted)
        _, reward, _, _, info = env.step(f"click[{other}]")
        n = len(goal.attributes) + len(goal.options) + 1
        assert reward == 0 and info["oracle_progress"] == pytest.approx(1 - 1 / n)
        expected = info["oracle_progress"]
        obs, reward, terminated, _, info = env.step("click[Buy Now]")
        assert terminated and reward == pytest.approx(expected) and not info["won"]
        assert info["reward_breakdown"]["options_matched"] == len(goal.options) - 1
        assert obs.startswith("Thank you for shopping with us!") and f"{expected:.2f}" in obs


def test_progress_shows_only_what_a_player_sees(env):
    """Before Buy Now, progress is the page stage plus the instruction's options chosen: the
    same for the target and for any other item, so it does not leak how well an item matches
    (that is oracle_progress)."""
    _, info = env.reset(seed=5)
    base = env.unwrapped
    by_page = {base.world.page: info["progress"]}
    while info["expert_action"] != "click[Buy Now]":
        _, _, _, _, info = env.step(info["expert_action"])
        by_page.setdefault(base.world.page, info["progress"])
    assert by_page == {"search": 0.0, "results": 0.25, "item": 0.5}
    assert info["progress"] == 0.75 and info["oracle_progress"] == 1.0  # all options chosen
    env.step("click[< Prev]")
    assert base.world.page == "results"
    target = base.catalogue[base.target].asin
    other = next(a for a in base._info()["admissible_actions"]
                 if a[6:-1] in base.catalogue.by_asin and a != f"click[{target}]")
    _, _, _, _, info = env.step(other)
    assert base.world.page == "item" and info["progress"] == 0.5
    assert info["oracle_progress"] < 1.0


def test_expert_wins_and_wrong_item_scores_less(env):
    _, info = env.reset(seed=11)
    _, reward, info = _follow_expert(env, info)
    assert reward == 1.0 and info["won"] and info["progress"] == 1.0
    # buying the first result of an unrelated query
    _, info = env.reset(seed=11)
    env.step("search[bluetooth speaker waterproof]")
    env.step(f"click[{env.unwrapped.catalogue[env.unwrapped.world.results[0]].asin}]")
    _, reward, terminated, _, info = env.step("click[Buy Now]")
    assert terminated and reward < 1.0 and not info["won"]


def test_state_is_small_and_env_pickles_cheaply(env):
    _, info = env.reset(seed=2)
    env.step(info["expert_action"])
    blob = pickle.dumps(env)
    assert len(blob) < 100_000  # no catalogue or index inside
    clone = pickle.loads(blob)
    assert clone.unwrapped.world == env.unwrapped.world
    assert clone.step("click[Back to Search]")[0] == env.step("click[Back to Search]")[0]


def test_html_render_mode(env):
    html_env = gym.make("stepgym/WebShop-v0", render_mode="html", **SMALL)
    _, info = html_env.reset(seed=1)
    page = html_env.render()
    assert page.startswith("<!doctype html>") and 'id="search-input"' in page
    assert info["goal"].replace("'", "&#39;") in page
    html_env.step(info["expert_action"])
    page = html_env.render()
    asin = html_env.unwrapped.catalogue[html_env.unwrapped.world.results[0]].asin
    assert f'value="click[{asin}]"' in page and "Total results: 50" in page


def test_conformance_on_a_small_catalogue():
    assert_text_env("stepgym/WebShop-v0", make_kwargs=SMALL, fuzz_actions=500)


def test_frozen_eval_split_checksum_and_expert_on_all_500():
    env = WebShopEnv(split="eval")  # the default 10,000-product catalogue
    assert env.suite.name == "webshop" and env.suite.split_size("eval") == EVAL_SIZE == 500
    assert env.suite.split_checksum("eval", verify=env.verify) == EVAL_CHECKSUM
    wins = 0
    for index in range(EVAL_SIZE):
        _, info = env.reset(options={"task_index": index})
        for _ in range(15):  # the registered step limit
            _, reward, terminated, _, info = env.step(info["expert_action"])
            if terminated:
                break
        wins += int(reward == 1.0 and info["won"])
    assert wins == EVAL_SIZE


def test_other_catalogues_get_their_own_suite_name():
    env = WebShopEnv(num_products=2000, catalogue_seed=0)
    assert env.suite.name == "webshop-s0-n2000" and env.suite.frozen_checksums == {}
    _, info = env.reset(seed=0)
    assert info["task_id"] == "webshop-s0-n2000:train:0"


def test_instruction_search_lists_the_instruction_and_the_expert_uses_it():
    env = gym.make("stepgym/WebShop-v0", **SMALL, instruction_search=True)
    plain = gym.make("stepgym/WebShop-v0", **SMALL)
    missed = 0
    for seed in range(12):
        _, info = env.reset(seed=seed)
        _, plain_info = plain.reset(seed=seed)
        query = " ".join(info["goal"].lower().split())
        assert info["admissible_actions"] == [f"search[{query}]"]
        assert plain_info["admissible_actions"] == ["search[<your query>]"]
        # the expert searches the instruction, or the title where that misses the target
        finds = env.unwrapped.target in env.unwrapped.index.search(query)
        assert (info["expert_action"] == f"search[{query}]") == finds
        missed += not finds
        _, reward, info = _follow_expert(env, info)
        assert reward == 1.0 and info["won"]
    assert missed < 12  # the instruction finds the target for some tasks
    # any search is still accepted
    env.reset(seed=0)
    _, _, _, _, info = env.step("search[socks]")
    assert info["action_valid"] and info["admissible_actions"][0] == "click[Back to Search]"
    with pytest.raises(TypeError, match="instruction_search"):
        gym.make("stepgym/WebShop-v0", **SMALL, instruction_search="yes")


def test_instruction_search_expert_falls_back_to_the_title(env):
    from envs.webshop.expert import expert_action

    _, info = env.reset(seed=3)
    shop = env.unwrapped
    title = shop.catalogue[shop.target].title.lower()
    args = (shop.goal, shop.target, shop.catalogue)
    assert expert_action(shop.world, *args, query="zzz", query_finds_target=False) == f"search[{title}]"
    assert expert_action(shop.world, *args, query="red shoes") == "search[red shoes]"
    # on the results of a search that missed, it goes back; then searches the title and wins
    _, _, _, _, info = env.step("search[zzz qqq unrelated]")
    assert expert_action(shop.world, *args, query="zzz qqq unrelated",
                         query_finds_target=False) == "click[Back to Search]"
    _, reward, _ = _follow_expert(env, info)
    assert reward == 1.0


def test_conformance_with_instruction_search_at_level_2():
    assert_text_env("stepgym/WebShop-v0", make_kwargs={"level": 2, "instruction_search": True},
                    fuzz_actions=200)


def test_success_reward_mode_pays_only_a_perfect_purchase():
    env = gym.make("stepgym/WebShop-v0", **SMALL, reward_mode="success")
    score_env = gym.make("stepgym/WebShop-v0", **SMALL)
    seed = next(s for s in range(50) if env.reset(seed=s) and env.unwrapped.goal.options)
    for e in (env, score_env):  # the target without its options: partial score, no success
        _, info = e.reset(seed=seed)
        while e.unwrapped.world.page != "item":
            _, _, _, _, info = e.step(info["expert_action"])
    _, reward, _, _, info = env.step("click[Buy Now]")
    _, score, _, _, score_info = score_env.step("click[Buy Now]")
    assert 0.0 < score < 1.0 and score_info["task_score"] == score
    assert reward == 0.0 and info["task_score"] == score and not info["won"]
    _, info = env.reset(seed=seed)
    _, reward, info = _follow_expert(env, info)
    assert reward == 1.0 and info["won"] and info["task_score"] == 1.0
    with pytest.raises(ValueError, match="reward_mode"):
        gym.make("stepgym/WebShop-v0", **SMALL, reward_mode="won")


def test_player_expert_never_reads_the_target():
    """The default expert acts on what a player sees: with the target's identity scrambled,
    its actions are the same (it reads the instruction and the pages, not product_index)."""
    plain = gym.make("stepgym/WebShop-v0", num_products=2000)
    _, info = plain.reset(seed=3)
    assert plain.unwrapped.expert == "player"
    actions = []
    while info["expert_action"] is not None and len(actions) < 15:
        actions.append(info["expert_action"])
        _, reward, terminated, _, info = plain.step(info["expert_action"])
        if terminated:
            break
    assert reward == 1.0
    scrambled = gym.make("stepgym/WebShop-v0", num_products=2000)
    _, info = scrambled.reset(seed=3)
    scrambled.unwrapped.task.data["product_index"] = -12345  # the oracle would break on this
    replay = []
    for _ in actions:
        replay.append(info["expert_action"])
        _, _, terminated, _, info = scrambled.step(info["expert_action"])
        if terminated:
            break
    assert replay == actions
    with pytest.raises(ValueError, match="expert must be one of"):
        gym.make("stepgym/WebShop-v0", expert="psychic")
