"""``--set KEY=VALUE`` overrides, one convention for every command that takes them."""

from __future__ import annotations

from typing import Any

from trainers.cli._errors import UsageError


def parse_overrides(items: list[str] | None) -> dict[str, Any]:
    """``["KEY=VALUE", ...]`` as a mapping, each value parsed as YAML (``3`` -> 3, ``true`` ->
    True, ``cuda`` -> "cuda", ``{a: 1}`` -> a dict).

    >>> parse_overrides(["lr=0.002", "device=cuda", "stale_noise=true"])
    {'lr': 0.002, 'device': 'cuda', 'stale_noise': True}
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out
