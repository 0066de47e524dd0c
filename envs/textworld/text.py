"""Text in and out of a TextWorld game: clean observations, safe one-line commands.

TextWorld's Z-machine games print an ASCII-art banner before the first room, and every reply
ends with the prompt (``>``) followed by a status line (``-= Room =-score/moves``); the end of
the game adds Inform's "Would you like to RESTART, ..." question. :func:`clean_observation`
removes that residue and keeps the game's own text.

:func:`prepare_command` turns an agent's action into the one line sent to the interpreter, or
returns the feedback to give instead: one command per step (Inform would run ``take coin.
look`` or ``look then inventory`` as two turns), printable ASCII only (the Z-machine's input)
without backslashes (the interpreter, dumb-frotz, reads ``\\x`` as its own escape commands),
and no meta commands that restart, quit or save the game (they would desynchronise
TextWorld's state tracking from the interpreter) nor TextWorld's own ``tw-*`` commands.
"""

from __future__ import annotations

import re

#: the longest command sent to the interpreter (Jericho truncates its input at 198 bytes)
MAX_COMMAND_CHARS = 160

META_VERBS = frozenset(
    {"quit", "q", "restart", "restore", "save", "undo", "script", "unscript", "transcript",
     "noscript", "verify", "version"}
)

_BANNER_LINE = re.compile(r"^[ _|\\/$<>]*$")
_STATUS_LINE = re.compile(r"[ \t]{8,}-= [^\n]*?=-[ \t]*-?\d+/\d+[ \t]*$")
_PROMPT = re.compile(r"(?:\n|^)>[ \t]*$")
_RESTART_QUESTION = re.compile(
    r"\n*Would you like to RESTART, RESTORE a saved game, QUIT or UNDO the last command\?\s*$"
)
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_SEPARATORS = re.compile(r"[.;]|\bthen\b")


def clean_observation(text: str) -> str:
    """The game's reply without banner, prompt or status-line residue.

    >>> clean_observation("\\nYou open plain door.\\n\\n\\n>" + " " * 40 + "-= Pantry =-0/3")
    'You open plain door.'
    >>> banner = "  ____  __\\n |    \\\\|  $$\\n  \\\\$$$$ \\n\\n"
    >>> clean_observation(banner + "Welcome!\\n\\n-= Studio =-\\nA studio.\\n\\n>" + " " * 30 + "-= Studio =-0/1")
    'Welcome!\\n\\n-= Studio =-\\nA studio.'
    >>> clean_observation("\\nYou eat the meal.\\n\\n*** The End ***\\n\\nWould you like to RESTART, "
    ...                   "RESTORE a saved game, QUIT or UNDO the last command?\\n>" + " " * 30 + "-= Kitchen =-2/5")
    'You eat the meal.\\n\\n*** The End ***'
    """
    text = _STATUS_LINE.sub("", text.replace("\r\n", "\n"))
    text = _PROMPT.sub("", text.rstrip())
    text = _RESTART_QUESTION.sub("", text)
    lines = text.split("\n")
    start = 0
    while start < len(lines) and _BANNER_LINE.match(lines[start]):
        start += 1
    text = "\n".join(_tidy(line) for line in lines[start:])
    return _BLANK_LINES.sub("\n\n", text).strip()


def _tidy(line: str) -> str:
    """Drop trailing blanks, and the centring of Inform's ``*** The End ***`` lines."""
    stripped = line.strip()
    return stripped if stripped.startswith("***") else line.rstrip()


def prepare_command(action: str) -> tuple[str | None, str | None]:
    """``(command, None)`` to send to the game, or ``(None, feedback)`` to refuse it.

    Whitespace is collapsed, the command lower-cased and a trailing full stop, ``!`` or
    ``?`` dropped.

    >>> prepare_command("  Take  the Coin.\\n")
    ('take the coin', None)
    >>> prepare_command("take coin. go north")[0] is None
    True
    >>> prepare_command("restart")[1]
    "'restart' is not available in this game: it would quit, restart or save it."
    """
    command = " ".join(action.split()).rstrip(".!? ").lower()
    if not command:
        return None, "I beg your pardon? Type one command, for example 'look' or 'inventory'."
    if any(not 32 <= ord(ch) <= 126 for ch in command):
        return None, "Commands are plain ASCII text, for example 'open fridge'. Nothing happens."
    if "\\" in command:  # the interpreter reads escapes: refused, and said why
        return None, "Commands cannot contain a backslash. Nothing happens."
    if len(command) > MAX_COMMAND_CHARS:
        return None, f"That command is too long (the limit is {MAX_COMMAND_CHARS} characters). Nothing happens."
    if _SEPARATORS.search(command):
        return None, "One command at a time, please (no '.', ';' or 'then'). Nothing happens."
    verb = command.split()[0]
    if verb in META_VERBS or verb.startswith("tw-"):
        return None, f"'{verb}' is not available in this game: it would quit, restart or save it."
    return command, None
