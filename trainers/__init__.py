"""Rollout engine, credit assignment, trainers and the ``stepgym`` CLI.

Nothing heavy is imported here: ``stepgym envs`` must start fast.
"""
