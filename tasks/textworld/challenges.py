"""TextWorld's game challenges and their difficulty settings (Côté et al., 2018, arXiv 1806.11532).

Three of ``tw-make``'s challenges are exposed, each with the knobs its generator takes:

* ``cooking`` (``tw-cooking``, the First TextWorld Problems games): ``recipe`` (ingredients,
  1-5), ``take`` (ingredients to find, 0..recipe), ``go`` (rooms: 1, 6, 9 or 12), ``open``
  (containers and doors start closed), ``cook`` and ``cut`` (ingredients need cooking /
  cutting). ``drop`` (limited inventory) is left out: TextWorld 1.7 builds those games without
  a walkthrough.
* ``coin_collector`` (``tw-coin_collector``): ``level`` 1-300 (quest length (level-1) % 100 + 1,
  distractor rooms from level 101).
* ``treasure_hunter`` (``tw-treasure_hunter``): ``level`` 1-30 (easy / medium / hard bands).

Settings are normalised to plain ints (booleans as 0/1) so they can sit in task ids and cache
keys; :func:`textworld_settings` turns them back into what ``textworld.challenges`` expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Challenge:
    name: str  # our name (kwarg value)
    tw_name: str  # the name in textworld.challenges.CHALLENGES / tw-make
    defaults: Mapping[str, int]  # every setting with its default value
    flags: tuple[str, ...] = ()  # settings that are booleans (stored as 0/1)


CHALLENGES: dict[str, Challenge] = {
    "cooking": Challenge(
        "cooking",
        "tw-cooking",
        {"recipe": 1, "take": 1, "go": 1, "open": 0, "cook": 0, "cut": 0},
        flags=("open", "cook", "cut"),
    ),
    "coin_collector": Challenge("coin_collector", "tw-coin_collector", {"level": 1}),
    "treasure_hunter": Challenge("treasure_hunter", "tw-treasure_hunter", {"level": 1}),
}

#: every setting name of every challenge (the env's kwargs)
ALL_SETTINGS: tuple[str, ...] = ("recipe", "take", "go", "open", "cook", "cut", "level")

#: cooking's own food distribution (FTWP's train / valid / test foods) for each of our splits
COOKING_FOOD_SPLIT: dict[str, str] = {"train": "train", "eval": "valid"}


def get_challenge(name: str) -> Challenge:
    try:
        return CHALLENGES[name]
    except KeyError:
        raise ValueError(f"unknown TextWorld challenge {name!r}; known: {sorted(CHALLENGES)}") from None


def _to_int(name: str, value: Any, flag: bool) -> int:
    if isinstance(value, str):  # values parsed back from a task id
        text = value.strip().lower()
        if flag and text in ("true", "false"):
            return int(text == "true")
        if not text.lstrip("-").isdigit():
            raise ValueError(f"setting {name}={value!r} is not an integer")
        value = int(text)
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"setting {name}={value!r} is not an integer")
    if not isinstance(value, (bool, int, float)):
        raise ValueError(f"setting {name}={value!r} is not an integer")
    number = int(value)
    if flag and number not in (0, 1):
        raise ValueError(f"setting {name} is a flag (True/False or 0/1), got {value!r}")
    return number


def normalise_settings(challenge: str, settings: Mapping[str, Any] | None = None) -> dict[str, int]:
    """Every setting of ``challenge``: defaults overridden by ``settings``, validated.

    >>> normalise_settings("cooking", {"recipe": 2, "cook": True})
    {'recipe': 2, 'take': 1, 'go': 1, 'open': 0, 'cook': 1, 'cut': 0}
    >>> normalise_settings("coin_collector", {"level": "5"})
    {'level': 5}
    """
    spec = get_challenge(challenge)
    given = {k: v for k, v in (settings or {}).items() if v is not None}
    foreign = sorted(set(given) - set(spec.defaults))
    if foreign:
        raise ValueError(
            f"setting(s) {foreign} do not apply to the {challenge!r} challenge; "
            f"its settings: {sorted(spec.defaults)}"
        )
    out = {k: _to_int(k, given.get(k, default), k in spec.flags) for k, default in spec.defaults.items()}
    _validate(challenge, out)
    return out


def _validate(challenge: str, s: Mapping[str, int]) -> None:
    if challenge == "cooking":
        if not 1 <= s["recipe"] <= 5:
            raise ValueError(f"recipe must be 1-5 ingredients, got {s['recipe']}")
        if not 0 <= s["take"] <= s["recipe"]:
            raise ValueError(f"take must be in 0..recipe ({s['recipe']}), got {s['take']}")
        if s["go"] not in (1, 6, 9, 12):
            raise ValueError(f"go must be 1, 6, 9 or 12 rooms, got {s['go']}")
    elif challenge == "coin_collector":
        if not 1 <= s["level"] <= 300:
            raise ValueError(f"coin_collector level must be 1-300, got {s['level']}")
    elif challenge == "treasure_hunter" and not 1 <= s["level"] <= 30:
        raise ValueError(f"treasure_hunter level must be 1-30, got {s['level']}")


def settings_slug(settings: Mapping[str, int]) -> str:
    """A file-name-safe key of normalised settings, in the challenge's order.

    >>> settings_slug({"recipe": 2, "take": 1, "go": 6, "open": 1, "cook": 0, "cut": 1})
    'recipe2-take1-go6-open1-cook0-cut1'
    """
    return "-".join(f"{k}{int(v)}" for k, v in settings.items())


def textworld_settings(challenge: str, settings: Mapping[str, int], split: str) -> dict[str, Any]:
    """The ``settings`` mapping ``textworld.challenges.<challenge>.make`` expects."""
    spec = get_challenge(challenge)
    out: dict[str, Any] = {k: (bool(v) if k in spec.flags else int(v)) for k, v in settings.items()}
    if challenge == "cooking":
        out.update(drop=False, recipe_seed=0, split=COOKING_FOOD_SPLIT[split])
    return out
