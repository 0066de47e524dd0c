"""WebShop-style shopping env (``stepgym/WebShop-v0``); see :mod:`envs.webshop.env`."""

from envs.webshop.env import WebShopEnv

__all__ = ["WebShopEnv"]
