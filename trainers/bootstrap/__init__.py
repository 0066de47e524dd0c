"""``stepgym bootstrap``: build the embedded default model (tokenizer + tiny Qwen2 + BC)."""

from trainers.bootstrap.build import BootstrapConfig, bootstrap
from trainers.bootstrap.demos import Demo, collect_demos

__all__ = ["BootstrapConfig", "Demo", "bootstrap", "collect_demos"]
