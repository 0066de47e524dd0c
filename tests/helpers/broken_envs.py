"""Deliberately broken variants of the toy env: the conformance kit must catch each."""

from __future__ import annotations

import random

from envs.core import Transition
from tests.helpers.toy_env import CountEnv


class RaisesOnGarbage(CountEnv):
    def _transition(self, action: str) -> Transition:
        if not action.startswith("add"):
            raise ValueError("cannot parse")  # the sin: bad input raises
        return super()._transition(action)


class NonDeterministic(CountEnv):
    def _start(self, task):
        super()._start(task)
        return f"{task.goal} Weather: {random.choice(['rain', 'sun', 'fog', 'snow'])}."  # global RNG


class ForgetfulState(CountEnv):
    def _set_world(self, world: int) -> None:
        self.total = 0  # the sin: restoring a fork loses the world


class BlankFeedback(CountEnv):
    def _transition(self, action: str) -> Transition:
        result = super()._transition(action)
        return Transition("", action_valid=result.action_valid) if not result.action_valid else result


class AcceptsEverything(CountEnv):
    def _transition(self, action: str) -> Transition:
        result = super()._transition(action)
        result.action_valid = True  # the sin: garbage is reported as valid
        return result
