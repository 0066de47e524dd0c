"""The shipped, time-invariant tables of the ToolUse world (PORTool's setting, arXiv 2510.26020).

Real cities (coordinates, population, standard UTC offset — no daylight saving time, so
results are the same on every machine), countries (capital, currency, ...), a small
dictionary/thesaurus, and unit conversion factors. Loaded once, read-only.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_MILE = 1.609344


@dataclass(frozen=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    population: int
    utc_offset: float  # hours, standard time


@dataclass(frozen=True)
class Country:
    name: str
    capital: str
    continent: str
    population: int
    area_km2: int
    currency: str
    language: str
    calling_code: str


@dataclass(frozen=True)
class WordSense:
    word: str
    pos: str
    definition: str
    synonyms: tuple[str, ...]
    antonyms: tuple[str, ...]


def _key(name: str) -> str:
    return " ".join(str(name).lower().replace(".", "").replace(",", " ").split())


@lru_cache(maxsize=1)
def cities() -> dict[str, City]:
    """Cities by normalised name."""
    out: dict[str, City] = {}
    with open(DATA_DIR / "cities.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            city = City(row["name"], row["country"], float(row["lat"]), float(row["lon"]),
                        int(row["population"]), float(row["utc_offset"]))
            out[_key(city.name)] = city
    return out


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """Countries by normalised name."""
    out: dict[str, Country] = {}
    with open(DATA_DIR / "countries.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            country = Country(row["name"], row["capital"], row["continent"], int(row["population"]),
                              int(row["area_km2"]), row["currency"], row["language"],
                              row["calling_code"])
            out[_key(country.name)] = country
    return out


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[WordSense, ...]]:
    """Word senses by lower-case word."""
    out: dict[str, list[WordSense]] = {}
    with open(DATA_DIR / "words.tsv", encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 5:
                parts += [""] * (5 - len(parts))
            word, pos, definition, syn, ant = parts[:5]
            sense = WordSense(word, pos, definition,
                              tuple(s for s in syn.split(";") if s),
                              tuple(a for a in ant.split(";") if a))
            out.setdefault(word.lower(), []).append(sense)
    return {k: tuple(v) for k, v in out.items()}


def find_city(name: str) -> City | None:
    return cities().get(_key(name))


def find_country(name: str) -> Country | None:
    return countries().get(_key(name))


def haversine_km(a: City, b: City) -> float:
    """Great-circle distance in km (haversine formula, spherical Earth)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# ----------------------------------------------------------------------------- units
#: unit -> (dimension, factor to the SI base unit of that dimension)
UNITS: dict[str, tuple[str, float]] = {
    # length (metre)
    "mm": ("length", 0.001), "cm": ("length", 0.01), "m": ("length", 1.0), "km": ("length", 1000.0),
    "in": ("length", 0.0254), "ft": ("length", 0.3048), "yd": ("length", 0.9144),
    "mi": ("length", 1609.344), "nmi": ("length", 1852.0),
    # mass (kilogram)
    "mg": ("mass", 1e-6), "g": ("mass", 0.001), "kg": ("mass", 1.0), "t": ("mass", 1000.0),
    "oz": ("mass", 0.028349523125), "lb": ("mass", 0.45359237), "st": ("mass", 6.35029318),
    # volume (litre)
    "ml": ("volume", 0.001), "l": ("volume", 1.0), "m3": ("volume", 1000.0),
    "gal": ("volume", 3.785411784), "qt": ("volume", 0.946352946), "cup": ("volume", 0.2365882365),
    "floz": ("volume", 0.0295735295625),
    # time (second)
    "s": ("time", 1.0), "min": ("time", 60.0), "h": ("time", 3600.0), "day": ("time", 86400.0),
    "week": ("time", 604800.0),
    # speed (metre per second)
    "m/s": ("speed", 1.0), "km/h": ("speed", 1000.0 / 3600.0), "mph": ("speed", 1609.344 / 3600.0),
    "knot": ("speed", 1852.0 / 3600.0),
    # area (square metre)
    "m2": ("area", 1.0), "km2": ("area", 1e6), "ha": ("area", 1e4), "acre": ("area", 4046.8564224),
    "ft2": ("area", 0.09290304),
    # data (byte)
    "b": ("data", 1.0), "kb": ("data", 1e3), "mb": ("data", 1e6), "gb": ("data", 1e9),
    "tb": ("data", 1e12), "kib": ("data", 1024.0), "mib": ("data", 1024.0**2),
    "gib": ("data", 1024.0**3),
    # temperature: handled specially
    "c": ("temperature", 1.0), "f": ("temperature", 1.0), "k": ("temperature", 1.0),
}

UNIT_ALIASES: dict[str, str] = {
    "millimeter": "mm", "millimetre": "mm", "centimeter": "cm", "centimetre": "cm", "meter": "m",
    "metre": "m", "kilometer": "km", "kilometre": "km", "inch": "in", "foot": "ft", "feet": "ft",
    "yard": "yd", "mile": "mi", "nautical mile": "nmi", "milligram": "mg", "gram": "g",
    "kilogram": "kg", "tonne": "t", "ounce": "oz", "pound": "lb", "lbs": "lb", "stone": "st",
    "milliliter": "ml", "millilitre": "ml", "liter": "l", "litre": "l", "cubic meter": "m3",
    "gallon": "gal", "quart": "qt", "fluid ounce": "floz", "second": "s", "sec": "s",
    "minute": "min", "hour": "h", "hr": "h", "days": "day", "weeks": "week",
    "kph": "km/h", "kmh": "km/h", "knots": "knot", "square meter": "m2", "square kilometer": "km2",
    "hectare": "ha", "acres": "acre", "square foot": "ft2", "square feet": "ft2", "byte": "b",
    "kilobyte": "kb", "megabyte": "mb", "gigabyte": "gb", "terabyte": "tb", "kibibyte": "kib",
    "mebibyte": "mib", "gibibyte": "gib", "celsius": "c", "fahrenheit": "f", "kelvin": "k",
    "°c": "c", "°f": "f",
}


def canonical_unit(name: str) -> str | None:
    """The canonical symbol of a unit name (plural 's' tolerated), or None."""
    key = " ".join(str(name).strip().lower().split())
    if key in UNITS:
        return key
    if key in UNIT_ALIASES:
        return UNIT_ALIASES[key]
    if key.endswith("s") and key[:-1] in UNIT_ALIASES:
        return UNIT_ALIASES[key[:-1]]
    if key.endswith("es") and key[:-2] in UNIT_ALIASES:
        return UNIT_ALIASES[key[:-2]]
    return None


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert between canonical units of one dimension; raises ValueError otherwise."""
    dim_a, fa = UNITS[from_unit]
    dim_b, fb = UNITS[to_unit]
    if dim_a != dim_b:
        raise ValueError(f"cannot convert {dim_a} ({from_unit}) to {dim_b} ({to_unit})")
    if dim_a == "temperature":
        kelvin = {"c": value + 273.15, "f": (value - 32.0) * 5.0 / 9.0 + 273.15, "k": value}[from_unit]
        return {"c": kelvin - 273.15, "f": (kelvin - 273.15) * 9.0 / 5.0 + 32.0, "k": kelvin}[to_unit]
    return value * fa / fb
