"""``--set KEY=VALUE`` overrides, one convention for every command that takes them."""

from __future__ import annotations

import re
from typing import Any

from trainers.cli._errors import UsageError

_FLOAT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``["KEY=VALUE", ...]`` as a mapping, each value parsed as YAML (``3`` -> 3, ``true`` ->
    True, ``cuda`` -> "cuda", ``{a: 1}`` -> a dict). Scientific notation is a number even where
    YAML 1.1 reads a string (``3e-5``).

    >>> parse_overrides(["lr=0.002", "device=cuda", "stale_noise=true", "learning_rate=3e-5"])
    {'lr': 0.002, 'device': 'cuda', 'stale_noise': True, 'learning_rate': 3e-05}
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        parsed = yaml.safe_load(value)
        if isinstance(parsed, str) and _FLOAT.fullmatch(parsed.strip()):
            parsed = float(parsed)
        out[key.strip()] = parsed
    return out


def apply_dotted(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set each ``overrides`` entry in the nested ``data``; a dotted key reaches into sections.

    >>> apply_dotted({"fit": {"epochs": 4}}, {"fit.epochs": 2, "seed": 1})
    {'fit': {'epochs': 2}, 'seed': 1}
    """
    for key, value in overrides.items():
        *path, last = key.split(".")
        node = data
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return data


def read_recipe(path: str, overrides: list[str] | None = None) -> dict[str, Any]:
    """A YAML recipe as a dict, with ``--set KEY=VALUE`` overrides (dotted keys) applied."""
    import yaml

    try:
        with open(path) as fh:
            data = yaml.safe_load(fh) or {}
    except OSError as exc:
        raise UsageError(f"cannot read recipe {path}: {exc.strerror}") from exc
    return apply_dotted(data, parse_overrides(overrides))
