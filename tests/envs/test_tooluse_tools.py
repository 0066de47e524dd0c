"""One test (at least) per ToolUse tool, with hand-checked values, plus the calculator's limits."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from envs.tooluse.tools import TOOLS, call_tool, tool_schemas
from envs.tooluse.tools.base import ToolError
from envs.tooluse.tools.calculator import safe_calculate
from tasks.tooluse.world import World, generate_world


def _hand_world() -> World:
    """A world written by hand, so every time-sensitive value below is checked by hand."""
    return World(
        seed=424242,
        now=dt.datetime(2025, 3, 10, 23, 30),
        stocks={"ACMX": {"symbol": "ACMX", "name": "Acmex Robotics", "sector": "robotics", "price": 120.5,
                         "previous_close": 100.0, "change_pct": 20.5, "currency": "USD",
                         "as_of": "2025-03-10 23:30 UTC"}},
        fx={"USD": 1.0, "EUR": 0.9, "JPY": 150.0},
        contacts=({"name": "Alice Novak", "phone": "+1-555-100-1234", "email": "alice.novak@acmex.example",
                   "city": "Paris", "company": "Acmex Robotics"},
                  {"name": "Bruno Silva", "phone": "+1-555-101-2222", "email": "bruno.silva@acmex.example",
                   "city": "Lima", "company": "Acmex Robotics"}),
        events=({"date": "2025-03-11", "start": "14:00", "end": "15:00", "title": "Lunch with Bruno",
                 "attendee": "Bruno Silva", "location": "Lima"},
                {"date": "2025-03-11", "start": "09:00", "end": "09:30", "title": "Code review with Alice",
                 "attendee": "Alice Novak", "location": "Paris"}),
        todos=({"id": 1, "task": "renew passport", "due": "2025-03-01", "priority": "high", "status": "open"},
               {"id": 2, "task": "buy groceries", "due": "2025-03-12", "priority": "low", "status": "open"},
               {"id": 3, "task": "call the bank", "due": "2025-03-05", "priority": "high", "status": "done"}),
        news=({"id": "n1", "date": "2025-03-09", "title": "Acmex Robotics to open new headquarters in Lima",
               "body": "Acmex Robotics (ACMX) said it will move its headquarters to Lima.",
               "company": "Acmex Robotics", "symbol": "ACMX", "facts": {"kind": "headquarters", "city": "Lima"}},
              {"id": "n2", "date": "2025-03-08", "title": "Meridian Bank reports quarterly revenue of $3.5 billion",
               "body": "Meridian Bank (MRDN) reported quarterly revenue of 3.5 billion dollars.",
               "company": "Meridian Bank", "symbol": "MRDN", "facts": {"kind": "revenue", "revenue_billion_usd": 3.5}},
              {"id": "n3", "date": "2025-03-07", "title": "Novix Pharma recalls 2,000 units of its air fryer",
               "body": "Novix Pharma (NOVX) is recalling 2,000 air fryer units after a safety review.",
               "company": "Novix Pharma", "symbol": "NOVX", "facts": {"kind": "recall", "product": "air fryer"}}),
    )


def run(tool: str, /, **arguments: object) -> dict:
    result, error = call_tool(_hand_world(), tool, arguments)
    assert error is None, result
    return result


def fails(tool: str, /, **arguments: object) -> str:
    result, error = call_tool(_hand_world(), tool, arguments)
    assert error is not None, result
    return result["error"]


def test_at_least_17_tools_with_openai_schemas() -> None:
    schemas = tool_schemas()
    assert len(schemas) >= 17 and len(TOOLS) == len(schemas)
    for s in schemas:
        assert s["type"] == "function"
        fn = s["function"]
        assert fn["name"] and fn["description"]
        assert fn["parameters"]["type"] == "object"
        assert set(fn["parameters"]["required"]) <= set(fn["parameters"]["properties"])
    kinds = {t.time_sensitive for t in TOOLS.values()}
    assert kinds == {True, False}


# ----------------------------------------------------------------------------- time-invariant
def test_calculator_values() -> None:
    assert run("calculator", expression="2 * (3 + 4) ** 2 / 7")["result"] == 14
    assert run("calculator", expression="sqrt(16) + 2^3")["result"] == 12  # ^ means power
    assert run("calculator", expression="17 // 5 + 17 % 5")["result"] == 5
    assert run("calculator", expression="round(pi, 2)")["result"] == 3.14
    assert run("calculator", expression="2 ** 0.5")["result"] == 1.414213562  # 10 significant
    assert run("calculator", expression="1 / 30000")["result"] == 3.333333333e-05  # not 0.0
    assert run("calculator", expression="2 ** -2")["result"] == 0.25
    assert run("calculator", expression="(-2) ** 3")["result"] == -8


@pytest.mark.parametrize(
    "expression",
    ["9**9**9", "10**10**10", "2**5000", "1e308 * 10", "1/0", "__import__('os').system('ls')",
     "().__class__", "open('x')", "x + 1", "[1, 2]", "'a' * 3", "lambda: 1", "(1", "", "exp(1000)",
     "(" * 150 + "1" + ")" * 150, "sqrt(-1)", "True + 1", "max()", "0.5 ** -2000", "(-8) ** (1/3)",
     "10 % 0", "-" * 200 + "1", "max(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)"],
)
def test_calculator_refuses_unsafe_or_huge(expression: str) -> None:
    with pytest.raises(ToolError):
        safe_calculate(expression)


def test_calculator_has_no_eval() -> None:
    import inspect

    import envs.tooluse.tools.calculator as calc

    source = inspect.getsource(calc)
    assert "eval(" not in source.replace("_eval(", "") and "exec(" not in source


def test_convert_units() -> None:
    assert run("convert_units", value=10, from_unit="mi", to_unit="km")["result"] == 16.0934  # 10 * 1.609344
    assert run("convert_units", value=100, from_unit="celsius", to_unit="F")["result"] == 212
    assert run("convert_units", value=-40, from_unit="f", to_unit="c")["result"] == -40
    assert run("convert_units", value=1, from_unit="gib", to_unit="mb")["result"] == 1073.7418  # 2**30 / 1e6
    assert run("convert_units", value=2, from_unit="pounds", to_unit="kg")["result"] == 0.9072
    assert "cannot convert" in fails("convert_units", value=1, from_unit="kg", to_unit="km")
    assert "unknown unit" in fails("convert_units", value=1, from_unit="furlong", to_unit="km")


def _haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    dp = p2 - p1
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_city_distance() -> None:
    out = run("city_distance", city_a="London", city_b="Paris")
    assert out["distance"] == 343.6 and out["unit"] == "km"  # published: ~344 km
    assert out["distance"] == round(_haversine(51.5074, -0.1278, 48.8566, 2.3522), 1)
    ny_la = run("city_distance", city_a="new york", city_b="Los Angeles")["distance"]
    assert abs(ny_la - 3940) < 15  # published great-circle distance ~3,940 km
    assert run("city_distance", city_a="London", city_b="Paris", unit="mi")["distance"] == 213.5
    assert "unknown city" in fails("city_distance", city_a="Atlantis", city_b="Paris")


def test_city_info() -> None:
    out = run("city_info", city="Mumbai")
    assert out["country"] == "India" and out["timezone"] == "UTC+5:30" and out["population"] == 12442000
    assert run("city_info", city="Tokyo")["timezone"] == "UTC+9"
    assert "unknown city" in fails("city_info", city="Bern")


def test_country_info() -> None:
    out = run("country_info", country="japan")
    assert out["capital"] == "Tokyo" and out["currency"] == "JPY" and out["calling_code"] == "+81"
    assert run("country_info", country="Switzerland")["capital"] == "Bern"
    assert "unknown country" in fails("country_info", country="Wakanda")


def test_define_word() -> None:
    out = run("define_word", word="Brave")
    assert out["senses"][0]["part_of_speech"] == "adjective"
    assert "danger" in out["senses"][0]["definition"]
    both = run("define_word", word="answer")["senses"]
    assert {s["part_of_speech"] for s in both} == {"verb", "noun"}
    assert "not in the dictionary" in fails("define_word", word="floccinaucinihilipilification")


def test_thesaurus() -> None:
    out = run("thesaurus", word="happy")
    assert out["synonyms"] == ["cheerful", "joyful", "glad", "content"]
    assert out["antonyms"] == ["sad", "unhappy", "miserable"]


def test_lexicon_has_a_few_hundred_words() -> None:
    from tasks.tooluse.tables import lexicon

    assert len(lexicon()) >= 200


def test_date_diff_and_add() -> None:
    assert run("date_diff", start_date="2024-01-01", end_date="2024-03-01")["days"] == 60  # leap year
    assert run("date_diff", start_date="2023-01-01", end_date="2023-03-01")["days"] == 59
    assert run("date_diff", start_date="2025-01-10", end_date="2025-01-01")["days"] == -9
    out = run("date_add", date="2024-02-28", days=1)
    assert out == {"date": "2024-02-29", "weekday": "Thursday"}
    assert run("date_add", date="2025-03-10", days=-10)["date"] == "2025-02-28"
    assert "YYYY-MM-DD" in fails("date_add", date="10/03/2025", days=1)


# ----------------------------------------------------------------------------- time-sensitive
def test_current_datetime() -> None:
    # hand world: now = 2025-03-10 23:30 UTC (a Monday)
    assert run("current_datetime") == {"timezone": "UTC", "date": "2025-03-10", "time": "23:30", "weekday": "Monday"}
    assert run("current_datetime", timezone="Tokyo") == {
        "timezone": "Tokyo", "date": "2025-03-11", "time": "08:30", "weekday": "Tuesday"}
    assert run("current_datetime", timezone="UTC+5:30")["time"] == "05:00"
    assert run("current_datetime", timezone="UTC-5")["time"] == "18:30"
    assert "unknown time zone" in fails("current_datetime", timezone="Mars/Olympus")


def test_weather_forecast() -> None:
    out = run("weather_forecast", city="London", date="2025-03-10")
    assert set(out) == {"city", "date", "high_c", "low_c", "condition", "precipitation_chance"}
    assert out["low_c"] < out["high_c"] and 0 <= out["precipitation_chance"] <= 100
    # Auckland (UTC+12) is already on 2025-03-11, so 03-10 is past there but not in London
    assert "past" in fails("weather_forecast", city="Auckland", date="2025-03-10")
    run("weather_forecast", city="Auckland", date="2025-03-17")  # local today + 6
    assert "days ahead" in fails("weather_forecast", city="London", date="2025-03-17")  # UTC today + 7
    assert "no weather data" in fails("weather_forecast", city="Atlantis", date="2025-03-11")
    # same world, same answer; climate: Singapore is warmer than Oslo in March
    assert run("weather_forecast", city="London", date="2025-03-12") == run(
        "weather_forecast", city="London", date="2025-03-12")
    w = generate_world(7)
    day = w.today + dt.timedelta(days=1)
    assert w.forecast("Singapore", day)["high_c"] > w.forecast("Oslo", day)["high_c"]


def test_stock_quote() -> None:
    out = run("stock_quote", symbol="acmx")
    assert out["price"] == 120.5 and out["change_pct"] == 20.5
    assert "unknown ticker" in fails("stock_quote", symbol="ZZZZ")


def test_currency_convert() -> None:
    out = run("currency_convert", amount=100, from_currency="EUR", to_currency="jpy")
    assert out["rate"] == 166.666667 and out["converted"] == 16666.67  # 150 / 0.9
    assert run("currency_convert", amount=9, from_currency="EUR", to_currency="USD")["converted"] == 10
    assert "unknown or unsupported currency" in fails("currency_convert", amount=1, from_currency="XXX",
                                                       to_currency="USD")


def test_list_events_sorted_by_start() -> None:
    out = run("list_events", date="2025-03-11")
    assert [e["start"] for e in out["events"]] == ["09:00", "14:00"]
    assert out["events"][0]["attendee"] == "Alice Novak"
    assert run("list_events", date="2025-03-12")["events"] == []


def test_search_news_bm25() -> None:
    top = run("search_news", query="Acmex headquarters")["results"]
    assert top[0]["id"] == "n1" and "Lima" in top[0]["title"]
    revenue = run("search_news", query="quarterly revenue Meridian", top_k=1)["results"]
    assert [r["id"] for r in revenue] == ["n2"]
    assert run("search_news", query="zzzz qqqq")["results"] == []  # score-0 hits are dropped
    assert "between 1 and 10" in fails("search_news", query="bank", top_k=50)


def test_find_flights() -> None:
    w = generate_world(3)
    day = (w.today + dt.timedelta(days=5)).isoformat()
    result, error = call_tool(w, "find_flights", {"origin": "Paris", "destination": "Tokyo", "date": day})
    assert error is None and 1 <= len(result["flights"]) <= 5
    for f in result["flights"]:
        assert f["duration_h"] >= 9712 / 820  # Paris-Tokyo is ~9,712 km
        assert f["price_usd"] > 0
    again, _ = call_tool(w, "find_flights", {"origin": "paris", "destination": "tokyo", "date": day})
    assert again["flights"] == result["flights"]
    assert "past" in fails("find_flights", origin="Paris", destination="Lima", date="2025-03-09")
    assert "60 days" in fails("find_flights", origin="Paris", destination="Lima", date="2025-06-30")
    assert "no airport" in fails("find_flights", origin="Paris", destination="Nuuk", date="2025-03-12")


def test_list_todos() -> None:
    assert run("list_todos")["count"] == 3
    assert [t["id"] for t in run("list_todos", status="open")["todos"]] == [1, 2]
    assert [t["id"] for t in run("list_todos", status="OPEN", priority="high")["todos"]] == [1]
    assert "must be one of" in fails("list_todos", status="pending")


def test_find_contact() -> None:
    assert run("find_contact", name="ali")["contacts"][0]["phone"] == "+1-555-100-1234"
    assert run("find_contact", name="Bruno Silva")["contacts"][0]["city"] == "Lima"
    assert "no contact" in fails("find_contact", name="Zed")


# ----------------------------------------------------------------------------- argument checking
@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("calculator", {}, "missing required"),
        ("calculator", {"expression": 5}, "must be a string"),
        ("calculator", {"expression": "1", "extra": 1}, "has no argument"),
        ("convert_units", {"value": "10", "from_unit": "km", "to_unit": "m"}, "must be a number"),
        ("convert_units", {"value": True, "from_unit": "km", "to_unit": "m"}, "must be a number"),
        ("convert_units", {"value": float("nan"), "from_unit": "km", "to_unit": "m"}, "finite"),
        ("date_add", {"date": "2024-01-01", "days": 1.5}, "must be an integer"),
        ("city_distance", {"city_a": "a", "city_b": "b", "unit": "parsec"}, "must be one of"),
        ("search_news", {"query": "x" * 1000}, "longer than"),
        ("nope", {}, "unknown tool"),
        ("calculator", ["1 + 1"], "must be a JSON object"),
    ],
)
def test_schema_violations_are_readable(name: str, arguments: object, message: str) -> None:
    result, error = call_tool(_hand_world(), name, arguments)
    assert error == "invalid" and message in result["error"]
