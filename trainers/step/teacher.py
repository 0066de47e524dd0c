"""STeP's teacher (arXiv 2505.20023, Sec. 3.2): judges each agent step as it happens and, at a
wrong step, writes a reflection and a corrected action; the episode goes on from the correction.

Two teachers share one interface (:class:`Teacher`: ``review(env, context) -> Review``):

- :class:`OracleTeacher`: a step is wrong when it does not bring the env's expert closer to the
  goal, i.e. its cost-to-go (:func:`envs.core.expert_cost_to_go`: the expert's plan length from a
  state) does not drop, or the env rejects the action (the spec's "leaves the optimal plan's
  progress unchanged or undoes it"). The correction is the expert's action; the reflection is a
  template per env family (reflections.py) that names what was wrong and what to do instead.
- :class:`LLMTeacher`: any text generator (a Hugging Face model, or an OpenAI-compatible
  ``/v1/chat/completions`` endpoint given by URL) asked for ``VERDICT / REFLECTION / ACTION``.

Both look at the env through forks (``save_state``/``restore_state``): reviewing never changes it.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import gymnasium as gym

from envs.core import expert_cost_to_go, restore_state, save_state
from trainers.step.reflections import reflection_for


@dataclass
class StepContext:
    """What the teacher sees of one step: the task, the steps so far, the agent's output."""

    env_id: str
    goal: str
    observation: str
    info: dict[str, Any]
    action: str  # the action parsed from the agent's output
    generated_text: str  # the agent's whole output this turn (thought and action)
    history: Sequence[tuple[str, str]] = ()  # (action played, observation after it)
    prompt_text: str = ""  # the user text the agent acted on, as the rollout engine rendered it


@dataclass
class Review:
    ok: bool
    reflection: str = ""
    correction: str = ""  # the action to play instead (when not ok)
    reason: str = ""  # machine-readable: "invalid", "no_progress", "llm", "" when ok
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Teacher(Protocol):
    def review(self, env: gym.Env, context: StepContext) -> Review:
        """Judge ``context.action`` in ``env``'s current state (``env`` is left unchanged)."""


class OracleTeacher:
    """The env's expert as teacher (see the module docstring).

    ``limit``: the longest expert plan searched for a cost-to-go. Where the expert cannot win
    from the current state (cost None) the step is accepted: there is nothing to compare with.
    """

    def __init__(self, limit: int = 100) -> None:
        self.limit = limit

    def review(self, env: gym.Env, context: StepContext) -> Review:
        before = expert_cost_to_go(env, self.limit)
        correction = context.info.get("expert_action")
        if before is None or correction is None:
            return Review(ok=True, detail={"cost_before": before})
        state = save_state(env)
        try:
            obs, _, _, _, info = env.unwrapped.step(context.action)
            valid = bool(info.get("action_valid", True))
            after = 0 if info.get("won") else expert_cost_to_go(env, self.limit)
        finally:
            restore_state(env, state)
        detail = {"cost_before": before, "cost_after": after}
        if valid and after is not None and after < before:
            return Review(ok=True, detail=detail)
        reason = "invalid" if not valid else "no_progress"
        text = reflection_for(context.env_id, reason=reason, action=context.action,
                              correction=str(correction), feedback=obs, goal=context.goal)
        return Review(ok=False, reflection=text, correction=str(correction), reason=reason,
                      detail=detail)


# ----------------------------------------------------------------------------- LLM teacher
TEACHER_PROMPT = """You are checking an agent's step in a text environment.
Task: {goal}
Recent steps:
{history}
Current observation:
{observation}
{admissible}The agent's output:
{generated}
(parsed action: {action})

Is this action a correct step towards the task? Answer in exactly this form:
VERDICT: correct | wrong
REFLECTION: <if wrong: one or two sentences on what was wrong and what to do instead>
ACTION: <if wrong: the action to take instead>"""

_FIELD = re.compile(r"^\s*(VERDICT|REFLECTION|ACTION)\s*:\s*(.*)$", re.IGNORECASE | re.MULTILINE)


def parse_verdict(text: str) -> tuple[bool, str, str] | None:
    """(ok, reflection, action) from a teacher's reply, or None when it has no verdict.

    >>> parse_verdict("VERDICT: wrong\\nREFLECTION: The apple is in the fridge.\\nACTION: go to fridge 1")
    (False, 'The apple is in the fridge.', 'go to fridge 1')
    >>> parse_verdict("VERDICT: correct")
    (True, '', '')
    >>> parse_verdict("I think so") is None
    True
    """
    fields = {k.upper(): v.strip() for k, v in _FIELD.findall(text)}
    verdict = fields.get("VERDICT", "").lower()
    if verdict.startswith("correct"):
        return True, "", ""
    if verdict.startswith("wrong") and fields.get("ACTION"):
        return False, fields.get("REFLECTION", ""), fields["ACTION"]
    return None


class LLMTeacher:
    """A language model as teacher: ``generate(prompt) -> reply`` (see :class:`HFGenerator` and
    :class:`EndpointGenerator`). A reply without a usable verdict accepts the step (counted in
    ``unparsed``), so a weak teacher cannot stall synthesis."""

    def __init__(self, generate: Callable[[str], str], history_steps: int = 5) -> None:
        self.generate = generate
        self.history_steps = history_steps
        self.unparsed = 0

    def prompt(self, context: StepContext) -> str:
        recent = list(context.history)[-self.history_steps:]
        history = "\n".join(f"> {a}\n{o}" for a, o in recent) or "(none yet)"
        actions = context.info.get("admissible_actions")
        admissible = f"Admissible actions: {', '.join(actions)}\n" if actions else ""
        return TEACHER_PROMPT.format(goal=context.goal, history=history,
                                     observation=context.observation, admissible=admissible,
                                     generated=context.generated_text, action=context.action)

    def review(self, env: gym.Env, context: StepContext) -> Review:
        reply = self.generate(self.prompt(context))
        parsed = parse_verdict(reply)
        if parsed is None:
            self.unparsed += 1
            return Review(ok=True, reason="", detail={"unparsed": reply[:200]})
        ok, reflection, action = parsed
        if ok:
            return Review(ok=True)
        return Review(ok=False, reflection=reflection or f"'{context.action}' was not right; "
                      f"'{action}' is.", correction=action, reason="llm")


class EndpointGenerator:
    """An OpenAI-compatible chat endpoint (``POST {url}/v1/chat/completions``), e.g. a local
    vLLM or llama.cpp server. ``api_key`` is sent as a bearer token when given."""

    def __init__(self, url: str, model: str = "teacher", api_key: str | None = None,
                 max_tokens: int = 256, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/") + "/v1/chat/completions"
        self.model, self.api_key = model, api_key
        self.max_tokens, self.timeout = max_tokens, timeout

    def __call__(self, prompt: str) -> str:
        body = json.dumps({"model": self.model, "temperature": 0.0, "max_tokens": self.max_tokens,
                           "messages": [{"role": "user", "content": prompt}]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            reply = json.loads(response.read())
        return str(reply["choices"][0]["message"]["content"])


class HFGenerator:
    """A Hugging Face causal LM (hub id or local path) answering greedily through its chat
    template."""

    def __init__(self, model: str, max_new_tokens: int = 256) -> None:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model)
        self.model = AutoModelForCausalLM.from_pretrained(model)
        self.model.eval()
        self.max_new_tokens = max_new_tokens

    def __call__(self, prompt: str) -> str:
        import torch

        ids = self.tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                                 add_generation_prompt=True, return_tensors="pt")
        with torch.no_grad():
            out = self.model.generate(ids, max_new_tokens=self.max_new_tokens, do_sample=False,
                                      pad_token_id=self.tokenizer.pad_token_id)
        return self.tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True)


def make_teacher(spec: str, limit: int = 100) -> Teacher:
    """``oracle``, ``http://HOST:PORT`` (an OpenAI-compatible endpoint) or a model name/path."""
    if spec == "oracle":
        return OracleTeacher(limit)
    if spec.startswith(("http://", "https://")):
        return LLMTeacher(EndpointGenerator(spec))
    return LLMTeacher(HFGenerator(spec))
