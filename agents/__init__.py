"""Policies: the LLM agent, the expert and random agents, and prompt formats."""
