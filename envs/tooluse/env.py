"""``stepgym/ToolUse-v0``: answer a query by calling tools, then give a final answer.

The setting of PORTool (arXiv 2510.26020): 18 tools with JSON schemas, time-sensitive
and time-invariant queries over a per-episode world, multi-hop plans. Actions are
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (several per turn) or a
final ``<answer>...</answer>``; the observation is one ``<tool_response>`` block per call.
Bad input (malformed JSON, unknown tools, missing or mistyped arguments) and tool
errors come back as readable messages; the episode continues. Reward 1 for a correct
final answer, else 0. ``info`` adds ``tool_calls`` and ``failed_calls``; ``progress`` is
the fraction of the ground-truth plan's calls made with correct arguments.

Difficulty levels (a kwarg and a reset option, ``level``; :mod:`tasks.tooluse.levels`): 1 (one
call among three offered tools) .. 4 (PORTool's setting, the default). Below level 4 only the
task's offered tools are listed in the prompt and in :attr:`ToolUseEnv.tool_schemas`, and a
call to another tool is refused like an unknown tool.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from envs.core import TextEnv, Transition
from envs.tooluse.candidates import candidate_turns
from envs.tooluse.parser import FORMAT_HELP, parse_turn
from envs.tooluse.plan import call_matches, expert_turn, flat_plan
from envs.tooluse.tools import TOOLS, call_tool, render_result, tool_schemas
from tasks.base import Task
from tasks.tooluse.answers import check_answer
from tasks.tooluse.levels import BENCHMARK_LEVEL
from tasks.tooluse.suite import ToolUseSuite
from tasks.tooluse.world import World, generate_world

TOOLS_IN_PROMPT = ("names", "schemas", "none")


class ToolUseEnv(TextEnv):
    """Tool-use env (see module docstring). ``env.unwrapped.tool_schemas`` holds the
    OpenAI/Qwen function schemas to pass to ``apply_chat_template(tools=...)``: those of the
    current task's offered tools (all tools at the benchmark level and before any reset)."""

    prompt_format: ClassVar[str] = "tool_call"
    action_help: ClassVar[str] = FORMAT_HELP
    verify_step_limit: ClassVar[int] = 20

    def __init__(
        self,
        split: str = "train",
        render_mode: str | None = None,
        tools_in_prompt: str = "names",
        verify_tasks: bool = True,
        level: int = BENCHMARK_LEVEL,
        max_action_length: int = 4096,
        candidate_actions: int = 0,
    ) -> None:
        """``candidate_actions``: list that many candidate turns (the expert's and distractors,
        :mod:`envs.tooluse.candidates`) in ``info["admissible_actions"]`` for action-scoring
        agents; 0 (the default, the benchmark) lists none."""
        if isinstance(candidate_actions, bool) or not isinstance(candidate_actions, int) \
                or not (candidate_actions == 0 or 2 <= candidate_actions <= 32):
            raise ValueError(f"candidate_actions must be 0 or an integer in 2..32, got {candidate_actions!r}")
        if tools_in_prompt not in TOOLS_IN_PROMPT:
            raise ValueError(f"tools_in_prompt must be one of {TOOLS_IN_PROMPT}, got {tools_in_prompt!r}")
        super().__init__(ToolUseSuite(level=level), split=split, render_mode=render_mode,
                         max_action_length=max_action_length, max_observation_length=1 << 16, verify_tasks=verify_tasks)
        self.tools_in_prompt = tools_in_prompt
        self.candidate_actions = candidate_actions
        self._all_schemas: list[dict[str, Any]] = tool_schemas()
        self._world: World | None = None
        self._matched: list[bool] = []
        self._tool_calls = 0
        self._failed_calls = 0

    @property
    def offered_tools(self) -> list[str]:
        """The tools this task offers (every tool at the benchmark level or before a reset)."""
        tools = self._task.data.get("tools") if self._task is not None else None
        return list(tools) if tools is not None else list(TOOLS)

    @property
    def all_tool_schemas(self) -> list[dict[str, Any]]:
        """Every tool's schema (what a chat template's system prompt lists: one system prompt
        serves every task of a batch, while the offered tools change per task)."""
        return list(self._all_schemas)

    @property
    def tool_schemas(self) -> list[dict[str, Any]]:
        """The offered tools' schemas, in ``TOOLS`` order."""
        offered = set(self.offered_tools)
        return [s for s in self._all_schemas if s["function"]["name"] in offered]

    # ------------------------------------------------------------------ hooks
    def _start(self, task: Task) -> str:
        self._world = generate_world(int(task.data["world_seed"]))
        self._matched = [False] * len(flat_plan(task.data["plan"]))
        self._tool_calls = 0
        self._failed_calls = 0
        return self._prompt(task)

    def _prompt(self, task: Task) -> str:
        text = f"{task.goal}\n\n{FORMAT_HELP}"
        if self.tools_in_prompt == "names":
            text += " Tools: " + ", ".join(self.offered_tools) + "."
        elif self.tools_in_prompt == "schemas":
            text += "\nTools:\n" + "\n".join(json.dumps(s) for s in self.tool_schemas)
        return text

    def _transition(self, action: str) -> Transition:
        assert self._task is not None and self._world is not None
        turn = parse_turn(action)
        if turn.kind == "invalid":
            return Transition(turn.error or FORMAT_HELP, action_valid=False)
        if turn.kind == "answer":
            correct = check_answer(turn.answer or "", self._task.data["gold"])
            text = "Your answer is correct." if correct else "Your answer is not correct."
            return Transition(text, reward=1.0 if correct else 0.0, terminated=True, won=correct)
        valid = True
        blocks = []
        plan = flat_plan(self._task.data["plan"])
        for parsed in turn.calls:
            self._tool_calls += 1
            refusal = parsed.error if parsed.error is not None else self._not_offered(parsed.name)
            if refusal is not None:
                result, kind, args = {"error": refusal}, "invalid", None
            else:
                result, kind = call_tool(self._world, parsed.name, parsed.arguments)
                args = TOOLS[parsed.name].validate(parsed.arguments) if kind != "invalid" else None
            if kind is not None:
                self._failed_calls += 1
            if kind == "invalid":
                valid = False
            else:
                for i, (_, plan_call) in enumerate(plan):
                    if not self._matched[i] and call_matches(plan_call, parsed.name, args, result, kind is not None):
                        self._matched[i] = True
                        break
            name = parsed.name if isinstance(parsed.name, str) else None
            blocks.append("<tool_response>\n" + render_result({"name": name, **_wrap(result)}) + "\n</tool_response>")
        return Transition("\n".join(blocks), action_valid=valid)

    def _not_offered(self, name: Any) -> str | None:
        """Below the benchmark level, the refusal of a tool the task does not offer (None: go
        ahead; the benchmark level offers every tool and leaves unknown names to call_tool)."""
        assert self._task is not None
        offered = self._task.data.get("tools")
        if offered is None or name in offered:
            return None
        head = f"tool {name!r} is not offered in this task" if name in TOOLS else f"unknown tool {str(name)[:60]!r}"
        return f"{head}; offered tools: {', '.join(offered)}"

    def _info(self) -> dict[str, Any]:
        assert self._task is not None
        n = len(self._matched)
        expert = expert_turn(self._task.data["plan"], self._matched, self._task.data["expert_answer"])
        admissible = None
        if self.candidate_actions and self._world is not None:
            admissible = candidate_turns(self._task, self._world, self._matched, self._tool_calls,
                                         self.offered_tools, expert, self.candidate_actions)
        return {
            "admissible_actions": admissible,
            "progress": (sum(self._matched) / n) if n else 1.0,
            "expert_action": expert,
            "tool_calls": self._tool_calls,
            "failed_calls": self._failed_calls,
        }

    def _get_world(self) -> tuple[tuple[bool, ...], int, int]:
        return tuple(self._matched), self._tool_calls, self._failed_calls

    def _set_world(self, world: tuple[tuple[bool, ...], int, int]) -> None:
        assert self._task is not None
        self._world = generate_world(int(self._task.data["world_seed"]))
        matched, self._tool_calls, self._failed_calls = world
        self._matched = list(matched)


def _wrap(result: dict[str, Any]) -> dict[str, Any]:
    return {"error": result["error"]} if "error" in result else {"result": result}
