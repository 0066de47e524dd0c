"""Query templates over a world, each with its ground-truth tool plan (PORTool's setting,
arXiv 2510.26020: time-sensitive and time-invariant queries over 17+ tools).

A template draws its parameters from the task's generator, reads the world through the
same functions the tools use, and returns a :class:`Query`: the question, the plan (a
list of turns; the calls inside one turn are independent and may run in parallel; a later
turn may use earlier outputs), and the gold answer computed from the world. Plans have 1
to 5 calls; some end in arithmetic (a ``calculator`` call); a few queries are
unanswerable (the plan shows why; the right answer is to say so).

A template returns None when the drawn parameters do not make a well-posed query (e.g.
no meeting that day); the suite then draws again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tasks.tooluse.tables import (
    KM_PER_MILE,
    canonical_unit,
    cities,
    convert,
    countries,
    find_city,
    haversine_km,
    lexicon,
)
from tasks.tooluse.world import FORECAST_DAYS, World, generate_world

Call = dict[str, Any]


@dataclass(frozen=True)
class Query:
    question: str
    plan: list[list[Call]]
    gold: dict[str, Any]
    time_sensitive: bool
    tags: tuple[str, ...] = field(default_factory=tuple)  # "sequential", "parallel", "arithmetic", ...


def call(tool: str, /, **arguments: Any) -> Call:
    return {"name": tool, "arguments": arguments}


def calc(expression: str, value: float) -> Call:
    """A calculator step: matched by its result, not its exact text."""
    return {"name": "calculator", "arguments": {"expression": expression}, "match": {"result": value}}


def _pick(rng: np.random.Generator, items: list[Any] | tuple[Any, ...]) -> Any:
    return items[int(rng.integers(0, len(items)))]


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 4))


def _r4(value: float) -> float:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _city_names() -> list[str]:
    return [c.name for c in cities().values()]


def _dist(a: str, b: str, unit: str = "km") -> float:
    km = haversine_km(find_city(a), find_city(b))
    return round(km if unit == "km" else km / KM_PER_MILE, 1)


def _local_today(world: World, city: str) -> dt.date:
    return world.local_now(find_city(city).utc_offset).date()


def _dt_call(tz: str = "UTC") -> Call:
    return call("current_datetime", timezone=tz)


# ============================================================================ time-invariant
def t_calc(rng: np.random.Generator, world: World) -> Query | None:
    a, b, c = (int(x) for x in rng.integers(2, 400, size=3))
    d = int(_pick(rng, [2, 4, 5, 8, 10, 16, 20, 25]))
    form = int(rng.integers(0, 3))
    if form == 0:
        expr, value = f"{a} * {b} - {c} / {d}", a * b - c / d
    elif form == 1:
        expr, value = f"({a} + {b}) * {c} / {d}", (a + b) * c / d
    else:
        e = int(rng.integers(2, 4))
        expr, value = f"{a % 40 + 2} ** {e} - {b}", (a % 40 + 2) ** e - b
    return Query(f"What is {expr}?", [[calc(expr, _r4(value))]], {"type": "number", "value": _r4(value)},
                 False, ("arithmetic",))


_UNIT_PAIRS = (("mi", "km", "miles", "kilometres"), ("km", "mi", "kilometres", "miles"),
               ("lb", "kg", "pounds", "kilograms"), ("kg", "lb", "kilograms", "pounds"),
               ("gal", "l", "US gallons", "litres"), ("ft", "m", "feet", "metres"),
               ("f", "c", "degrees Fahrenheit", "degrees Celsius"), ("c", "f", "degrees Celsius", "degrees Fahrenheit"),
               ("mph", "km/h", "miles per hour", "km/h"), ("acre", "ha", "acres", "hectares"),
               ("gib", "mb", "GiB", "MB"), ("oz", "g", "ounces", "grams"))


def t_units(rng: np.random.Generator, world: World) -> Query | None:
    a, b, name_a, name_b = _pick(rng, _UNIT_PAIRS)
    value = float(round(float(rng.uniform(1, 500)), 1))
    result = _r4(convert(value, canonical_unit(a), canonical_unit(b)))
    return Query(f"How many {name_b} is {_num(value)} {name_a}?",
                 [[call("convert_units", value=_r4(value), from_unit=a, to_unit=b)]],
                 {"type": "number", "value": result}, False)


def t_distance(rng: np.random.Generator, world: World) -> Query | None:
    a, b = (str(x) for x in rng.choice(_city_names(), size=2, replace=False))
    unit = _pick(rng, ["km", "mi"])
    word = "kilometres" if unit == "km" else "miles"
    return Query(f"What is the great-circle distance between {a} and {b} in {word}?",
                 [[call("city_distance", city_a=a, city_b=b, unit=unit)]],
                 {"type": "number", "value": _dist(a, b, unit)}, False)


def t_farther(rng: np.random.Generator, world: World) -> Query | None:
    x, a, b = (str(v) for v in rng.choice(_city_names(), size=3, replace=False))
    da, db = _dist(x, a), _dist(x, b)
    if abs(da - db) < 50:
        return None
    return Query(f"Which city is farther from {x}: {a} or {b}?",
                 [[call("city_distance", city_a=x, city_b=a, unit="km"),
                   call("city_distance", city_a=x, city_b=b, unit="km")]],
                 {"type": "string", "value": a if da > db else b}, False, ("parallel",))


def t_capital_population(rng: np.random.Generator, world: World) -> Query | None:
    country = _pick(rng, list(countries().values()))
    q = f"What is the population of the capital city of {country.name}?"
    plan = [[call("country_info", country=country.name)], [call("city_info", city=country.capital)]]
    capital = find_city(country.capital)
    if capital is None:
        return None  # the unanswerable variant is u_capital_population
    return Query(q, plan, {"type": "number", "value": capital.population}, False, ("sequential",))


def u_capital_population(rng: np.random.Generator, world: World) -> Query | None:
    # India is left out: its capital New Delhi is part of Delhi, which is in the table
    missing = [c for c in countries().values() if find_city(c.capital) is None and c.name != "India"]
    country = _pick(rng, missing)
    return Query(f"What is the population of the capital city of {country.name}?",
                 [[call("country_info", country=country.name)], [call("city_info", city=country.capital)]],
                 {"type": "unanswerable", "value": f"there is no data about {country.capital}"},
                 False, ("sequential", "unanswerable"))


def t_combined_area(rng: np.random.Generator, world: World) -> Query | None:
    a, b = rng.choice(list(countries().values()), size=2, replace=False)
    total = a.area_km2 + b.area_km2
    return Query(f"What is the combined area of {a.name} and {b.name} in square kilometres?",
                 [[call("country_info", country=a.name), call("country_info", country=b.name)],
                  [calc(f"{a.area_km2} + {b.area_km2}", total)]],
                 {"type": "number", "value": total}, False, ("parallel", "arithmetic"))


def t_synonyms(rng: np.random.Generator, world: World) -> Query | None:
    words = sorted(lexicon())
    word = _pick(rng, words)
    syn: list[str] = []
    for sense in lexicon()[word]:
        syn += [s for s in sense.synonyms if s not in syn]
    if not syn:
        return None
    return Query(f"List all the synonyms the thesaurus gives for the word '{word}'.",
                 [[call("thesaurus", word=word)]], {"type": "list", "value": syn}, False)


def t_antonym_pos(rng: np.random.Generator, world: World) -> Query | None:
    word = _pick(rng, sorted(lexicon()))
    ants: list[str] = []
    for sense in lexicon()[word]:
        ants += [a for a in sense.antonyms if a not in ants]
    if not ants or ants[0] not in lexicon() or len({s.pos for s in lexicon()[ants[0]]}) != 1:
        return None
    pos = lexicon()[ants[0]][0].pos
    return Query(f"Look up the first antonym the thesaurus lists for '{word}'. What part of speech is that antonym?",
                 [[call("thesaurus", word=word)], [call("define_word", word=ants[0])]],
                 {"type": "string", "value": pos}, False, ("sequential",))


def t_date_diff(rng: np.random.Generator, world: World) -> Query | None:
    a = dt.date(2000, 1, 1) + dt.timedelta(days=int(rng.integers(0, 12000)))
    b = a + dt.timedelta(days=int(rng.integers(1, 3000)))
    return Query(f"How many days are there from {a.isoformat()} to {b.isoformat()}?",
                 [[call("date_diff", start_date=a.isoformat(), end_date=b.isoformat())]],
                 {"type": "number", "value": (b - a).days}, False)


# ============================================================================ time-sensitive
def t_local_time(rng: np.random.Generator, world: World) -> Query | None:
    city = _pick(rng, _city_names())
    local = world.local_now(find_city(city).utc_offset)
    return Query(f"What time is it right now in {city}? Answer as HH:MM (24-hour clock).",
                 [[_dt_call(city)]], {"type": "string", "value": local.strftime("%H:%M")}, True)


def t_weekday(rng: np.random.Generator, world: World) -> Query | None:
    city = _pick(rng, _city_names())
    n = int(rng.integers(2, 200))
    day = _local_today(world, city) + dt.timedelta(days=n)
    return Query(f"What day of the week will it be in {city} {n} days from today's local date there?",
                 [[_dt_call(city)], [call("date_add", date=_local_today(world, city).isoformat(), days=n)]],
                 {"type": "string", "value": day.strftime("%A")}, True, ("sequential",))


def t_days_until(rng: np.random.Generator, world: World) -> Query | None:
    target = world.today + dt.timedelta(days=int(rng.integers(3, 900)))
    return Query(f"How many days are left from today's date (UTC) until {target.isoformat()}?",
                 [[_dt_call()], [call("date_diff", start_date=world.today.isoformat(), end_date=target.isoformat())]],
                 {"type": "number", "value": (target - world.today).days}, True, ("sequential",))


def t_weather_tomorrow(rng: np.random.Generator, world: World) -> Query | None:
    city = _pick(rng, _city_names())
    day = _local_today(world, city) + dt.timedelta(days=1)
    fc = world.forecast(city, day)
    kind = _pick(rng, ["high_c", "low_c"])
    word = "high" if kind == "high_c" else "low"
    return Query(f"What is the forecast {word} temperature in {city} for tomorrow (by the local date in {city}), in °C?",
                 [[_dt_call(city)], [call("weather_forecast", city=city, date=day.isoformat())]],
                 {"type": "number", "value": fc[kind]}, True, ("sequential",))


def t_weather_condition(rng: np.random.Generator, world: World) -> Query | None:
    city = _pick(rng, _city_names())
    n = int(rng.integers(0, FORECAST_DAYS))
    day = _local_today(world, city) + dt.timedelta(days=n)
    when = "today" if n == 0 else f"{n} days from today"
    return Query(f"What weather condition is forecast in {city} {when} (local date)?",
                 [[_dt_call(city)], [call("weather_forecast", city=city, date=day.isoformat())]],
                 {"type": "string", "value": world.forecast(city, day)["condition"]}, True, ("sequential",))


def t_warmer(rng: np.random.Generator, world: World) -> Query | None:
    a, b = (str(x) for x in rng.choice(_city_names(), size=2, replace=False))
    day = world.today + dt.timedelta(days=1)
    ha, hb = world.forecast(a, day)["high_c"], world.forecast(b, day)["high_c"]
    return Query(f"On tomorrow's UTC date, how many degrees Celsius higher is the forecast high in {a} than in "
                 f"{b}? (Negative if it is lower.)",
                 [[_dt_call()],
                  [call("weather_forecast", city=a, date=day.isoformat()),
                   call("weather_forecast", city=b, date=day.isoformat())],
                  [calc(f"{ha} - {hb}", ha - hb)]],
                 {"type": "number", "value": ha - hb}, True, ("sequential", "parallel", "arithmetic"))


def t_sum_highs(rng: np.random.Generator, world: World) -> Query | None:
    names = [str(x) for x in rng.choice(_city_names(), size=3, replace=False)]
    day = world.today + dt.timedelta(days=2)
    highs = [world.forecast(c, day)["high_c"] for c in names]
    return Query(f"Two days after today's UTC date, what is the sum of the forecast highs (°C) in "
                 f"{names[0]}, {names[1]} and {names[2]}?",
                 [[_dt_call()],
                  [call("weather_forecast", city=c, date=day.isoformat()) for c in names],
                  [calc(" + ".join(str(h) for h in highs), sum(highs))]],
                 {"type": "number", "value": sum(highs)}, True, ("sequential", "parallel", "arithmetic"))


def u_weather_far(rng: np.random.Generator, world: World) -> Query | None:
    city = _pick(rng, _city_names())
    n = int(rng.integers(FORECAST_DAYS + 3, 40))
    day = _local_today(world, city) + dt.timedelta(days=n)
    return Query(f"What will the forecast high be in {city} {n} days from today (by the local date in {city})?",
                 [[_dt_call(city)], [call("weather_forecast", city=city, date=day.isoformat())]],
                 {"type": "unanswerable", "value": "forecasts do not reach that far ahead"},
                 True, ("sequential", "unanswerable"))


def t_shares_cost(rng: np.random.Generator, world: World) -> Query | None:
    stock = world.stocks[_pick(rng, sorted(world.stocks))]
    n = int(rng.integers(2, 60))
    ccy = _pick(rng, [c for c in sorted(world.fx) if c != "USD"])
    total = _r4(stock["price"] * n)
    converted = world.convert_currency(total, "USD", ccy)["converted"]
    return Query(f"How much would {n} shares of {stock['name']} ({stock['symbol']}) cost right now, in {ccy}?",
                 [[call("stock_quote", symbol=stock["symbol"])],
                  [calc(f"{stock['price']} * {n}", total)],
                  [call("currency_convert", amount=total, from_currency="USD", to_currency=ccy)]],
                 {"type": "number", "value": converted}, True, ("sequential", "arithmetic"))


def t_stock_change(rng: np.random.Generator, world: World) -> Query | None:
    stock = world.stocks[_pick(rng, sorted(world.stocks))]
    return Query(f"By what percentage has {stock['symbol']} moved since the previous close?",
                 [[call("stock_quote", symbol=stock["symbol"])]],
                 {"type": "number", "value": stock["change_pct"]}, True)


def t_bigger_stock(rng: np.random.Generator, world: World) -> Query | None:
    a, b = (world.stocks[s] for s in rng.choice(sorted(world.stocks), size=2, replace=False))
    return Query(f"Which stock currently trades at a higher price, {a['symbol']} or {b['symbol']}? Give the symbol.",
                 [[call("stock_quote", symbol=a["symbol"]), call("stock_quote", symbol=b["symbol"])]],
                 {"type": "string", "value": a["symbol"] if a["price"] > b["price"] else b["symbol"]},
                 True, ("parallel",))


def u_unknown_ticker(rng: np.random.Generator, world: World) -> Query | None:
    letters = "BCDFGHJKLMNPQRSTVWXZ"
    symbol = "".join(_pick(rng, letters) for _ in range(4))
    if symbol in world.stocks:
        return None
    return Query(f"What is the current share price of {symbol}?", [[call("stock_quote", symbol=symbol)]],
                 {"type": "unanswerable", "value": f"{symbol} is not a known ticker"}, True, ("unanswerable",))


def t_currency(rng: np.random.Generator, world: World) -> Query | None:
    a, b = (str(x) for x in rng.choice(sorted(world.fx), size=2, replace=False))
    amount = int(rng.integers(5, 5000))
    converted = world.convert_currency(amount, a, b)["converted"]
    return Query(f"Convert {amount} {a} to {b} at the current rate.",
                 [[call("currency_convert", amount=amount, from_currency=a, to_currency=b)]],
                 {"type": "number", "value": converted}, True)


def _day_with_events(rng: np.random.Generator, world: World) -> tuple[int, list[dict[str, Any]]] | None:
    n = int(rng.integers(0, 8))
    events = world.events_on(world.today + dt.timedelta(days=n))
    return (n, events) if events else None


def _when(n: int) -> str:
    return {0: "today", 1: "tomorrow"}.get(n, f"{n} days from today")


def t_first_meeting(rng: np.random.Generator, world: World) -> Query | None:
    found = _day_with_events(rng, world)
    if found is None:
        return None
    n, events = found
    day = world.today + dt.timedelta(days=n)
    return Query(f"Whom do I meet first {_when(n)} (by UTC date)? Give the person's full name.",
                 [[_dt_call()], [call("list_events", date=day.isoformat())]],
                 {"type": "string", "value": events[0]["attendee"]}, True, ("sequential",))


def t_meeting_phone(rng: np.random.Generator, world: World) -> Query | None:
    found = _day_with_events(rng, world)
    if found is None:
        return None
    n, events = found
    event = events[int(rng.integers(0, len(events)))]
    day = world.today + dt.timedelta(days=n)
    contact = world.find_contacts(event["attendee"])[0]
    return Query(f"What is the phone number of the person I meet at {event['start']} {_when(n)} (by UTC date)?",
                 [[_dt_call()], [call("list_events", date=day.isoformat())],
                  [call("find_contact", name=event["attendee"])]],
                 {"type": "string", "value": contact["phone"]}, True, ("sequential",))


def t_meeting_distance(rng: np.random.Generator, world: World) -> Query | None:
    found = _day_with_events(rng, world)
    if found is None:
        return None
    n, events = found
    event = events[-1]
    home = _pick(rng, [c for c in _city_names() if c != event["location"]])
    day = world.today + dt.timedelta(days=n)
    return Query(f"My last meeting {_when(n)} (by UTC date) is held in some city. How far is that city from "
                 f"{home}, in kilometres?",
                 [[_dt_call()], [call("list_events", date=day.isoformat())],
                  [call("city_distance", city_a=event["location"], city_b=home, unit="km")]],
                 {"type": "number", "value": _dist(event["location"], home)}, True, ("sequential",))


def t_contact_email(rng: np.random.Generator, world: World) -> Query | None:
    contact = world.contacts[int(rng.integers(0, len(world.contacts)))]
    first = contact["name"].split()[0]
    return Query(f"What is {first}'s email address?", [[call("find_contact", name=first)]],
                 {"type": "string", "value": contact["email"]}, True)


def u_unknown_contact(rng: np.random.Generator, world: World) -> Query | None:
    from tasks.tooluse.world import FIRST_NAMES

    known = {c["name"].split()[0] for c in world.contacts}
    unknown = [n for n in FIRST_NAMES if n not in known]
    name = _pick(rng, unknown)
    return Query(f"What is {name}'s phone number?", [[call("find_contact", name=name)]],
                 {"type": "unanswerable", "value": f"{name} is not in the contacts"}, True, ("unanswerable",))


def t_open_todos(rng: np.random.Generator, world: World) -> Query | None:
    priority = _pick(rng, ["high", "medium", "low"])
    count = len(world.todos_with("open", priority))
    return Query(f"How many open {priority}-priority items are on my to-do list?",
                 [[call("list_todos", status="open", priority=priority)]],
                 {"type": "number", "value": count}, True)


def t_overdue(rng: np.random.Generator, world: World) -> Query | None:
    overdue = [t["task"] for t in world.todos_with("open") if t["due"] < world.today.isoformat()]
    if not overdue:
        return None
    return Query("Which of my open to-do items are overdue (due before today's UTC date)? List the tasks.",
                 [[_dt_call(), call("list_todos", status="open", priority="any")]],
                 {"type": "list", "value": overdue}, True, ("parallel",))


def _news(world: World, kind: str, rng: np.random.Generator) -> dict[str, Any] | None:
    docs = [d for d in world.news if d["facts"]["kind"] == kind]
    return docs[int(rng.integers(0, len(docs)))] if docs else None


def _search_call(query: str, doc: dict[str, Any]) -> Call:
    return {"name": "search_news", "arguments": {"query": query, "top_k": 3}, "match": {"doc_id": doc["id"]}}


def t_news_hq(rng: np.random.Generator, world: World) -> Query | None:
    doc = _news(world, "headquarters", rng)
    if doc is None:
        return None
    return Query(f"According to the news, in which city will {doc['company']} open its new headquarters?",
                 [[_search_call(f"{doc['company']} new headquarters", doc)]],
                 {"type": "string", "value": doc["facts"]["city"]}, True)


def t_news_ceo(rng: np.random.Generator, world: World) -> Query | None:
    doc = _news(world, "ceo", rng)
    if doc is None:
        return None
    return Query(f"Who was recently appointed chief executive of {doc['company']}, according to the news?",
                 [[_search_call(f"{doc['company']} appoints chief executive", doc)]],
                 {"type": "string", "value": doc["facts"]["person"]}, True)


def t_news_revenue_fx(rng: np.random.Generator, world: World) -> Query | None:
    doc = _news(world, "revenue", rng)
    if doc is None:
        return None
    ccy = _pick(rng, [c for c in sorted(world.fx) if c != "USD"])
    revenue = doc["facts"]["revenue_billion_usd"]
    converted = world.convert_currency(revenue, "USD", ccy)["converted"]
    return Query(f"The news reports {doc['company']}'s latest quarterly revenue in US dollars. What is that "
                 f"revenue in billions of {ccy} at the current exchange rate?",
                 [[_search_call(f"{doc['company']} quarterly revenue", doc)],
                  [call("currency_convert", amount=revenue, from_currency="USD", to_currency=ccy)]],
                 {"type": "number", "value": converted}, True, ("sequential",))


def t_news_hq_distance(rng: np.random.Generator, world: World) -> Query | None:
    doc = _news(world, "headquarters", rng)
    if doc is None:
        return None
    hq = doc["facts"]["city"]
    home = _pick(rng, [c for c in _city_names() if c != hq])
    return Query(f"{doc['company']} announced a new headquarters city in the news. How far is that city from "
                 f"{home}, in kilometres?",
                 [[_search_call(f"{doc['company']} new headquarters", doc)],
                  [call("city_distance", city_a=hq, city_b=home, unit="km")]],
                 {"type": "number", "value": _dist(hq, home)}, True, ("sequential",))


def _route(rng: np.random.Generator, world: World) -> tuple[str, str, int, list[dict[str, Any]]] | None:
    a, b = (str(x) for x in rng.choice(_city_names(), size=2, replace=False))
    n = int(rng.integers(1, 30))
    flights = world.flights(a, b, world.today + dt.timedelta(days=n))
    return (a, b, n, flights) if flights else None


def t_cheapest_flight(rng: np.random.Generator, world: World) -> Query | None:
    found = _route(rng, world)
    if found is None:
        return None
    a, b, n, flights = found
    best = min(flights, key=lambda f: f["price_usd"])
    day = world.today + dt.timedelta(days=n)
    return Query(f"What is the flight number of the cheapest flight from {a} to {b} {n} days after today's "
                 f"UTC date?",
                 [[_dt_call()], [call("find_flights", origin=a, destination=b, date=day.isoformat())]],
                 {"type": "string", "value": best["flight"]}, True, ("sequential",))


def t_flight_price_per_km(rng: np.random.Generator, world: World) -> Query | None:
    found = _route(rng, world)
    if found is None:
        return None
    a, b, n, flights = found
    best = min(flights, key=lambda f: f["price_usd"])
    km = _dist(a, b)
    day = world.today + dt.timedelta(days=n)
    value = _r4(best["price_usd"] / km)
    return Query(f"Take the cheapest flight from {a} to {b} {n} days after today's UTC date. What is its price "
                 f"per kilometre of great-circle distance, in USD?",
                 [[_dt_call()],
                  [call("find_flights", origin=a, destination=b, date=day.isoformat()),
                   call("city_distance", city_a=a, city_b=b, unit="km")],
                  [calc(f"{_num(best['price_usd'])} / {km}", value)]],
                 {"type": "number", "value": value}, True, ("sequential", "parallel", "arithmetic"))


def t_flight_price_fx(rng: np.random.Generator, world: World) -> Query | None:
    found = _route(rng, world)
    if found is None:
        return None
    a, b, n, flights = found
    best = min(flights, key=lambda f: f["price_usd"])
    ccy = _pick(rng, [c for c in sorted(world.fx) if c != "USD"])
    day = world.today + dt.timedelta(days=n)
    converted = world.convert_currency(best["price_usd"], "USD", ccy)["converted"]
    return Query(f"How much does the cheapest flight from {a} to {b} {n} days after today's UTC date cost in {ccy}?",
                 [[_dt_call()], [call("find_flights", origin=a, destination=b, date=day.isoformat())],
                  [call("currency_convert", amount=best["price_usd"], from_currency="USD", to_currency=ccy)]],
                 {"type": "number", "value": converted}, True, ("sequential",))


def u_flight_unknown_city(rng: np.random.Generator, world: World) -> Query | None:
    a = _pick(rng, _city_names())
    b = _pick(rng, ["Reykjavik", "Ulaanbaatar", "Timbuktu", "Nuuk", "Longyearbyen"])
    day = world.today + dt.timedelta(days=3)
    return Query(f"What is the cheapest flight from {a} to {b} three days after today's UTC date?",
                 [[_dt_call()], [call("find_flights", origin=a, destination=b, date=day.isoformat())]],
                 {"type": "unanswerable", "value": f"there is no flight data for {b}"}, True,
                 ("sequential", "unanswerable"))


#: template name -> (function, weight). Unanswerable templates carry ~6% of the mass.
TEMPLATES: dict[str, tuple[Callable[[np.random.Generator, World], Query | None], float]] = {
    "calc": (t_calc, 1.0), "units": (t_units, 1.0), "distance": (t_distance, 1.0),
    "farther": (t_farther, 1.0), "capital_population": (t_capital_population, 1.0),
    "combined_area": (t_combined_area, 1.0), "synonyms": (t_synonyms, 1.0),
    "antonym_pos": (t_antonym_pos, 1.0), "date_diff": (t_date_diff, 1.0),
    "local_time": (t_local_time, 1.0), "weekday": (t_weekday, 1.0), "days_until": (t_days_until, 1.0),
    "weather_tomorrow": (t_weather_tomorrow, 1.0), "weather_condition": (t_weather_condition, 1.0),
    "warmer": (t_warmer, 1.0), "sum_highs": (t_sum_highs, 1.0), "shares_cost": (t_shares_cost, 1.0),
    "stock_change": (t_stock_change, 1.0), "bigger_stock": (t_bigger_stock, 1.0),
    "currency": (t_currency, 1.0), "first_meeting": (t_first_meeting, 1.0),
    "meeting_phone": (t_meeting_phone, 1.0), "meeting_distance": (t_meeting_distance, 1.0),
    "contact_email": (t_contact_email, 1.0), "open_todos": (t_open_todos, 1.0), "overdue": (t_overdue, 1.0),
    "news_hq": (t_news_hq, 1.0), "news_ceo": (t_news_ceo, 1.0), "news_revenue_fx": (t_news_revenue_fx, 1.0),
    "news_hq_distance": (t_news_hq_distance, 1.0), "cheapest_flight": (t_cheapest_flight, 1.0),
    "flight_price_per_km": (t_flight_price_per_km, 1.0), "flight_price_fx": (t_flight_price_fx, 1.0),
    "u_capital_population": (u_capital_population, 0.5), "u_weather_far": (u_weather_far, 0.5),
    "u_unknown_ticker": (u_unknown_ticker, 0.5), "u_unknown_contact": (u_unknown_contact, 0.5),
    "u_flight_unknown_city": (u_flight_unknown_city, 0.5),
}


def draw_query(rng: np.random.Generator, world_seed: int, template: str | None = None,
               max_tries: int = 50, templates: tuple[str, ...] | None = None) -> tuple[str, Query] | None:
    """Draw a template among ``templates`` (default: all; or use ``template``) and instantiate
    it over the world of ``world_seed``; None if no well-posed query came out (the caller
    draws another world)."""
    world = generate_world(world_seed)
    names = sorted(templates or TEMPLATES)
    weights = np.array([TEMPLATES[n][1] for n in names], dtype=np.float64)
    for _ in range(max_tries):
        name = template or names[int(rng.choice(len(names), p=weights / weights.sum()))]
        query = TEMPLATES[name][0](rng, world)
        if query is not None:
            return name, query
    return None
