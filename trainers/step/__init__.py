"""STeP (arXiv 2505.20023): self-reflected trajectories with partial masking.

teacher.py judges steps (the env's expert, or an LLM), synthesize.py runs the agent with the
teacher in the loop and writes datasets of segment conversations, segments.py turns them into
tokens with per-token loss masks, sft.py trains on them with TRL's SFTTrainer.
"""
