"""Dictionary and thesaurus (time-invariant) over a shipped word list."""

from __future__ import annotations

from typing import Any

from envs.tooluse.tools.base import Tool, ToolError
from tasks.tooluse.tables import WordSense, lexicon


def _senses(word: str) -> tuple[WordSense, ...]:
    senses = lexicon().get(" ".join(word.lower().split()))
    if not senses:
        raise ToolError(f"{word!r} is not in the dictionary")
    return senses


def _define_word(world: object, word: str) -> dict[str, Any]:
    senses = _senses(word)
    return {"word": senses[0].word,
            "senses": [{"part_of_speech": s.pos, "definition": s.definition} for s in senses]}


def _thesaurus(world: object, word: str) -> dict[str, Any]:
    senses = _senses(word)
    syn: list[str] = []
    ant: list[str] = []
    for s in senses:
        syn += [w for w in s.synonyms if w not in syn]
        ant += [w for w in s.antonyms if w not in ant]
    return {"word": senses[0].word, "synonyms": syn, "antonyms": ant}


TOOLS = [
    Tool(
        name="define_word",
        description="Dictionary: the definitions and parts of speech of an English word.",
        parameters={"word": {"type": "string", "description": "the word, e.g. 'brave'"}},
        required=("word",),
        func=_define_word,
        time_sensitive=False,
    ),
    Tool(
        name="thesaurus",
        description="Thesaurus: synonyms and antonyms of an English word.",
        parameters={"word": {"type": "string", "description": "the word, e.g. 'happy'"}},
        required=("word",),
        func=_thesaurus,
        time_sensitive=False,
    ),
]
