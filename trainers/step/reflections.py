"""Templated reflections for STeP's oracle teacher, one set per env family.

A reflection names what was wrong with the agent's action and what to do instead, in the
family's own terms (ALFWorld's receptacles, WebShop's search and click, a tool call, a math
answer, a TextWorld move). Families are looked up by exact registered id; an unknown id gets the
generic wording.

>>> print(reflection_for("stepgym/ALFWorld-v0", reason="no_progress", action="go to drawer 1",
...                      correction="go to countertop 2", feedback="", goal="put a apple in fridge"))
Reflection: going to drawer 1 does not get me closer to the task (put a apple in fridge): what I need next is at countertop 2. I should go to countertop 2.
"""

from __future__ import annotations

from collections.abc import Callable

Template = Callable[[str, str, str, str, str], str]  # reason, action, correction, feedback, goal


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _generic(reason: str, action: str, correction: str, feedback: str, goal: str) -> str:
    if reason == "invalid":
        return (f"Reflection: '{action}' is not a valid move here (the environment answered "
                f"\"{_quote(feedback)}\"). The next step towards the task is '{correction}'.")
    return (f"Reflection: '{action}' does not bring me closer to the task ({goal}). "
            f"The next step is '{correction}'.")


def _alfworld(reason: str, action: str, correction: str, feedback: str, goal: str) -> str:
    verb, _, target = correction.partition(" ")
    if reason == "invalid":
        return (f"Reflection: '{action}' is not possible here (\"{_quote(feedback)}\"); I can only "
                f"use the admissible commands. I should {correction}.")
    if action.startswith("go to ") and correction.startswith("go to "):
        return (f"Reflection: going to {action[6:]} does not get me closer to the task ({goal}): "
                f"what I need next is at {correction[6:]}. I should {correction}.")
    why = {
        "go": f"what I need next is at {target[3:] if target.startswith('to ') else target}",
        "take": "I should pick up the object the task needs",
        "move": "the object I hold belongs in the goal receptacle now",
        "open": "I have to open it to see or use what is inside",
        "heat": "the task needs it hot first", "cool": "the task needs it cool first",
        "clean": "the task needs it clean first", "use": "the light must be on",
        "slice": "it has to be sliced",
    }.get(verb, "that is the next step of the plan")
    return f"Reflection: '{action}' does not help with the task ({goal}); {why}. I should {correction}."


def _webshop(reason: str, action: str, correction: str, feedback: str, goal: str) -> str:
    if reason == "invalid":
        return (f"Reflection: '{action}' is not available on this page (\"{_quote(feedback)}\"). "
                f"I should {correction}.")
    if correction.startswith("search["):
        return (f"Reflection: '{action}' does not find the product I was asked for ({goal}); I "
                f"should search with the words of the instruction: {correction}.")
    if correction.startswith("click[") and action.startswith("click["):
        return (f"Reflection: clicking {action[5:]} does not match the instruction ({goal}); "
                f"the matching choice is {correction[5:]}, so I should {correction}.")
    return f"Reflection: '{action}' does not move me towards buying the right item; I should {correction}."


def _tooluse(reason: str, action: str, correction: str, feedback: str, goal: str) -> str:
    if reason == "invalid":
        return (f"Reflection: '{_quote(action, 200)}' failed (\"{_quote(feedback)}\"): the tool or "
                f"its arguments are wrong. The right call is {_quote(correction, 200)}.")
    return (f"Reflection: '{_quote(action, 200)}' does not produce what the task needs ({goal}). "
            f"The next call should be {_quote(correction, 200)}.")


def _mathchain(reason: str, action: str, correction: str, feedback: str, goal: str) -> str:
    return (f"Reflection: my answer '{_quote(action, 80)}' is not right; I should recompute the "
            f"problem step by step. The correct answer is {correction}.")


def _textworld(reason: str, action: str, correction: str, feedback: str, goal: str) -> str:
    if reason == "invalid":
        return (f"Reflection: '{action}' does not work here (\"{_quote(feedback)}\"). "
                f"I should {correction}.")
    return (f"Reflection: '{action}' leads away from the goal ({_quote(goal, 100)}); "
            f"I should {correction} instead.")


TEMPLATES: dict[str, Template] = {
    "stepgym/ALFWorld-v0": _alfworld,
    "stepgym/WebShop-v0": _webshop,
    "stepgym/ToolUse-v0": _tooluse,
    "stepgym/MathChain-v0": _mathchain,
    "stepgym/TextWorld-v0": _textworld,
}


def reflection_for(env_id: str, *, reason: str, action: str, correction: str, feedback: str,
                   goal: str) -> str:
    """The reflection for a wrong step (``reason``: "invalid" or "no_progress")."""
    template = TEMPLATES.get(env_id, _generic)
    return template(reason, action.strip(), correction.strip(), feedback, _quote(goal, 160))
