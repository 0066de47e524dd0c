"""WebShop's reward formula on hand-made products and goals, one term at a time.

r = r_type * (|U_att ∩ Y_att| + |U_opt ∩ Y_opt| + 1[price <= ceiling]) / (|U_att| + |U_opt| + 1)
"""

from __future__ import annotations

import pytest

from envs.webshop.reward import count_option_matches, fuzzy_match, type_reward, webshop_reward
from tasks.webshop.catalogue import Product
from tasks.webshop.instructions import Goal
from tasks.webshop.vocab import PRODUCT_TYPES

TYPE_INDEX = {t.noun: i for i, t in enumerate(PRODUCT_TYPES)}


def lipstick(**overrides) -> Product:
    fields = dict(
        index=0, asin="B000000001", title="Acme Matte Lipstick - Long Lasting, Cruelty Free",
        type_index=TYPE_INDEX["lipstick"], brand="Acme",
        attributes=("long lasting", "paraben free", "vegan"),
        options=(("color", ("ruby red", "coral")),), price=20.0, rating=4.5, text_seed=1,
    )
    fields.update(overrides)
    return Product(**fields)


def goal(**overrides) -> Goal:
    fields = dict(
        asin="B000000001", product_type="lipstick", category=PRODUCT_TYPES[TYPE_INDEX["lipstick"]].category,
        attributes=("long lasting", "vegan"), options=(("color", "ruby red"),), price_upper=30.0,
        instruction="i need a long lasting vegan lipstick, with color: ruby red, and price lower than 30.00 dollars",
    )
    fields.update(overrides)
    return Goal(**fields)


def reward(product: Product, chosen, g: Goal) -> float:
    return webshop_reward(product, chosen, g, catalogue_seed=0).reward


RED = (("color", "ruby red"),)


def test_everything_matches_gives_one():
    b = webshop_reward(lipstick(), RED, goal(), catalogue_seed=0)
    assert (b.r_type, b.attributes_matched, b.options_matched, b.price_ok) == (1.0, 2, 1, True)
    assert b.reward == 1.0  # 1 * (2 + 1 + 1) / (2 + 1 + 1)


def test_price_term_alone():
    assert reward(lipstick(price=30.0), RED, goal()) == 1.0  # "lower than" is inclusive: p <= ceiling
    assert reward(lipstick(price=30.01), RED, goal()) == pytest.approx(3 / 4)


def test_option_term_alone():
    assert reward(lipstick(), (("color", "coral"),), goal()) == pytest.approx(3 / 4)
    assert reward(lipstick(), (), goal()) == pytest.approx(3 / 4)  # nothing chosen
    assert reward(lipstick(), (("color", "Ruby-Red"),), goal()) == 1.0  # fuzzy for non-size kinds


def test_attribute_term_alone():
    g = goal(attributes=("long lasting", "vegan", "waterproof"))
    assert reward(lipstick(), RED, g) == pytest.approx(4 / 5)  # (2 + 1 + 1) / (3 + 1 + 1)
    # fuzzy: token-set ratio > 85 after default_process ("lasting long" has the same tokens)
    assert reward(lipstick(), RED, goal(attributes=("Lasting-Long",))) == 1.0
    # presence in the title counts even when the attribute list lacks it
    assert "cruelty free" not in lipstick().attributes
    assert reward(lipstick(), RED, goal(attributes=("cruelty free",))) == 1.0
    assert reward(lipstick(title="Acme Matte Lipstick"), RED, goal(attributes=("cruelty free",))) == pytest.approx(2 / 3)


def test_no_goal_options_changes_the_denominator():
    g = goal(options=(), attributes=("long lasting", "waterproof"))
    assert reward(lipstick(), (), g) == pytest.approx(2 / 3)  # (1 + 0 + 1) / (2 + 0 + 1)


def test_size_options_match_exactly_others_fuzzily():
    wanted = (("size", "8 fl oz (pack of 1)"),)
    assert fuzzy_match("8 fl oz (pack of 1)", "8 fl oz (pack of 2)")  # fuzzy alone would accept it
    assert count_option_matches(wanted, (("size", "8 fl oz (pack of 2)"),)) == 0
    assert count_option_matches(wanted, (("size", "8 FL  OZ (pack of 1)"),)) == 1
    assert count_option_matches((("scent", "tea tree"),), (("scent", "Tea-Tree"),)) == 1
    assert count_option_matches((("scent", "tea tree"),), (("scent", "coconut"),)) == 0


def _of(noun: str) -> Product:
    return lipstick(type_index=TYPE_INDEX[noun])


def _goal_for(noun: str) -> Goal:
    return goal(product_type=noun, category=PRODUCT_TYPES[TYPE_INDEX[noun]].category)


@pytest.mark.parametrize(
    ("bought", "wanted", "r_type"),
    [
        # the cases, as WebShop's get_type_reward scores them
        ("lip gloss", "lipstick", 1.0),  # two category levels shared (Beauty, Makeup, Lips)
        ("shampoo", "lipstick", 0.0),  # no name noun shared: 0 whatever the category
        ("hair oil", "olive oil", 1.0),  # "oil" is 1 of olive oil's 3 name nouns (> 0.2)
        ("usb c cable", "hdmi cable", 1.0),  # same category path and "cable"
        ("lipstick", "lipstick", 1.0),  # same query
        ("nail polish", "lipstick", 0.0),
        ("headphones", "lipstick", 0.0),
        ("coffee table", "ground coffee", 1.0),  # "coffee" is 1 of 2 name nouns
    ],
)
def test_type_term_follows_webshop(bought, wanted, r_type):
    assert type_reward(_of(bought), _goal_for(wanted)) == r_type


def test_type_term_half_for_a_weak_name_overlap():
    # 1 of 6 name nouns shared (0.167: not > 0.2 but >= 0.1), no category level or query shared
    mister = goal(product_type="olive oil spray mister bottle", category=("Kitchen", "Tools", "Misters"))
    assert type_reward(_of("hair oil"), mister) == 0.5


def test_type_term_scales_the_reward():
    assert reward(lipstick(), RED, _goal_for("shampoo")) == 0.0
    assert reward(_of("lip gloss"), RED, goal()) == pytest.approx(1.0 * 4 / 4)


def test_option_fallback_and_cap_depart_from_the_original_where_it_is_wrong():
    # for kinds other than size, WebShop's fuzzy threshold accepts 6.9 for 16.9 (ratio ~95)
    assert count_option_matches((("scent", "16.9 fl oz"),), (("scent", "6.9 fl oz"),)) == 1
    # as a size it is exact, and the text fallback wants whole words: WebShop's substring test
    # would find "6.9 fl oz" inside "16.9 fl oz" in the product text
    text = "rosemary hair oil, 16.9 fl oz bottle"
    assert count_option_matches((("size", "16.9 fl oz"),), (("size", "6.9 fl oz"),), text) == 0
    assert count_option_matches((("color", "ruby red"),), (("size", "16.9 fl oz"),), text) == 1
    # matches count at most once per goal option (the original could exceed 1)
    both = (("color", "ruby red"), ("shade", "ruby red"))
    assert count_option_matches((("color", "ruby red"),), both) == 1


def test_all_terms_together():
    # half type (1 of 6 name nouns shared), 1 of 2 attributes, wrong option, over budget:
    # 0.5 * (1 + 0 + 0) / 4
    g = goal(product_type="olive oil spray mister bottle", category=("Kitchen", "Tools", "Misters"),
             attributes=("long lasting", "waterproof"), price_upper=10.0)
    assert reward(_of("hair oil"), (("color", "coral"),), g) == pytest.approx(0.125)
