"""Parse a typed command into an action tuple (or None).

Accepts ALFWorld 0.4.2's templates (``alfred.twl2``: "go to X", "take O from R", "move O to R",
"heat O with R", ...) and the older "put O in R" / "put O on R" / "put O in/on R" of ALFWorld's
original release and of ReAct-style prompts. Case, surrounding whitespace, repeated spaces and a
final period are forgiven; names must match an instance ("cabinet 3").
"""

from __future__ import annotations

import re

from tasks.alfworld.world import Action, Game

_SPACES = re.compile(r"\s+")
_PUT = re.compile(r"^put (.+?) (?:in/on|in|on|into|onto) (.+)$")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower()).rstrip(".!").strip()


def parse(game: Game, text: str) -> Action | None:
    """The action a command names, or None when it names nothing in this game."""
    cmd = normalise(text)
    if cmd in ("look", "inventory", "help"):
        return (cmd,)
    if cmd in ("inv", "i"):
        return ("inventory",)
    rec, obj = game.rec_index, game.obj_index
    verb, _, rest = cmd.partition(" ")
    if verb == "go" and rest.startswith("to "):
        r = rec.get(rest[3:])
        return None if r is None else ("goto", r)
    if verb in ("open", "close"):
        r = rec.get(rest)
        return None if r is None else (verb, r)
    if verb == "examine":
        if rest in rec:
            return ("examine_r", rec[rest])
        return ("examine_o", obj[rest]) if rest in obj else None
    if verb == "use":
        return ("use", obj[rest]) if rest in obj else None
    two = _two_args(cmd, verb, rest)
    if two is None:
        return None
    kind, a, b = two
    if a not in obj:
        return None
    if kind == "slice":
        return ("slice", obj[a], obj[b]) if b in obj else None
    return (kind, obj[a], rec[b]) if b in rec else None


def _two_args(cmd: str, verb: str, rest: str) -> tuple[str, str, str] | None:
    if verb == "take":
        a, sep, b = rest.rpartition(" from ")
        return ("take", a, b) if sep else None
    if verb == "move":
        a, sep, b = rest.rpartition(" to ")
        return ("move", a, b) if sep else None
    if verb == "put":
        match = _PUT.match(cmd)
        return ("move", match.group(1), match.group(2)) if match else None
    if verb in ("heat", "cool", "clean", "slice"):
        a, sep, b = rest.rpartition(" with ")
        return (verb, a, b) if sep else None
    return None
