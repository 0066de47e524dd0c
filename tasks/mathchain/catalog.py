"""The 23 atomic word-problem families of MathChain (own templates, GSM8K style).

Own templates rather than reasoning-gym's ``gsm_symbolic``: that package cannot rebuild an
item from chosen values, and substituting values bypasses its integrality rules (answers
silently wrong), while a chain must substitute a previous answer into a quantity.
Every answer is an exact ``Fraction`` expression of the quantities; tests re-derive each
one independently with sympy.
"""

from __future__ import annotations

from fractions import Fraction as F

from tasks.mathchain.families import Family, Quantity, Values
from tasks.mathchain.units import fmt

NAMES: tuple[str, ...] = (
    "Ava", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Isla", "Jamal",
    "Kira", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
)  # fmt: skip


def _travel(v: Values) -> F:
    return F(v["speed"] * v["time"], 60)


def _production(v: Values) -> F:
    return F(v["rate"] * v["hours"] * v["days"])


def _change(v: Values) -> F:
    return F(v["paid"] - v["n"] * v["price"])


def _discount(v: Values) -> F:
    return F(v["price"] * (100 - v["pct"]), 100)


def _bus(v: Values) -> F:
    return F(v["total"] * (100 - v["pct"]), 100)


def _share(v: Values) -> F:
    return F(v["total"] * v["b"], v["a"] + v["b"])


def _recipe(v: Values) -> F:
    return F(v["flour"] * v["eggs2"], v["eggs"])


def _shifts(v: Values) -> F:
    return F(v["n"] * (60 * v["hours"] - v["brk"]))


def _practice(v: Values) -> F:
    return F(7 * v["mins"] * v["weeks"], 60)


def _rope(v: Values) -> F:
    return F(100 * v["length"], v["piece"])


def _tank(v: Values) -> F:
    return F(1000 * v["volume"], v["rate"])


def _boxes(v: Values) -> F:
    return F(v["weight"] * v["n"], 1000)


def _stickers(v: Values) -> F:
    return F(v["have"] + v["packs"] * v["per"] - v["gave"])


def _savings(v: Values) -> F:
    return F(v["cost"], v["earn"] - v["spend"])


def _average(v: Values) -> F:
    return F(4 * v["mean"] - v["a"] - v["b"] - v["c"])


def _ages(v: Values) -> F:
    return F(v["k"] * v["age"] + v["later"])


def _interest(v: Values) -> F:
    return F(v["principal"] * v["rate"] * v["years"], 100)


def _overtime(v: Values) -> F:
    return 40 * F(v["wage"]) + F(3, 2) * v["wage"] * (v["hours"] - 40)


def _fuel(v: Values) -> F:
    return F(v["use"] * v["dist"], 100)


def _trip(v: Values) -> F:
    return F(v["dist"], v["speed"])


def _sacks(v: Values) -> F:
    return F(v["total"], v["n"])


def _road(v: Values) -> F:
    return F(v["length"], v["gap"])


def _bake(v: Values) -> F:
    return F(v["n"] * (v["price"] - v["cost"]) - v["rent"])


FAMILIES: tuple[Family, ...] = (
    Family(
        "travel_distance", "rates",
        (Quantity("speed", 4, 60, "km_per_hour", "speed"),
         Quantity("time", 10, 600, "minutes", "riding time", step=5)),
        "kilometers", "kilometers",
        lambda v, w: f"{w['name']} rides a bike at {v['speed']} for {v['time']}. "
        f"How many kilometers does {w['name']} ride?",
        _travel,
        lambda v: [f"{v['time']} minutes is {v['time']} / 60 = {fmt(F(v['time'], 60))} hours.",
                   f"Distance = {v['speed']} × {fmt(F(v['time'], 60))} = {fmt(_travel(v))} km."],
    ),
    Family(
        "production", "rates",
        (Quantity("rate", 3, 200, "", "number of toys per hour"),
         Quantity("hours", 2, 16, "hours", "daily running time"),
         Quantity("days", 2, 400, "days", "number of days")),
        "", "toys",
        lambda v, w: f"A machine makes {v['rate']} toys per hour. It runs for {v['hours']} a day "
        f"for {v['days']}. How many toys does it make in total?",
        _production,
        lambda v: [f"Per day: {v['rate']} × {v['hours']} = {v['rate'] * v['hours']} toys.",
                   f"In {v['days']} days: {v['rate'] * v['hours']} × {v['days']} = "
                   f"{fmt(_production(v))} toys."],
    ),
    Family(
        "change", "money",
        (Quantity("n", 2, 40, "", "number of notebooks"),
         Quantity("price", 1, 50, "dollars", "price of a notebook"),
         Quantity("paid", 10, 2000, "dollars", "amount paid", step=10)),
        "dollars", "dollars",
        lambda v, w: f"{w['name']} buys {v['n']} notebooks that cost {v['price']} each and pays "
        f"with {v['paid']}. How many dollars of change does {w['name']} get?",
        _change,
        lambda v: [f"The notebooks cost {v['n']} × {v['price']} = {v['n'] * v['price']} dollars.",
                   f"Change = {v['paid']} - {v['n'] * v['price']} = {fmt(_change(v))} dollars."],
    ),
    Family(
        "discount", "percentages",
        (Quantity("price", 20, 5000, "dollars", "price", step=10),
         Quantity("pct", 5, 95, "percent", "discount", step=5)),
        "dollars", "dollars",
        lambda v, w: f"A bicycle costs {v['price']}. During a sale its price is cut by "
        f"{v['pct']}. How many dollars does the bicycle cost during the sale?",
        _discount,
        lambda v: [f"The discount is {v['price']} × {v['pct']} / 100 = "
                   f"{fmt(F(v['price'] * v['pct'], 100))} dollars.",
                   f"Sale price = {v['price']} - {fmt(F(v['price'] * v['pct'], 100))} = "
                   f"{fmt(_discount(v))} dollars."],
        valid=lambda v: v["pct"] < 100,
    ),
    Family(
        "bus_riders", "percentages",
        (Quantity("total", 20, 5000, "", "number of students", step=20),
         Quantity("pct", 5, 95, "percent", "share who walk", step=5)),
        "", "students",
        lambda v, w: f"A school has {v['total']} students. {v['pct']} of them walk to school and "
        f"the rest take the bus. How many students take the bus?",
        _bus,
        lambda v: [f"{100 - v['pct']} percent take the bus.",
                   f"{v['total']} × {100 - v['pct']} / 100 = {fmt(_bus(v))} students."],
        valid=lambda v: v["pct"] < 100,
    ),
    Family(
        "ratio_share", "ratios",
        (Quantity("total", 10, 5000, "", "number of marbles", step=10),
         Quantity("a", 1, 9, "", slot=False),
         Quantity("b", 1, 9, "", slot=False)),
        "", "marbles",
        lambda v, w: f"{w['name']} and {w['name2']} share {v['total']} marbles in the ratio "
        f"{v['a']}:{v['b']}. How many marbles does {w['name2']} get?",
        _share,
        lambda v: [f"There are {v['a']} + {v['b']} = {v['a'] + v['b']} equal parts.",
                   f"{v['total']} × {v['b']} / {v['a'] + v['b']} = {fmt(_share(v))} marbles."],
    ),
    Family(
        "recipe", "ratios",
        (Quantity("flour", 50, 20_000, "grams", "amount of flour", step=25),
         Quantity("eggs", 2, 6, "", "number of eggs", slot=False),
         Quantity("eggs2", 2, 200, "", "number of eggs to use")),
        "grams", "grams",
        lambda v, w: f"A recipe uses {v['flour']} of flour for every {v['eggs']} eggs. How many "
        f"grams of flour are needed for {v['eggs2']} eggs?",
        _recipe,
        lambda v: [f"Flour per egg: {v['flour']} / {v['eggs']} = "
                   f"{fmt(F(v['flour'], v['eggs']))} grams.",
                   f"For {v['eggs2']} eggs: {fmt(F(v['flour'], v['eggs']))} × {v['eggs2']} = "
                   f"{fmt(_recipe(v))} grams."],
    ),
    Family(
        "shifts", "time",
        (Quantity("hours", 4, 12, "hours", "shift length"),
         Quantity("brk", 10, 120, "minutes", "break", step=5),
         Quantity("n", 2, 60, "", "number of shifts")),
        "minutes", "minutes",
        lambda v, w: f"A factory shift lasts {v['hours']}, including a break of {v['brk']}. How "
        f"many minutes does a worker work in {v['n']} shifts, not counting breaks?",
        _shifts,
        lambda v: [f"A shift is {v['hours']} × 60 = {60 * v['hours']} minutes; without the break "
                   f"{60 * v['hours']} - {v['brk']} = {60 * v['hours'] - v['brk']} minutes.",
                   f"{v['n']} shifts: {v['n']} × {60 * v['hours'] - v['brk']} = "
                   f"{fmt(_shifts(v))} minutes."],
        valid=lambda v: 60 * v["hours"] > v["brk"],
    ),
    Family(
        "practice", "time",
        (Quantity("mins", 10, 600, "minutes", "daily practice", step=5),
         Quantity("weeks", 1, 52, "weeks", "number of weeks")),
        "hours", "hours",
        lambda v, w: f"{w['name']} practices the piano for {v['mins']} every day for "
        f"{v['weeks']}. How many hours does {w['name']} practice in total?",
        _practice,
        lambda v: [f"{v['weeks']} weeks is {v['weeks']} × 7 = {7 * v['weeks']} days.",
                   f"{7 * v['weeks']} × {v['mins']} = {7 * v['weeks'] * v['mins']} minutes.",
                   f"{7 * v['weeks'] * v['mins']} / 60 = {fmt(_practice(v))} hours."],
    ),
    Family(
        "rope", "units",
        (Quantity("length", 2, 2000, "meters", "rope length"),
         Quantity("piece", 5, 500, "centimeters", "piece length", step=5)),
        "", "pieces",
        lambda v, w: f"A rope is {v['length']} long. {w['name']} cuts it into pieces that are each "
        f"{v['piece']} long. How many pieces does {w['name']} get?",
        _rope,
        lambda v: [f"{v['length']} meters is {v['length']} × 100 = {100 * v['length']} cm.",
                   f"{100 * v['length']} / {v['piece']} = {fmt(_rope(v))} pieces."],
    ),
    Family(
        "tank", "units",
        (Quantity("volume", 10, 2000, "liters", "tank volume", step=10),
         Quantity("rate", 50, 5000, "milliliters", "pump rate", step=50)),
        "seconds", "seconds",
        lambda v, w: f"A tank holds {v['volume']}. A pump puts {v['rate']} of water into it every "
        f"second. How many seconds does it take to fill the empty tank?",
        _tank,
        lambda v: [f"{v['volume']} liters is {v['volume']} × 1000 = {1000 * v['volume']} mL.",
                   f"{1000 * v['volume']} / {v['rate']} = {fmt(_tank(v))} seconds."],
    ),
    Family(
        "boxes", "units",
        (Quantity("weight", 100, 20_000, "grams", "box weight", step=50),
         Quantity("n", 2, 500, "", "number of boxes")),
        "kilograms", "kilograms",
        lambda v, w: f"Each box of books weighs {v['weight']}. A truck carries {v['n']} boxes. "
        f"How many kilograms do the boxes weigh in total?",
        _boxes,
        lambda v: [f"Total: {v['weight']} × {v['n']} = {v['weight'] * v['n']} grams.",
                   f"{v['weight'] * v['n']} / 1000 = {fmt(_boxes(v))} kilograms."],
    ),
    Family(
        "stickers", "arithmetic",
        (Quantity("have", 5, 2000, "", "stickers at the start"),
         Quantity("packs", 2, 30, "", "number of packs"),
         Quantity("per", 3, 50, "", "stickers per pack"),
         Quantity("gave", 1, 2000, "", "stickers given away")),
        "", "stickers",
        lambda v, w: f"{w['name']} has {v['have']} stickers, buys {v['packs']} packs of "
        f"{v['per']} stickers each, and then gives {v['gave']} stickers to {w['name2']}. "
        f"How many stickers does {w['name']} have now?",
        _stickers,
        lambda v: [f"Bought: {v['packs']} × {v['per']} = {v['packs'] * v['per']} stickers.",
                   f"{v['have']} + {v['packs'] * v['per']} - {v['gave']} = "
                   f"{fmt(_stickers(v))} stickers."],
    ),
    Family(
        "savings", "money",
        (Quantity("earn", 20, 1000, "dollars", "weekly pay", step=5),
         Quantity("spend", 5, 900, "dollars", "weekly spending", step=5),
         Quantity("cost", 50, 20_000, "dollars", "laptop price", step=10)),
        "weeks", "weeks",
        lambda v, w: f"{w['name']} earns {v['earn']} a week, spends {v['spend']} a week and saves "
        f"the rest. How many weeks does it take {w['name']} to save {v['cost']} for a laptop?",
        _savings,
        lambda v: [f"Savings per week: {v['earn']} - {v['spend']} = "
                   f"{v['earn'] - v['spend']} dollars.",
                   f"{v['cost']} / {v['earn'] - v['spend']} = {fmt(_savings(v))} weeks."],
        valid=lambda v: v["earn"] > v["spend"],
        max_answer=520,  # ten years
    ),
    Family(
        "average", "arithmetic",
        (Quantity("a", 10, 500, "", "first score"),
         Quantity("b", 10, 500, "", "second score"),
         Quantity("c", 10, 500, "", "third score"),
         Quantity("mean", 20, 1000, "", "target average")),
        "", "points",
        lambda v, w: f"{w['name']} scored {v['a']}, {v['b']} and {v['c']} points in the first three "
        f"games. How many points must {w['name']} score in the fourth game to average "
        f"{v['mean']} points per game?",
        _average,
        lambda v: [f"Four games at {v['mean']} points: 4 × {v['mean']} = {4 * v['mean']} points.",
                   f"{4 * v['mean']} - {v['a']} - {v['b']} - {v['c']} = {fmt(_average(v))} points."],
    ),
    Family(
        "ages", "arithmetic",
        (Quantity("age", 2, 40, "years", "age"),
         Quantity("k", 2, 6, "", slot=False),
         Quantity("later", 1, 40, "years", "years from now")),
        "years", "years",
        lambda v, w: f"{w['name']} is {v['age']} old. {w['name']}'s grandmother is {v['k']} times "
        f"as old as {w['name']}. How old, in years, will the grandmother be in {v['later']}?",
        _ages,
        lambda v: [f"The grandmother is {v['k']} × {v['age']} = {v['k'] * v['age']} years old.",
                   f"In {v['later']} years: {v['k'] * v['age']} + {v['later']} = "
                   f"{fmt(_ages(v))} years."],
        max_answer=120,
    ),
    Family(
        "interest", "percentages",
        (Quantity("principal", 100, 50_000, "dollars", "deposit", step=100),
         Quantity("rate", 1, 12, "percent", "interest rate", slot=False),
         Quantity("years", 1, 20, "years", "number of years")),
        "dollars", "dollars",
        lambda v, w: f"{w['name']} deposits {v['principal']} in an account that pays {v['rate']} "
        f"simple interest per year. How many dollars of interest does the account earn in "
        f"{v['years']}?",
        _interest,
        lambda v: [f"Interest per year: {v['principal']} × {v['rate']} / 100 = "
                   f"{fmt(F(v['principal'] * v['rate'], 100))} dollars.",
                   f"Over {v['years']} years: {fmt(F(v['principal'] * v['rate'], 100))} × "
                   f"{v['years']} = {fmt(_interest(v))} dollars."],
    ),
    Family(
        "overtime", "money",
        (Quantity("wage", 8, 200, "dollars", "hourly wage"),
         Quantity("hours", 41, 80, "hours", "hours worked")),
        "dollars", "dollars",
        lambda v, w: f"{w['name']} is paid {v['wage']} per hour for the first 40 hours of a week "
        f"and 1.5 times that rate for every hour beyond 40. {w['name']} works {v['hours']} "
        f"this week. How many dollars does {w['name']} earn?",
        _overtime,
        lambda v: [f"Regular pay: 40 × {v['wage']} = {40 * v['wage']} dollars.",
                   f"Overtime: {v['hours']} - 40 = {v['hours'] - 40} hours at "
                   f"{fmt(F(3, 2) * v['wage'])} dollars = "
                   f"{fmt(F(3, 2) * v['wage'] * (v['hours'] - 40))} dollars.",
                   f"Total: {40 * v['wage']} + {fmt(F(3, 2) * v['wage'] * (v['hours'] - 40))} = "
                   f"{fmt(_overtime(v))} dollars."],
    ),
    Family(
        "fuel", "rates",
        (Quantity("use", 4, 15, "liters", "fuel use per 100 km", slot=False),
         Quantity("dist", 50, 5000, "kilometers", "trip length", step=50)),
        "liters", "liters",
        lambda v, w: f"A car uses {v['use']} of fuel per 100 kilometers. How many liters of fuel "
        f"does it use on a trip of {v['dist']}?",
        _fuel,
        lambda v: [f"{v['dist']} / 100 = {fmt(F(v['dist'], 100))} hundreds of kilometers.",
                   f"{fmt(F(v['dist'], 100))} × {v['use']} = {fmt(_fuel(v))} liters."],
    ),
    Family(
        "trip_time", "rates",
        (Quantity("dist", 10, 5000, "kilometers", "trip length", step=10),
         Quantity("speed", 20, 120, "km_per_hour", "speed", step=5)),
        "hours", "hours",
        lambda v, w: f"A train travels {v['dist']} at a steady {v['speed']}. How many hours "
        f"does the trip take?",
        _trip,
        lambda v: [f"Time = distance / speed = {v['dist']} / {v['speed']} = "
                   f"{fmt(_trip(v))} hours."],
        max_answer=24,
    ),
    Family(
        "flour_sacks", "units",
        (Quantity("total", 10, 20_000, "kilograms", "amount of flour", step=10),
         Quantity("n", 2, 500, "", "number of sacks")),
        "kilograms", "kilograms",
        lambda v, w: f"A mill packs {v['total']} of flour into {v['n']} sacks of equal weight. "
        f"How many kilograms of flour does each sack hold?",
        _sacks,
        lambda v: [f"{v['total']} / {v['n']} = {fmt(_sacks(v))} kilograms per sack."],
        max_answer=50,
    ),
    Family(
        "road_lamps", "units",
        (Quantity("length", 100, 100_000, "meters", "road length", step=100),
         Quantity("gap", 5, 500, "meters", "distance between lamps", step=5)),
        "", "lamps",
        lambda v, w: f"A straight road is {v['length']} long. Workers put up a lamp every "
        f"{v['gap']} along it, starting {v['gap']} from the beginning and ending exactly at the "
        f"end. How many lamps do they put up?",
        _road,
        lambda v: [f"One lamp per {v['gap']} meters: {v['length']} / {v['gap']} = "
                   f"{fmt(_road(v))} lamps."],
    ),
    Family(
        "bake_sale", "money",
        (Quantity("n", 5, 500, "", "number of cakes"),
         Quantity("price", 3, 60, "dollars", "cake price"),
         Quantity("cost", 1, 40, "dollars", "ingredients per cake"),
         Quantity("rent", 10, 1000, "dollars", "stall rent", step=5)),
        "dollars", "dollars",
        lambda v, w: f"{w['name']} sells {v['n']} cakes at {v['price']} each. The ingredients cost "
        f"{v['cost']} per cake, and the stall costs {v['rent']} to rent. How many dollars of "
        f"profit does {w['name']} make?",
        _bake,
        lambda v: [f"Profit per cake: {v['price']} - {v['cost']} = {v['price'] - v['cost']} dollars.",
                   f"{v['n']} × {v['price'] - v['cost']} - {v['rent']} = {fmt(_bake(v))} dollars."],
        valid=lambda v: v["price"] > v["cost"],
    ),
)

FAMILY_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
