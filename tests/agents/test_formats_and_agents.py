"""Prompt formats (rendering, action extraction), chat pieces, expert and random agents."""

from __future__ import annotations

import gymnasium as gym
import pytest

from agents import ExpertAgent, LLMAgent, RandomAgent, format_for_env, get_format
from agents.chat import ChatPieces
from tests.agents.tiny import ScriptedLM, tiny_pair
from tests.conftest import TOY_ID


def test_react_extracts_last_action_line():
    fmt = get_format("react")
    assert fmt.extract_action("Think: the apple is in the fridge.\nAction: open fridge 1") == "open fridge 1"
    assert fmt.extract_action("Think: a\nAction: look\nAction:  go to desk 1 \n") == "go to desk 1"
    assert fmt.extract_action("go to desk 1\nmore") == "go to desk 1"  # no Action line: first line
    assert fmt.extract_action(fmt.render_action("take mug 1 from desk 1")) == "take mug 1 from desk 1"


def test_plain_math_and_tool_formats():
    assert get_format("plain").extract_action("\n  click[Buy Now]\nextra") == "click[Buy Now]"
    math = get_format("math")
    assert math.extract_action(" 3 * 4 = 12, so \\boxed{12} ") == "3 * 4 = 12, so \\boxed{12}"
    call = '<tool_call>{"name": "calculator", "arguments": {"expression": "1+1"}}</tool_call>'
    assert get_format("tool_call").extract_action(f"\n{call}\n") == call
    with pytest.raises(KeyError):
        get_format("nope")


def test_observation_lists_admissible_actions_and_cuts_long_lists():
    fmt = get_format("plain")
    text = fmt.observation_text("You see a desk.", {"admissible_actions": [f"a{i}" for i in range(70)]})
    assert text.startswith("You see a desk.\nAdmissible actions: a0, a1,") and text.endswith("(10 more)")
    assert get_format("math").observation_text("2+2?", {"admissible_actions": ["x"]}) == "2+2?"


def test_formats_follow_the_env_declaration():
    import envs  # noqa: F401

    assert format_for_env(gym.make(TOY_ID)).name == "plain"
    for env_id, name in [("stepgym/ALFWorld-v0", "react"), ("stepgym/ToolUse-v0", "tool_call"),
                         ("stepgym/MathChain-v0", "math")]:
        try:
            env = gym.make(env_id)
        except (gym.error.Error, ImportError, ModuleNotFoundError):
            continue  # env not written yet
        assert format_for_env(env).name == name == type(env.unwrapped).prompt_format
        if name == "tool_call":
            assert get_format(name).tools(env) == env.unwrapped.tool_schemas


def test_inline_tool_call_format_leaves_the_schemas_to_the_env_prompt():
    import envs  # noqa: F401

    env = gym.make("stepgym/ToolUse-v0", level=1)
    obs, _ = env.reset(seed=0)
    inline, full = get_format("tool_call_inline"), get_format("tool_call")
    assert inline.tools(env) is None
    # the full format lists every tool, before and after a reset (one system prompt per env)
    assert full.tools(env) == env.unwrapped.all_tool_schemas == full.tools(gym.make("stepgym/ToolUse-v0"))
    assert len(full.tools(env)) == 18 and len(env.unwrapped.tool_schemas) == 3
    offered = env.unwrapped.offered_tools
    assert obs.endswith("Tools: " + ", ".join(offered) + ".")  # the env's prompt names them
    call = '<tool_call>{"name": "calculator", "arguments": {"expression": "1+1"}}</tool_call>'
    assert inline.extract_action(f" {call}\n") == call == full.extract_action(call)
    assert inline.system_prompt("help") == full.system_prompt("help")


@pytest.mark.parametrize("template", ["chatml", "llama3"])
def test_chat_pieces_concatenate_to_the_template_render(template):
    _, tok = tiny_pair(template)
    pieces = ChatPieces(tok, "sys")
    gen = "add 1"
    ids = pieces.prompt_ids("first") + pieces.encode(gen) + [pieces.stop_token_id] \
        + pieces.continuation_ids("second", stopped=True)
    messages = [{"role": "system", "content": "sys"}, {"role": "user", "content": "first"},
                {"role": "assistant", "content": gen}, {"role": "user", "content": "second"}]
    assert tok.decode(ids) == tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def test_expert_and_random_agents():
    env = gym.make(TOY_ID)
    obs, info = env.reset(seed=3)
    expert, rnd = ExpertAgent(), RandomAgent(seed=1)
    assert expert.act(obs, info) == info["expert_action"]
    picks = {rnd.act(obs, info) for _ in range(50)}
    assert picks == {"add 1", "add 2", "add 3"}
    assert RandomAgent(seed=1).act(obs, info) == RandomAgent(seed=1).act(obs, info)
    assert ExpertAgent(fallback="look").act("", {"expert_action": None}) == "look"


def test_llm_agent_act_interface():
    model, tok = tiny_pair("chatml")
    script = tok("add 2", add_special_tokens=False)["input_ids"] + [tok.convert_tokens_to_ids("<|im_end|>")]
    agent = LLMAgent(ScriptedLM(model.config, script, len(tok)), tok)
    env = gym.make(TOY_ID)
    obs, info = env.reset(seed=0)
    agent.reset(env, obs, info)
    assert agent.act(obs, info) == "add 2"
    obs, _, _, _, info = env.step("add 2")
    assert agent.act(obs, info) == "add 2"
    assert tok.decode(agent._ids).count("<|im_start|>assistant") == 2
