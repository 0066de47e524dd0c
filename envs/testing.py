"""A conformance kit for stepgym text envs, shipped in the package (like PettingZoo's api_test).

``check_text_env(env_id)`` runs every check on one registered id and returns a list of
:class:`CheckResult`; ``assert_text_env(env_id)`` raises ``AssertionError`` listing the
failures. ``stepgym check ID`` prints the same results as a table. The checks:

* ``gymnasium``: Gymnasium's own ``check_env``, with its warnings treated as failures.
* ``info_keys``: the standard info keys on reset and on every step, with sane types.
* ``bad_actions``: always-invalid actions (empty, blank, control characters, over-long)
  give ``action_valid=False`` and a non-terminal feedback observation.
* ``fuzz``: a seeded stream of garbage (unicode, control characters, JSON, huge strings,
  mutated admissible actions) never raises, and the episode goes on; plus a
  hypothesis-driven search over short sequences of such actions.
* ``determinism``: two fresh envs, same seed and actions, give identical trajectories.
* ``state_restore``: continuing after ``restore_state`` (same env or a fresh one)
  reproduces the original continuation exactly.
* ``pickle``: a pickled mid-episode env continues exactly like the original.
* ``expert``: following ``info["expert_action"]`` wins each of the given seeds.
* ``vector``: ``SyncVectorEnv`` and ``AsyncVectorEnv(shared_memory=False)`` return the same
  observations as single envs. (Shared memory must stay off for text: it silently
  corrupts string observations; see tests/envs/test_vector_shared_memory.py.)
"""

from __future__ import annotations

import json
import math
import pickle
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np

import envs  # noqa: F401  (registers the ids)
from envs.core import REQUIRED_INFO_KEYS, TextEnv, restore_state, save_state

ALWAYS_INVALID_ACTIONS: tuple[str, ...] = ("", "   \t ", "\x00\x07\x1b[2J")


@dataclass
class CheckResult:
    name: str
    passed: bool
    detail: str
    seconds: float


Record = tuple[str, float, bool, bool, dict[str, Any]]


# ----------------------------------------------------------------------------- helpers
def _make(env_id: str, make_kwargs: dict[str, Any] | None) -> gym.Env:
    return gym.make(env_id, **(make_kwargs or {}))


def _base(env: gym.Env) -> TextEnv:
    base = env.unwrapped
    if not isinstance(base, TextEnv):
        raise AssertionError(f"{type(base).__name__} does not derive from envs.TextEnv")
    return base


def _normalise(value: Any) -> Any:
    """Make infos comparable: numpy scalars to Python, floats rounded, tuples to lists."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, np.generic):
        return _normalise(value.item())
    if isinstance(value, float):
        return round(value, 9)
    return value


def garbage_actions(rng: np.random.Generator, count: int, admissible: Sequence[str] = ()) -> list[str]:
    """A seeded stream of hostile actions: what a fuzzer or a broken model sends."""
    pool_unicode = "☃€中文ñ\u200b\u202e\ufeff😀𝔘"
    out: list[str] = []
    for _ in range(count):
        kind = int(rng.integers(0, 9))
        if kind == 0:
            out.append("")
        elif kind == 1:  # control characters
            out.append("".join(chr(int(c)) for c in rng.integers(0, 32, size=int(rng.integers(1, 20)))))
        elif kind == 2:  # unicode soup
            out.append("".join(pool_unicode[int(i)] for i in rng.integers(0, len(pool_unicode), size=12)))
        elif kind == 3:  # JSON garbage and near-JSON
            obj = {"name": "x" * int(rng.integers(0, 5)), "arguments": [None, 1e308, {"a": "b"}]}
            text = json.dumps(obj)
            cut = int(rng.integers(0, len(text)))
            out.append(text[:cut] if rng.random() < 0.5 else text)
        elif kind == 4:  # huge
            out.append("a" * int(rng.integers(1000, 20000)))
        elif kind == 5 and admissible:  # mutated admissible action
            action = admissible[int(rng.integers(0, len(admissible)))]
            chars = list(action)
            if chars:
                chars[int(rng.integers(0, len(chars)))] = chr(int(rng.integers(33, 0x2FF)))
            out.append("".join(chars))
        elif kind == 6:  # markup-ish
            out.append("<tool_call>{]</tool_call> \\boxed{ click[ search[ ] go to -1 " + "9" * 400)
        elif kind == 7:  # numbers, including absurd ones
            out.append(str(rng.choice(["nan", "inf", "-0", "1e999999", "9**9**9", "1/0", "0x1f"])))
        else:  # random printable
            out.append("".join(chr(int(c)) for c in rng.integers(32, 127, size=int(rng.integers(1, 80)))))
    return out


def _script_action(info: dict[str, Any], rng: np.random.Generator, t: int) -> str:
    """Mix expert moves, random admissible moves and garbage: covers valid and invalid paths."""
    expert = info.get("expert_action")
    admissible = info.get("admissible_actions") or []
    choice = t % 3
    if choice == 0 and expert is not None:
        return expert
    if choice in (0, 1) and admissible:
        return admissible[int(rng.integers(0, len(admissible)))]
    return garbage_actions(rng, 1, admissible)[0]


def _run_script(env: gym.Env, info: dict[str, Any], steps: int, rng_seed: int) -> tuple[list[Record], list[str]]:
    rng = np.random.default_rng(rng_seed)
    records: list[Record] = []
    actions: list[str] = []
    for t in range(steps):
        action = _script_action(info, rng, t)
        obs, reward, terminated, truncated, info = env.step(action)
        actions.append(action)
        records.append((obs, float(reward), bool(terminated), bool(truncated), _normalise(info)))
        if terminated or truncated:
            break
    return records, actions


def _replay(env: gym.Env, actions: Iterable[str]) -> list[Record]:
    records: list[Record] = []
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        records.append((obs, float(reward), bool(terminated), bool(truncated), _normalise(info)))
        if terminated or truncated:
            break
    return records


def _first_difference(a: list[Record], b: list[Record]) -> str:
    for i, (ra, rb) in enumerate(zip(a, b)):
        if ra != rb:
            for j, name in enumerate(("observation", "reward", "terminated", "truncated", "info")):
                if ra[j] != rb[j]:
                    return f"step {i}: {name} differs: {str(ra[j])[:200]!r} vs {str(rb[j])[:200]!r}"
    if len(a) != len(b):
        return f"lengths differ: {len(a)} vs {len(b)}"
    return ""


def _validate_info(info: dict[str, Any], where: str) -> None:
    missing = [k for k in REQUIRED_INFO_KEYS if k not in info]
    if missing:
        raise AssertionError(f"{where}: info lacks {missing}")
    if not isinstance(info["action_valid"], bool):
        raise AssertionError(f"{where}: action_valid is {type(info['action_valid']).__name__}")
    if not isinstance(info["won"], bool):
        raise AssertionError(f"{where}: won is {type(info['won']).__name__}")
    progress = info["progress"]
    if not isinstance(progress, (float, int)) or not (0.0 <= float(progress) <= 1.0) or math.isnan(progress):
        raise AssertionError(f"{where}: progress {progress!r} is not in [0, 1]")
    admissible = info["admissible_actions"]
    if admissible is not None and not (
        isinstance(admissible, list) and all(isinstance(a, str) for a in admissible)
    ):
        raise AssertionError(f"{where}: admissible_actions must be list[str] or None")
    expert = info["expert_action"]
    if expert is not None and not isinstance(expert, str):
        raise AssertionError(f"{where}: expert_action must be str or None")


def _check_step_output(out: tuple, where: str) -> None:
    if len(out) != 5:
        raise AssertionError(f"{where}: step returned {len(out)} values, not 5")
    obs, reward, terminated, truncated, info = out
    if not isinstance(obs, str):
        raise AssertionError(f"{where}: observation is {type(obs).__name__}, not str")
    if not isinstance(reward, (int, float)) or math.isnan(float(reward)):
        raise AssertionError(f"{where}: reward {reward!r} is not a finite number")
    if not isinstance(terminated, bool) or not isinstance(truncated, bool):
        raise AssertionError(f"{where}: terminated/truncated must be bool")
    _validate_info(info, where)


# ----------------------------------------------------------------------------- checks
def check_gymnasium(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    from gymnasium.utils.env_checker import check_env

    env = _make(env_id, make_kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_env(env.unwrapped, skip_render_check=True, skip_close_check=False)
    problems = [str(w.message) for w in caught if "gymnasium" in (w.filename or "") or "env_checker" in str(w.category)]
    if problems:
        raise AssertionError("check_env warned: " + " | ".join(problems[:5]))
    return "check_env passed with no warnings"


def check_info_keys(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    env = _make(env_id, make_kwargs)
    steps = 0
    for seed in seeds:
        obs, info = env.reset(seed=seed)
        if not isinstance(obs, str):
            raise AssertionError(f"reset returned {type(obs).__name__}, not str")
        _validate_info(info, f"reset(seed={seed})")
        rng = np.random.default_rng(seed)
        for t in range(12):
            out = env.step(_script_action(info, rng, t))
            _check_step_output(out, f"seed {seed} step {t}")
            info = out[4]
            steps += 1
            if out[2] or out[3]:
                break
    return f"{len(seeds)} episodes, {steps} steps: all standard keys present and typed"


def check_bad_actions(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    env = _make(env_id, make_kwargs)
    base = _base(env)
    env.reset(seed=seeds[0])
    bad = [*ALWAYS_INVALID_ACTIONS, "x" * (base.max_action_length + 1)]
    for action in bad:
        out = env.step(action)
        _check_step_output(out, f"bad action {action[:20]!r}")
        obs, _, terminated, _, info = out
        if info["action_valid"]:
            raise AssertionError(f"action {action[:20]!r} was accepted as valid")
        if terminated:
            raise AssertionError(f"action {action[:20]!r} ended the episode")
        if not obs.strip():
            raise AssertionError(f"action {action[:20]!r} got an empty feedback observation")
    return f"{len(bad)} always-invalid actions: feedback given, action_valid=False, episode goes on"


def check_fuzz(
    env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int], n_actions: int = 2000,
    hypothesis_examples: int = 50,
) -> str:
    env = _make(env_id, make_kwargs)
    rng = np.random.default_rng(12345)
    _, info = env.reset(seed=seeds[0])
    episodes = 1
    for i, action in enumerate(garbage_actions(rng, n_actions)):
        if i % 7 == 3 and info.get("admissible_actions"):
            action = garbage_actions(rng, 1, info["admissible_actions"])[0]
        out = env.step(action)
        _check_step_output(out, f"fuzz action {i} {action[:30]!r}")
        info = out[4]
        if out[2] or out[3]:
            _, info = env.reset(seed=int(rng.integers(0, 10_000)))
            episodes += 1
    ran = _hypothesis_fuzz(env, seeds[0], hypothesis_examples)
    return f"{n_actions} seeded garbage actions over {episodes} episodes, {ran} hypothesis sequences: nothing raised"


def _hypothesis_fuzz(env: gym.Env, seed: int, examples: int) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    json_values = st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=True) | st.text(max_size=10),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
        max_leaves=6,
    )
    action = st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=31), max_size=30),
        json_values.map(json.dumps),
        st.binary(max_size=60).map(lambda b: b.decode("latin-1")),
        st.integers().map(str),
    )
    count = 0

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(action, min_size=1, max_size=6))
    def run(actions: list[str]) -> None:
        nonlocal count
        count += 1
        env.reset(seed=seed)
        for i, a in enumerate(actions):
            out = env.step(a)
            _check_step_output(out, f"hypothesis action {i} {a[:30]!r}")
            if out[2] or out[3]:
                break

    run()
    return count


def check_determinism(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    total = 0
    for seed in seeds:
        env_a, env_b = _make(env_id, make_kwargs), _make(env_id, make_kwargs)
        obs_a, info_a = env_a.reset(seed=seed)
        obs_b, info_b = env_b.reset(seed=seed)
        if obs_a != obs_b or _normalise(info_a) != _normalise(info_b):
            raise AssertionError(f"seed {seed}: reset differs between two fresh envs")
        records_a, actions = _run_script(env_a, info_a, 30, rng_seed=seed)
        records_b = _replay(env_b, actions)
        diff = _first_difference(records_a, records_b)
        if diff:
            raise AssertionError(f"seed {seed}: {diff}")
        total += len(records_a)
    return f"{len(seeds)} seeds, {total} steps replayed identically"


def check_state_restore(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    for seed in seeds:
        env = _make(env_id, make_kwargs)
        _, info = env.reset(seed=seed)
        rng = np.random.default_rng(seed + 1)
        for t in range(3):  # move away from the initial state first
            _, _, terminated, truncated, info = env.step(_script_action(info, rng, t))
            if terminated or truncated:
                _, info = env.reset(seed=seed)
        state = save_state(env)
        state_copy = pickle.loads(pickle.dumps(state))
        original, actions = _run_script(env, info, 20, rng_seed=seed + 2)
        restore_state(env, state)
        diff = _first_difference(original, _replay(env, actions))
        if diff:
            raise AssertionError(f"seed {seed}, same env: {diff}")
        fresh = _make(env_id, make_kwargs)
        fresh.reset(seed=seed + 999)
        restore_state(fresh, state_copy)
        diff = _first_difference(original, _replay(fresh, actions))
        if diff:
            raise AssertionError(f"seed {seed}, fresh env from pickled state: {diff}")
    return f"{len(seeds)} fork points restored in the same env and in fresh envs"


def check_pickle(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    env = _make(env_id, make_kwargs)
    _, info = env.reset(seed=seeds[0])
    rng = np.random.default_rng(7)
    for t in range(2):
        _, _, terminated, truncated, info = env.step(_script_action(info, rng, t))
        if terminated or truncated:
            _, info = env.reset(seed=seeds[0])
    clone = pickle.loads(pickle.dumps(env))
    original, actions = _run_script(env, info, 15, rng_seed=11)
    diff = _first_difference(original, _replay(clone, actions))
    if diff:
        raise AssertionError(f"unpickled env diverged: {diff}")
    return "pickled mid-episode env continues identically"


def check_expert(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    env = _make(env_id, make_kwargs)
    steps: list[int] = []
    for seed in seeds:
        _, info = env.reset(seed=seed)
        for t in range(10_000):
            action = info["expert_action"]
            if action is None:
                raise AssertionError(f"seed {seed} step {t}: no expert_action before the episode ended")
            _, _, terminated, truncated, info = env.step(action)
            if terminated or truncated:
                break
        if not info["won"]:
            raise AssertionError(f"seed {seed}: the expert did not win (task {info['task_id']})")
        steps.append(t + 1)
    return f"expert won {len(seeds)}/{len(seeds)} seeds, {np.mean(steps):.1f} steps on average"


def check_vector(env_id: str, make_kwargs: dict[str, Any] | None, seeds: Sequence[int]) -> str:
    from gymnasium.vector import AsyncVectorEnv, SyncVectorEnv

    seeds = list(seeds[:2]) if len(seeds) >= 2 else [seeds[0], seeds[0] + 1]
    factory: Callable[[], gym.Env] = _EnvFactory(env_id, make_kwargs)
    singles = [factory() for _ in seeds]
    expected = [s.reset(seed=seed) for s, seed in zip(singles, seeds)]
    actions = [info["expert_action"] or "look" for _, info in expected]
    expected_step = [s.step(a)[0] for s, a in zip(singles, actions)]
    for name, vec in (
        ("sync", SyncVectorEnv([factory] * len(seeds))),
        ("async", AsyncVectorEnv([factory] * len(seeds), shared_memory=False)),
    ):
        try:
            obs, _ = vec.reset(seed=seeds)
            if list(obs) != [o for o, _ in expected]:
                raise AssertionError(f"{name}: reset observations differ from single envs")
            obs, *_ = vec.step(actions)
            if list(obs) != expected_step:
                raise AssertionError(f"{name}: step observations differ from single envs")
        finally:
            vec.close()
    return "SyncVectorEnv and AsyncVectorEnv(shared_memory=False) match single envs"


class _EnvFactory:
    """A picklable env constructor (AsyncVectorEnv ships it to worker processes)."""

    def __init__(self, env_id: str, make_kwargs: dict[str, Any] | None) -> None:
        self.env_id = env_id
        self.make_kwargs = dict(make_kwargs or {})

    def __call__(self) -> gym.Env:
        return gym.make(self.env_id, **self.make_kwargs)


CHECKS: dict[str, Callable[..., str]] = {
    "gymnasium": check_gymnasium,
    "info_keys": check_info_keys,
    "bad_actions": check_bad_actions,
    "fuzz": check_fuzz,
    "determinism": check_determinism,
    "state_restore": check_state_restore,
    "pickle": check_pickle,
    "expert": check_expert,
    "vector": check_vector,
}


def check_text_env(
    env_id: str,
    make_kwargs: dict[str, Any] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    only: Iterable[str] | None = None,
    fuzz_actions: int = 2000,
) -> list[CheckResult]:
    """Run the conformance checks on ``env_id`` and return one result per check."""
    names = list(only) if only is not None else list(CHECKS)
    unknown = set(names) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; available: {list(CHECKS)}")
    results = []
    for name in names:
        start = time.perf_counter()
        try:
            if name == "fuzz":
                detail = check_fuzz(env_id, make_kwargs, seeds, n_actions=fuzz_actions)
            else:
                detail = CHECKS[name](env_id, make_kwargs, seeds)
            passed = True
        except Exception as exc:  # a failed check is reported, not raised: the table shows all
            passed = False
            detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}"
        results.append(CheckResult(name, passed, detail, time.perf_counter() - start))
    return results


def assert_text_env(env_id: str, **kwargs: Any) -> list[CheckResult]:
    """Like :func:`check_text_env` but raise ``AssertionError`` naming every failed check."""
    results = check_text_env(env_id, **kwargs)
    failed = [r for r in results if not r.passed]
    if failed:
        raise AssertionError("\n".join(f"[{r.name}] {r.detail}" for r in failed))
    return results


def format_results(env_id: str, results: Sequence[CheckResult]) -> str:
    """A plain-text table of check results."""
    width = max(len(r.name) for r in results)
    lines = [f"conformance of {env_id}", f"{'check'.ljust(width)}  result  seconds  detail"]
    for r in results:
        first_line = r.detail.splitlines()[0] if r.detail else ""
        lines.append(f"{r.name.ljust(width)}  {'PASS' if r.passed else 'FAIL':6}  {r.seconds:7.2f}  {first_line}")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed}/{len(results)} checks passed")
    return "\n".join(lines)
