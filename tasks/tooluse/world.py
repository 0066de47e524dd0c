"""The per-episode world of ToolUse (PORTool's setting, arXiv 2510.26020).

Everything time-sensitive is generated from one integer seed: the episode's own "now",
stock prices, exchange rates, calendar, news documents, to-dos and contacts; weather and
flight schedules are generated lazily from (seed, key), so the world is small and cheap.
The same seed gives the same world on every machine (numpy Generators only, seeded
through ``SeedSequence``; no global RNG). Tools and query templates both read the world
through the methods below, so ground truth is computed from the world itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tasks.base import stable_hash
from tasks.tooluse.tables import cities, find_city, haversine_km

FORECAST_DAYS = 7  # today + 6 days
FLIGHT_HORIZON_DAYS = 60
CONDITIONS = ("sunny", "partly cloudy", "cloudy", "light rain", "heavy rain", "thunderstorms", "fog", "snow")

COMPANIES: tuple[tuple[str, str, str], ...] = (
    ("ACMX", "Acmex Robotics", "robotics"), ("BRTL", "Brightel Energy", "energy"),
    ("CYGN", "Cygnus Biotech", "biotech"), ("DLTA", "Deltaform Materials", "materials"),
    ("EQNX", "Equinox Airways", "airline"), ("FLXR", "Fluxora Software", "software"),
    ("GRNW", "Greenwave Foods", "food"), ("HLIO", "Heliora Solar", "solar"),
    ("IRNC", "Ironclad Security", "security"), ("JUNO", "Junoware Games", "games"),
    ("KSTR", "Kestrel Motors", "cars"), ("LMNA", "Lumina Optics", "optics"),
    ("MRDN", "Meridian Bank", "banking"), ("NOVX", "Novix Pharma", "pharma"),
    ("ORBT", "Orbital Launch", "space"), ("PXLS", "Pixelsmith Media", "media"),
    ("QNTA", "Quanta Semiconductors", "chips"), ("RVRS", "Riverstone Logistics", "logistics"),
    ("SLVR", "Silverline Telecom", "telecom"), ("TNDR", "Tundra Outdoor", "retail"),
)

#: approximate units per US dollar; each world perturbs them
BASE_FX: dict[str, float] = {
    "USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 150.0, "CHF": 0.88, "CAD": 1.36, "AUD": 1.52,
    "CNY": 7.2, "INR": 83.0, "SEK": 10.5, "NOK": 10.6, "MXN": 17.1, "BRL": 5.0, "KRW": 1330.0,
    "SGD": 1.34, "ZAR": 18.6, "NZD": 1.64, "TRY": 32.0, "PLN": 4.0, "DKK": 6.9,
}

FIRST_NAMES = ("Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Greta", "Hiro", "Ines", "Jonas",
               "Kavya", "Liam", "Maya", "Nikos", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tariq")
LAST_NAMES = ("Novak", "Okafor", "Silva", "Tanaka", "Weber", "Haddad", "Kowalski", "Moreau",
              "Lindqvist", "Ferrari", "Nguyen", "Petrov", "Garcia", "Olsen", "Rahman", "Schmidt")
MEETING_TOPICS = ("budget review", "product demo", "design sync", "hiring panel", "quarterly planning",
                  "customer call", "code review", "lunch", "board update", "marketing brainstorm",
                  "vendor negotiation", "team retrospective")
TODO_TASKS = ("renew passport", "book dentist appointment", "pay electricity bill", "buy groceries",
              "file expense report", "call the bank", "water the plants", "update CV",
              "back up laptop", "send birthday card", "fix bike tyre", "read quarterly report",
              "plan weekend trip", "cancel gym membership")
PRODUCTS = ("smart thermostat", "electric scooter", "wireless earbuds", "baby monitor", "air fryer",
            "laptop charger", "e-bike battery", "coffee machine")
AIRLINES = (("SA", "Skyarc"), ("NW", "Northwind Air"), ("BL", "Bluejet"), ("AU", "Aurora Airlines"),
            ("TR", "Transit One"))


def _rng(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), stable_hash(key)]))


def parse_date(text: str) -> dt.date:
    """Strict ISO date (YYYY-MM-DD); raises ValueError."""
    text = str(text).strip()
    if len(text) != 10:
        raise ValueError(f"dates are written YYYY-MM-DD, got {text!r}")
    return dt.date.fromisoformat(text)


@dataclass(frozen=True)
class World:
    """One episode's world. Lists hold plain dicts (JSON-friendly); treat them as read-only."""

    seed: int
    now: dt.datetime  # UTC
    stocks: dict[str, dict[str, Any]]
    fx: dict[str, float]
    contacts: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]
    todos: tuple[dict[str, Any], ...]
    news: tuple[dict[str, Any], ...]

    # ---------------------------------------------------------------- time
    def local_now(self, utc_offset: float) -> dt.datetime:
        return self.now + dt.timedelta(hours=utc_offset)

    @property
    def today(self) -> dt.date:
        """Today's date in UTC (time-sensitive queries say "today" in UTC unless a city is named)."""
        return self.now.date()

    # ---------------------------------------------------------------- weather
    def forecast(self, city_name: str, day: dt.date) -> dict[str, Any]:
        """Daily forecast; raises LookupError for unknown cities or dates out of range."""
        city = find_city(city_name)
        if city is None:
            raise LookupError(f"no weather data for {city_name!r}")
        local_today = self.local_now(city.utc_offset).date()
        delta = (day - local_today).days
        if delta < 0:
            raise LookupError(f"{day.isoformat()} is in the past in {city.name}; only forecasts are available")
        if delta >= FORECAST_DAYS:
            raise LookupError(
                f"forecasts reach only {FORECAST_DAYS - 1} days ahead of {local_today.isoformat()}"
            )
        rng = _rng(self.seed, f"weather|{city.name}|{day.isoformat()}")
        # climate: warmer near the equator, seasonal swing flips in the southern hemisphere
        season = np.cos(2 * np.pi * (day.timetuple().tm_yday - 200) / 365.25)
        mean = 30.0 - 0.0055 * city.lat**2
        swing = min(12.0, 0.2 * abs(city.lat)) * (1 if city.lat >= 0 else -1)
        base = mean + swing * season
        high = round(float(base + rng.normal(0, 3.0)))
        low = high - int(rng.integers(4, 12))
        cond = CONDITIONS[int(rng.integers(0, len(CONDITIONS) - (0 if low <= 0 else 1)))]
        precip = int(rng.integers(0, 30)) if cond in ("sunny", "partly cloudy", "fog") else int(rng.integers(40, 100))
        return {"city": city.name, "date": day.isoformat(), "high_c": high, "low_c": low,
                "condition": cond, "precipitation_chance": precip}

    # ---------------------------------------------------------------- finance
    def quote(self, symbol: str) -> dict[str, Any]:
        stock = self.stocks.get(str(symbol).strip().upper())
        if stock is None:
            raise LookupError(f"unknown ticker symbol {symbol!r}")
        return dict(stock)

    def convert_currency(self, amount: float, from_ccy: str, to_ccy: str) -> dict[str, Any]:
        a, b = str(from_ccy).strip().upper(), str(to_ccy).strip().upper()
        for code in (a, b):
            if code not in self.fx:
                raise LookupError(f"unknown or unsupported currency {code!r}")
        rate = round(self.fx[b] / self.fx[a], 6)
        return {"amount": amount, "from": a, "to": b, "rate": rate,
                "converted": round(amount * rate, 2), "as_of": self.now.strftime("%Y-%m-%d %H:%M UTC")}

    # ---------------------------------------------------------------- calendar, contacts, to-dos
    def events_on(self, day: dt.date) -> list[dict[str, Any]]:
        return sorted((e for e in self.events if e["date"] == day.isoformat()), key=lambda e: e["start"])

    def find_contacts(self, query: str) -> list[dict[str, Any]]:
        q = " ".join(str(query).lower().split())
        return [c for c in self.contacts if q and q in c["name"].lower()]

    def todos_with(self, status: str | None = None, priority: str | None = None) -> list[dict[str, Any]]:
        return [t for t in self.todos
                if (status is None or t["status"] == status) and (priority is None or t["priority"] == priority)]

    # ---------------------------------------------------------------- flights
    def flights(self, origin: str, destination: str, day: dt.date) -> list[dict[str, Any]]:
        a, b = find_city(origin), find_city(destination)
        if a is None or b is None:
            raise LookupError(f"no airport for {(origin if a is None else destination)!r}")
        if a.name == b.name:
            raise LookupError("origin and destination are the same city")
        delta = (day - self.today).days
        if delta < 0:
            raise LookupError(f"{day.isoformat()} is in the past; the schedule starts {self.today.isoformat()}")
        if delta > FLIGHT_HORIZON_DAYS:
            raise LookupError(f"schedules are published only {FLIGHT_HORIZON_DAYS} days ahead")
        rng = _rng(self.seed, f"flights|{a.name}|{b.name}|{day.isoformat()}")
        km = haversine_km(a, b)
        count = int(rng.integers(2, 6))
        out = []
        for _ in range(count):
            code, airline = AIRLINES[int(rng.integers(0, len(AIRLINES)))]
            stops = 0 if km < 3000 else int(rng.integers(0, 2))
            duration = round(km / 820.0 + 0.6 + 1.5 * stops + float(rng.uniform(0, 0.5)), 1)
            dep = int(rng.integers(5 * 4, 23 * 4)) * 15  # minutes after midnight
            price = round(60 + 0.09 * km * float(rng.uniform(0.7, 1.6)) - 40 * stops, 0)
            out.append({"flight": f"{code}{int(rng.integers(100, 999))}", "airline": airline,
                        "departure_local": f"{dep // 60:02d}:{dep % 60:02d}",
                        "duration_h": duration, "stops": stops, "price_usd": float(price)})
        out.sort(key=lambda f: f["departure_local"])
        # unique flight numbers and prices keep "the cheapest" well defined
        seen: set[str] = set()
        prices: set[float] = set()
        unique = []
        for f in out:
            if f["flight"] in seen or f["price_usd"] in prices:
                continue
            seen.add(f["flight"])
            prices.add(f["price_usd"])
            unique.append(f)
        return unique


# ----------------------------------------------------------------------------- generation
@lru_cache(maxsize=256)
def generate_world(seed: int) -> World:
    """The world of ``seed`` (cached; worlds are immutable)."""
    rng = _rng(seed, "world")
    start = dt.datetime(2024, 1, 1)
    now = start + dt.timedelta(minutes=int(rng.integers(0, 3 * 365 * 24 * 60)))
    stocks = {}
    for symbol, name, sector in COMPANIES:
        price = round(float(np.exp(rng.uniform(np.log(8), np.log(900)))), 2)
        change = float(rng.normal(0, 0.025))
        prev = round(price / (1 + change), 2)
        stocks[symbol] = {"symbol": symbol, "name": name, "sector": sector, "price": price,
                          "previous_close": prev, "change_pct": round(100 * (price - prev) / prev, 2),
                          "currency": "USD", "as_of": now.strftime("%Y-%m-%d %H:%M UTC")}
    fx = {code: (1.0 if code == "USD" else round(rate * float(rng.uniform(0.9, 1.1)), 4))
          for code, rate in BASE_FX.items()}
    city_names = [c.name for c in cities().values()]
    # contacts: unique full names and unique first names
    firsts = rng.permutation(len(FIRST_NAMES))[:12]
    contacts = []
    for i, fi in enumerate(firsts):
        first, last = FIRST_NAMES[int(fi)], LAST_NAMES[int(rng.integers(0, len(LAST_NAMES)))]
        company = COMPANIES[int(rng.integers(0, len(COMPANIES)))][1]
        contacts.append({"name": f"{first} {last}", "phone": f"+1-555-{100 + i:03d}-{int(rng.integers(1000, 9999))}",
                         "email": f"{first.lower()}.{last.lower()}@{company.split()[0].lower()}.example",
                         "city": city_names[int(rng.integers(0, len(city_names)))], "company": company})
    events = []
    today = now.date()
    for offset in range(-3, 15):
        day = today + dt.timedelta(days=offset)
        slots = sorted(rng.choice(np.arange(8, 18), size=int(rng.integers(0, 4)), replace=False).tolist())
        for hour in slots:
            person = contacts[int(rng.integers(0, len(contacts)))]
            topic = MEETING_TOPICS[int(rng.integers(0, len(MEETING_TOPICS)))]
            length = int(rng.choice([30, 45, 60, 90]))
            end = dt.datetime(2000, 1, 1, int(hour)) + dt.timedelta(minutes=length)
            # every time carries its zone: the calendar, like the questions' dates, is in UTC
            events.append({"date": day.isoformat(), "start": f"{int(hour):02d}:00 UTC",
                           "end": end.strftime("%H:%M UTC"),
                           "title": f"{topic.capitalize()} with {person['name'].split()[0]}",
                           "attendee": person["name"], "location": person["city"]})
    todos = []
    for i, ti in enumerate(rng.permutation(len(TODO_TASKS))[:10]):
        due = today + dt.timedelta(days=int(rng.integers(-5, 20)))
        todos.append({"id": i + 1, "task": TODO_TASKS[int(ti)], "due": due.isoformat(),
                      "priority": ("high", "medium", "low")[int(rng.integers(0, 3))],
                      "status": "done" if rng.random() < 0.3 else "open"})
    news = _generate_news(rng, now, contacts)
    return World(seed=int(seed), now=now, stocks=stocks, fx=fx, contacts=tuple(contacts),
                 events=tuple(events), todos=tuple(todos), news=tuple(news))


def _generate_news(rng: np.random.Generator, now: dt.datetime, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Generated articles: each company gets at most one story of each kind, so answers are unique."""
    city_names = [c.name for c in cities().values()]
    docs: list[dict[str, Any]] = []
    for symbol, name, sector in COMPANIES:
        kinds = rng.permutation(4)[: int(rng.integers(1, 4))]
        for kind in kinds:
            day = (now - dt.timedelta(days=int(rng.integers(0, 30)))).date().isoformat()
            if kind == 0:
                city = city_names[int(rng.integers(0, len(city_names)))]
                facts = {"kind": "headquarters", "city": city}
                title = f"{name} to open new headquarters in {city}"
                body = (f"{name} ({symbol}) said it will move its headquarters to {city}, bringing "
                        f"hundreds of {sector} jobs to the region over the next two years.")
            elif kind == 1:
                revenue = round(float(rng.uniform(0.5, 40.0)), 1)
                facts = {"kind": "revenue", "revenue_billion_usd": revenue}
                title = f"{name} reports quarterly revenue of ${revenue} billion"
                body = (f"{name} ({symbol}) reported quarterly revenue of {revenue} billion dollars, "
                        f"as demand in the {sector} market shifted.")
            elif kind == 2:
                person = f"{FIRST_NAMES[int(rng.integers(0, len(FIRST_NAMES)))]} {LAST_NAMES[int(rng.integers(0, len(LAST_NAMES)))]}"
                facts = {"kind": "ceo", "person": person}
                title = f"{name} appoints {person} as chief executive"
                body = (f"The board of {name} ({symbol}) named {person} chief executive officer, "
                        f"effective immediately, to lead its {sector} business.")
            else:
                product = PRODUCTS[int(rng.integers(0, len(PRODUCTS)))]
                units = int(rng.integers(2, 300)) * 1000
                facts = {"kind": "recall", "product": product, "units": units}
                title = f"{name} recalls {units:,} units of its {product}"
                body = (f"{name} ({symbol}) is recalling {units:,} {product} units after a safety "
                        f"review found a defect.")
            docs.append({"id": f"n{len(docs) + 1}", "date": day, "title": title, "body": body,
                         "company": name, "symbol": symbol, "facts": facts})
    order = rng.permutation(len(docs))
    ordered = [docs[int(i)] for i in order]
    for i, doc in enumerate(ordered):
        doc["id"] = f"n{i + 1}"
    return ordered
