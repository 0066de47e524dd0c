"""MathChain's atomic families, composition and answer extraction, checked independently.

Each family's answer is re-derived with sympy from the same quantities by a different
route (unit algebra with sympy.physics.units, or solving the equation the story states),
never by calling the family's own answer function.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from sympy.physics import units as u
from sympy.physics.units import convert_to

from tasks.base import task_rng
from tasks.mathchain.answers import extract_answer, parse_number
from tasks.mathchain.catalog import FAMILIES, FAMILY_BY_NAME
from tasks.mathchain.compose import (
    Draws,
    Phi,
    build_chain,
    link_candidates,
    recompute_answers,
    sample_problem,
)
from tasks.mathchain.families import MAX_VALUE, Quantity
from tasks.mathchain.units import conversion_factor, fmt

x = sp.Symbol("x")


def _solve(equation: sp.Eq) -> sp.Rational:
    (root,) = sp.solve(equation, x)
    return sp.nsimplify(root)


def _magnitude(quantity, unit) -> sp.Rational:
    return sp.nsimplify(convert_to(quantity, unit) / unit)


WEEK = 7 * u.day

SYMPY_ANSWERS = {
    "travel_distance": lambda v: _magnitude(v["speed"] * u.km / u.hour * v["time"] * u.minute, u.km),
    "production": lambda v: _solve(sp.Eq(x / (v["hours"] * v["days"]), v["rate"])),
    "change": lambda v: _solve(sp.Eq(v["n"] * v["price"] + x, v["paid"])),
    "discount": lambda v: _solve(sp.Eq(x + sp.Rational(v["pct"], 100) * v["price"], v["price"])),
    "bus_riders": lambda v: _solve(sp.Eq(x + sp.Rational(v["pct"], 100) * v["total"], v["total"])),
    "ratio_share": lambda v: _solve(sp.Eq(x / v["b"] * (v["a"] + v["b"]), v["total"])),
    "recipe": lambda v: _solve(sp.Eq(sp.Rational(v["flour"], v["eggs"]), x / v["eggs2"])),
    "shifts": lambda v: _magnitude(
        v["n"] * (v["hours"] * u.hour - v["brk"] * u.minute), u.minute),
    "practice": lambda v: _magnitude(v["mins"] * u.minute / u.day * v["weeks"] * WEEK, u.hour),
    "rope": lambda v: _magnitude(v["length"] * u.m / (v["piece"] * u.cm), u.m / u.m),
    "tank": lambda v: _magnitude(
        v["volume"] * u.liter / (v["rate"] * u.milliliter / u.second), u.second),
    "boxes": lambda v: _magnitude(v["weight"] * u.gram * v["n"], u.kilogram),
    "stickers": lambda v: _solve(sp.Eq(x + v["gave"] - v["packs"] * v["per"], v["have"])),
    "savings": lambda v: _solve(sp.Eq((v["earn"] - v["spend"]) * x, v["cost"])),
    "average": lambda v: _solve(sp.Eq((v["a"] + v["b"] + v["c"] + x) / 4, v["mean"])),
    "ages": lambda v: _solve(sp.Eq(x - v["later"], v["k"] * v["age"])),
    "interest": lambda v: _solve(
        sp.Eq(v["principal"] + x, v["principal"] * (1 + sp.Rational(v["rate"] * v["years"], 100)))),
    "overtime": lambda v: sp.nsimplify(sp.integrate(
        sp.Piecewise((v["wage"], x <= 40), (sp.Rational(3, 2) * v["wage"], True)), (x, 0, v["hours"]))),
    "fuel": lambda v: _magnitude(v["use"] * u.liter / (100 * u.km) * v["dist"] * u.km, u.liter),
    "trip_time": lambda v: _magnitude(v["dist"] * u.km / (v["speed"] * u.km / u.hour), u.hour),
    "flour_sacks": lambda v: _solve(sp.Eq(x * v["n"], v["total"])),
    "road_lamps": lambda v: _magnitude(v["length"] * u.m / (v["gap"] * u.m), u.m / u.m),
    "bake_sale": lambda v: _solve(sp.Eq(x + v["n"] * v["cost"] + v["rent"], v["n"] * v["price"])),
}


def _instances(family, count: int, seed: int = 0):
    draws = Draws(np.random.default_rng(seed))
    out = []
    while len(out) < count:
        link = sample_problem(family, draws)
        if link is not None:
            out.append(link)
    return out


def test_catalog_has_enough_families_and_topics():
    assert len(FAMILIES) >= 15
    assert {f.topic for f in FAMILIES} >= {"rates", "ratios", "percentages", "money", "time",
                                           "units", "arithmetic"}
    assert set(SYMPY_ANSWERS) == set(FAMILY_BY_NAME), "every family needs a sympy re-derivation"
    for family in FAMILIES:
        assert family.slots, f"{family.name} has no slot a previous answer can feed"
        for q in family.quantities:
            assert 0 < q.low <= q.high and q.low <= q.step * (q.high // q.step)


@pytest.mark.parametrize("name", sorted(SYMPY_ANSWERS))
def test_family_answers_match_sympy(name):
    family = FAMILY_BY_NAME[name]
    for link in _instances(family, 25, seed=len(name)):
        expected = SYMPY_ANSWERS[name](link.values)
        assert expected.is_Integer, (name, link.values, expected)
        assert link.answer == int(expected) == family.answer(link.values)
        assert 1 <= link.answer <= family.max_answer
        text = family.render(link.values, link.words, {})
        assert text.endswith("?") and "{" not in text
        for q in family.quantities:  # every quantity is stated in the question
            assert str(link.values[q.name]) in text
        assert fmt(Fraction(link.answer)) in family.steps(link.values)[-1]


def test_hand_checked_instances():
    cases = [
        ("travel_distance", {"speed": 12, "time": 90}, 18),
        ("discount", {"price": 250, "pct": 20}, 200),
        ("ratio_share", {"total": 35, "a": 2, "b": 5}, 25),
        ("practice", {"mins": 30, "weeks": 2}, 7),
        ("tank", {"volume": 30, "rate": 250}, 120),
        ("overtime", {"wage": 20, "hours": 45}, 950),
        ("shifts", {"hours": 8, "brk": 30, "n": 5}, 2250),
        ("savings", {"earn": 100, "spend": 60, "cost": 400}, 10),
    ]
    for name, values, answer in cases:
        assert FAMILY_BY_NAME[name].accepts(values) == answer, name


def test_families_reject_insane_instances():
    assert FAMILY_BY_NAME["change"].accepts({"n": 10, "price": 20, "paid": 100}) is None  # negative
    assert FAMILY_BY_NAME["travel_distance"].accepts({"speed": 7, "time": 10}) is None  # 7/6 km
    assert FAMILY_BY_NAME["savings"].accepts({"earn": 50, "spend": 50, "cost": 100}) is None
    assert FAMILY_BY_NAME["ages"].accepts({"age": 40, "k": 6, "later": 1}) is None  # 241 years


# ------------------------------------------------------------------ composition
def test_phi_kinds_apply_and_read():
    minutes = Quantity("t", 1, 10_000, "minutes", "time")
    assert Phi("identity").apply(Fraction(7), "minutes") == 7
    assert Phi("scale", 3).apply(Fraction(7), "minutes") == 21
    assert Phi("divide", 2).apply(Fraction(7), "minutes") == Fraction(7, 2)
    assert Phi("offset", -4).apply(Fraction(7), "minutes") == 3
    assert Phi("convert", 0, "hours").apply(Fraction(7), "minutes") == 420
    assert Phi("offset", -4).shown(minutes) == "X - 4 minutes"
    assert Phi("scale", 3).shown(minutes) == "3X minutes"
    assert Phi("convert", 0, "hours").shown(minutes) == "X hours"
    assert "7 × 60 = 420 minutes" in Phi("convert", 0, "hours").explain(
        Fraction(7), Fraction(420), minutes)
    assert conversion_factor("kilograms", "grams") == 1000
    assert conversion_factor("dollars", "minutes") is None


def test_link_candidates_stay_in_range_and_integral():
    slot = Quantity("n", 10, 100)
    draws = Draws(np.random.default_rng(0))
    options = link_candidates(35, "", slot, draws)
    values = {p.apply(Fraction(35), "") for kind in options.values() for p in kind}
    assert all(v.denominator == 1 and 10 <= v <= 100 for v in values)
    assert Fraction(35) in values and Fraction(70) in values and Fraction(7) not in values
    assert link_candidates(100_000, "", slot, draws).get("identity") is None


def _sympy_chain(records) -> list[int]:
    """Ground truth through the chain, with phi applied in sympy and answers from SYMPY_ANSWERS."""
    answers: list[int] = []
    for j, rec in enumerate(records):
        values = dict(rec["values"])
        if j > 0:
            phi, y = rec["phi"], sp.Integer(answers[-1])
            unit = FAMILY_BY_NAME[rec["family"]].quantity(rec["slot"]).unit
            slot_value = {
                "identity": y, "scale": y * phi["param"], "divide": y / phi["param"],
                "offset": y + phi["param"],
                "convert": y * sp.Rational(str(conversion_factor(phi["from_unit"], unit) or 0)),
            }[phi["kind"]]
            assert slot_value == values[rec["slot"]], (j, rec)
        answers.append(int(SYMPY_ANSWERS[rec["family"]](values)))
    return answers


@pytest.mark.parametrize("horizon", [1, 2, 4, 8, 12])
def test_chains_are_sane_and_ground_truth_recomputes(horizon):
    for index in range(40):
        chain = build_chain(Draws(task_rng("mathchain", "test", index)), horizon)
        records = [link.to_dict(j, chain[j - 1].answer if j else None) for j, link in enumerate(chain)]
        assert len(records) == horizon
        assert [int(a) for a in recompute_answers(records)] == [r["answer"] for r in records]
        assert _sympy_chain(records) == [r["answer"] for r in records]
        for j, rec in enumerate(records):
            family = FAMILY_BY_NAME[rec["family"]]
            assert 1 <= rec["answer"] <= MAX_VALUE
            for q in family.quantities:
                assert q.low <= rec["values"][q.name] <= q.high
            if j:
                assert rec["question"].startswith(f"Let X be the answer to Problem {j}. ")
                assert records[j - 1]["family"] != rec["family"]
            else:
                assert rec["phi"] is None and "X" not in rec["question"].split()


def test_every_link_kind_occurs():
    kinds: dict[str, int] = {}
    for index in range(150):
        for link in build_chain(Draws(task_rng("mathchain", "kinds", index)), 6)[1:]:
            assert link.phi is not None
            kinds[link.phi.kind] = kinds.get(link.phi.kind, 0) + 1
    assert set(kinds) == {"identity", "scale", "divide", "offset", "convert"}
    assert kinds["convert"] >= 5, kinds


def test_chain_generation_is_deterministic():
    a = build_chain(Draws(task_rng("mathchain", "train", 5)), 6)
    b = build_chain(Draws(task_rng("mathchain", "train", 5)), 6)
    assert [(x.family.name, x.values, x.answer) for x in a] == [(y.family.name, y.values, y.answer) for y in b]
    with pytest.raises(ValueError):
        build_chain(Draws(task_rng("mathchain", "train", 5)), 0)


# ------------------------------------------------------------------ answer extraction
@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("So she has \\boxed{42} apples.", 42),
        ("\\boxed{\\$1,234}", 1234),
        ("\\boxed{12 \\text{ minutes}} and then 7", 12),
        ("\\boxed{\\frac{3}{4}}", Fraction(3, 4)),
        ("first \\boxed{3}, finally \\boxed{5}", 5),
        ("Answer: 1,000,000", 1_000_000),
        ("The final answer is **$45.50**.", Fraction(91, 2)),
        ("answer = -3", -3),
        ("12 + 5 = 17 kilometers", 17),
        ("It costs $2,500", 2500),
        ("3 - 5", 5),
        ("\x1b[31m12\x1b[0m", 12),
        ("\\boxed{9.3e2}", 930),  # scientific notation
        ("so it is 1.5E3 meters", 1500),
        ("\\boxed{15.5 minutes = 930}", 930),  # an equation's right-hand side
        ("\\boxed{x = 12 + 5 = 17}", 17),
        ("\\boxed{12 (12 apples)}", 12),  # the same number twice is not ambiguous
    ],
)
def test_extraction_accepts_common_formats(reply, value):
    assert extract_answer(reply).value == value


@pytest.mark.parametrize("reply", ["", "no idea", "nan", "\\boxed{}", "\\boxed{x}", "\x00\x07\x1b[2J",
                                   "\\boxed{12", "9" * 400, "1/0", "\\boxed{1e999999}",
                                   "\\boxed{12 or 13}", "\\boxed{3, 4}"])
def test_extraction_rejects_malformed(reply):
    assert extract_answer(reply).value is None


def test_rejections_say_why():
    assert extract_answer("\\boxed{1e999999}").how == "unreadable number"  # not read as 1
    assert extract_answer("\\boxed{12 or 13}").how.startswith("ambiguous")


def test_parse_number_is_exact():
    assert parse_number("0.1") == Fraction(1, 10)
    assert parse_number("2/4") == Fraction(1, 2)
    assert parse_number("1" * 70) is None
