"""An adapter for TRL's own tool loop: ``GRPOTrainer(environment_factory=ToolUseTRLEnv)``.

TRL 1.16 (``trl/trainer/grpo_trainer.py``) probes one instance of the factory's class:
every public method except ``reset`` and ``get_reward`` becomes a tool, its schema
built by ``transformers.utils.get_json_schema`` from the type hints and the Google-style
docstring; before each rollout it calls ``reset(**row)`` with the dataset row (``prompt``
plus any other columns) and appends the returned string to the last user message; after
the rollout it calls ``get_reward()`` once and uses it as a reward (weight 1). Tool
exceptions become ``{"error": ...}`` there, but these methods never raise: every call goes
through :class:`envs.tooluse.ToolUseEnv`, so counting, ``progress`` and error texts are
the env's own. The final answer is given with the ``submit_answer`` tool (TRL's loop has
no other channel from the last message to ``get_reward``). PORTool (arXiv 2510.26020)
trains on this kind of loop with tree rollouts; this class serves plain TRL users.

No torch or TRL import here: the class is plain Python.
"""

from __future__ import annotations

import json
from typing import Any

from envs.tooluse.env import ToolUseEnv
from envs.tooluse.parser import format_call

INSTRUCTIONS = (
    "Answer the question using the tools. When you know the answer, call submit_answer with it "
    "(if the question cannot be answered, submit an answer saying you cannot answer).\n\nQuestion: "
)

_RESET_KEYS = ("split", "task_id", "task_index", "template")


def dataset_rows(n: int, split: str = "train", start: int = 0) -> list[dict[str, Any]]:
    """Rows for ``datasets.Dataset.from_list``: a conversational prompt and a task index."""
    return [{"prompt": [{"role": "user", "content": INSTRUCTIONS}], "task_index": start + i, "split": split}
            for i in range(n)]


class ToolUseTRLEnv:
    """One ToolUse episode per rollout, with the tools as methods (see module docstring)."""

    def __init__(self, split: str = "train", verify_tasks: bool = True) -> None:
        self._env = ToolUseEnv(split=split, tools_in_prompt="none", verify_tasks=verify_tasks)
        self._info: dict[str, Any] = {}
        self._reward = 0.0
        self._done = False
        self._counter = 0

    # ------------------------------------------------------------------ TRL contract
    def reset(self, **kwargs: Any) -> str:
        """Start the episode named by the dataset row; return the question text."""
        options = {k: kwargs[k] for k in _RESET_KEYS if kwargs.get(k) is not None}
        seed = kwargs.get("seed")
        if seed is None and "task_index" not in options and "task_id" not in options:
            seed = self._counter  # plain rows: walk through the split deterministically
        self._counter += 1
        _, self._info = self._env.reset(seed=None if seed is None else int(seed), options=options)
        self._reward = 0.0
        self._done = False
        return str(self._env.task.goal) if self._env.task is not None else ""

    def get_reward(self) -> float:
        """1.0 if the submitted answer is correct, else 0.0."""
        return self._reward

    @property
    def info(self) -> dict[str, Any]:
        """The env's latest ``info`` (progress, tool_calls, failed_calls, ...)."""
        return dict(self._info)

    def _call(self, name: str, **arguments: Any) -> str:
        if self._done:
            return json.dumps({"error": "the episode is over: the answer was already submitted"})
        args = {k: v for k, v in arguments.items() if v is not None}
        obs, _, _, _, self._info = self._env.step(format_call(name, args))
        return obs.removeprefix("<tool_response>\n").removesuffix("\n</tool_response>")

    # ------------------------------------------------------------------ the answer
    def submit_answer(self, answer: str) -> str:
        """Submit the final answer to the question; ends the episode.

        Args:
            answer: The final answer (a number, a name, a date, a comma-separated list, or a statement that the question cannot be answered).

        Returns:
            A confirmation that the answer was recorded.
        """
        if self._done:
            return "An answer was already submitted."
        _, reward, terminated, _, self._info = self._env.step(f"<answer>{answer}</answer>")
        if not terminated:
            return "The answer was empty or malformed; submit it again."
        self._reward = float(reward)
        self._done = True
        return "Answer recorded."

    # ------------------------------------------------------------------ tools (time-invariant)
    def calculator(self, expression: str) -> str:
        """Evaluate an arithmetic expression (+ - * / // % **, parentheses, pi, e, sqrt, abs, round, floor, ceil, log, log10, log2, exp, sin, cos, tan, min, max).

        Args:
            expression: The expression, e.g. '(12.5 * 3) / 4'.

        Returns:
            JSON with the result or an error.
        """
        return self._call("calculator", expression=expression)

    def convert_units(self, value: float, from_unit: str, to_unit: str) -> str:
        """Convert a value between units of the same kind (length, mass, volume, time, speed, area, data, temperature).

        Args:
            value: The quantity to convert.
            from_unit: Unit of the value, e.g. 'mi'.
            to_unit: Target unit, e.g. 'km'.

        Returns:
            JSON with the converted value or an error.
        """
        return self._call("convert_units", value=value, from_unit=from_unit, to_unit=to_unit)

    def city_distance(self, city_a: str, city_b: str, unit: str = "km") -> str:
        """Great-circle distance between two cities (haversine).

        Args:
            city_a: First city, e.g. 'Paris'.
            city_b: Second city, e.g. 'Tokyo'.
            unit: Distance unit. (choices: ["km", "mi"])

        Returns:
            JSON with the distance or an error.
        """
        return self._call("city_distance", city_a=city_a, city_b=city_b, unit=unit)

    def city_info(self, city: str) -> str:
        """Facts about a city: country, population, coordinates and time zone.

        Args:
            city: City name, e.g. 'Lagos'.

        Returns:
            JSON with the facts or an error.
        """
        return self._call("city_info", city=city)

    def country_info(self, country: str) -> str:
        """Facts about a country: capital, continent, population, area, currency, main language, calling code.

        Args:
            country: Country name, e.g. 'Japan'.

        Returns:
            JSON with the facts or an error.
        """
        return self._call("country_info", country=country)

    def define_word(self, word: str) -> str:
        """Dictionary: the definitions and parts of speech of an English word.

        Args:
            word: The word, e.g. 'brave'.

        Returns:
            JSON with the senses or an error.
        """
        return self._call("define_word", word=word)

    def thesaurus(self, word: str) -> str:
        """Thesaurus: synonyms and antonyms of an English word.

        Args:
            word: The word, e.g. 'happy'.

        Returns:
            JSON with synonyms and antonyms or an error.
        """
        return self._call("thesaurus", word=word)

    def date_diff(self, start_date: str, end_date: str) -> str:
        """Number of days from start_date to end_date.

        Args:
            start_date: A date written YYYY-MM-DD.
            end_date: A date written YYYY-MM-DD.

        Returns:
            JSON with the number of days or an error.
        """
        return self._call("date_diff", start_date=start_date, end_date=end_date)

    def date_add(self, date: str, days: int) -> str:
        """The date and weekday a number of days after (or before, if negative) a date.

        Args:
            date: A date written YYYY-MM-DD.
            days: Days to add (may be negative).

        Returns:
            JSON with the date and weekday or an error.
        """
        return self._call("date_add", date=date, days=days)

    # ------------------------------------------------------------------ tools (time-sensitive)
    def current_datetime(self, timezone: str = "UTC") -> str:
        """The current local date, time and weekday in a time zone.

        Args:
            timezone: A city name (e.g. 'Tokyo') or a UTC offset (e.g. 'UTC', 'UTC+5:30').

        Returns:
            JSON with date, time and weekday or an error.
        """
        return self._call("current_datetime", timezone=timezone)

    def weather_forecast(self, city: str, date: str) -> str:
        """Daily weather forecast for a city (today up to 6 days ahead, local calendar).

        Args:
            city: City name, e.g. 'Madrid'.
            date: A date written YYYY-MM-DD.

        Returns:
            JSON with high and low in Celsius, condition and chance of precipitation, or an error.
        """
        return self._call("weather_forecast", city=city, date=date)

    def stock_quote(self, symbol: str) -> str:
        """Latest stock quote for a ticker symbol.

        Args:
            symbol: Ticker symbol, e.g. 'ACMX'.

        Returns:
            JSON with price (USD), previous close and change in percent, or an error.
        """
        return self._call("stock_quote", symbol=symbol)

    def currency_convert(self, amount: float, from_currency: str, to_currency: str) -> str:
        """Convert an amount between currencies at the latest rate.

        Args:
            amount: Amount in from_currency.
            from_currency: ISO code, e.g. 'USD'.
            to_currency: ISO code, e.g. 'EUR'.

        Returns:
            JSON with the rate and converted amount, or an error.
        """
        return self._call("currency_convert", amount=amount, from_currency=from_currency, to_currency=to_currency)

    def list_events(self, date: str) -> str:
        """The user's calendar events on a date.

        Args:
            date: A date written YYYY-MM-DD.

        Returns:
            JSON with the events (start, end, title, attendee, location) or an error.
        """
        return self._call("list_events", date=date)

    def search_news(self, query: str, top_k: int = 3) -> str:
        """Search recent news articles (BM25 keyword search).

        Args:
            query: Keywords, e.g. 'Acmex Robotics headquarters'.
            top_k: Number of results, 1 to 10.

        Returns:
            JSON with the best matching articles or an error.
        """
        return self._call("search_news", query=query, top_k=top_k)

    def find_flights(self, origin: str, destination: str, date: str) -> str:
        """Scheduled flights between two cities on a date.

        Args:
            origin: Departure city.
            destination: Arrival city.
            date: A date written YYYY-MM-DD.

        Returns:
            JSON with flights (number, airline, departure, duration, stops, price in USD) or an error.
        """
        return self._call("find_flights", origin=origin, destination=destination, date=date)

    def list_todos(self, status: str = "all", priority: str = "any") -> str:
        """The user's to-do items, optionally filtered.

        Args:
            status: Filter by status. (choices: ["open", "done", "all"])
            priority: Filter by priority. (choices: ["high", "medium", "low", "any"])

        Returns:
            JSON with the matching to-do items or an error.
        """
        return self._call("list_todos", status=status, priority=priority)

    def find_contact(self, name: str) -> str:
        """Look up the user's contacts by (part of) a name.

        Args:
            name: Full or partial name.

        Returns:
            JSON with phone, email, city and company, or an error.
        """
        return self._call("find_contact", name=name)
