"""``stepgym bootstrap``: build the embedded default model (tokenizer + tiny Qwen2 + BC)."""

from trainers.bootstrap.build import BootstrapConfig, bootstrap
from trainers.bootstrap.demos import Demo, collect_demos
from trainers.bootstrap.presets import START_MODELS, start_model_config

__all__ = ["START_MODELS", "BootstrapConfig", "Demo", "bootstrap", "collect_demos",
           "start_model_config"]
