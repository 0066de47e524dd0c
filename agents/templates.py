"""Chat templates built locally (no downloads): ChatML/Qwen-2.5 and Llama-3 style.

The ChatML template is TRL 1.16's own Qwen-2.5 template file when TRL is installed, so
``trl.chat_template_utils.add_response_schema`` recognises it and TRL's tool-call parsing
works on models that use it; otherwise a copy of the same text is used.
"""

from __future__ import annotations

from pathlib import Path

CHATML_SPECIAL = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
LLAMA3_SPECIAL = ("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                  "<|end_header_id|>", "<|eot_id|>")

LLAMA3_TEMPLATE = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{%- if loop.first and message['role'] == 'system' and tools %}"
    "{{- 'You may call these tools:\\n' }}{%- for t in tools %}{{- t | tojson + '\\n' }}{%- endfor %}"
    "{%- endif %}"
    "{{- message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)


def chatml_template() -> str:
    """TRL's Qwen-2.5 chat template text (ChatML with Hermes-style tool calls)."""
    try:
        import trl

        path = Path(trl.__file__).parent / "chat_templates" / "qwen2_5.jinja"
        return path.read_text(encoding="utf-8")
    except (ImportError, OSError):
        return (Path(__file__).parent / "qwen2_5.jinja").read_text(encoding="utf-8")
