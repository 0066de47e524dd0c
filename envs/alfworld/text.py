"""ALFWorld's text, rendered from the world state.

Every string follows alfworld 0.4.2's grammar ``data/alfred.twl2`` (the ``*.feedback`` rules and
the ``look`` / ``help`` / ``intro`` rules) and TextWorld's list rendering ("a x, a y, and a z";
"nothing" when empty; the indefinite article is always "a", as ALFWorld sets it).
"""

from __future__ import annotations

from tasks.alfworld.world import Action, Game, World, next_to

INTRO_BANNER = "-= Welcome to TextWorld, ALFRED! =-"
NOTHING_HAPPENS = "Nothing happens."
HELP_TEXT = (
    "\nAvailable commands:\n"
    "  look:                             look around your current location\n"
    "  inventory:                        check your current inventory\n"
    "  go to (receptacle):               move to a receptacle\n"
    "  open (receptacle):                open a receptacle\n"
    "  close (receptacle):               close a receptacle\n"
    "  take (object) from (receptacle):  take an object from a receptacle\n"
    "  move (object) to (receptacle):  place an object in or on a receptacle\n"
    "  examine (something):              examine a receptacle or an object\n"
    "  use (object):                     use an object\n"
    "  heat (object) with (receptacle):  heat an object using a receptacle\n"
    "  clean (object) with (receptacle): clean an object using a receptacle\n"
    "  cool (object) with (receptacle):  cool an object using a receptacle\n"
    "  slice (object) with (object):     slice an object using a sharp object\n"
)


def a_list(names: list[str]) -> str:
    """TextWorld's list: 'nothing', 'a x', 'a x, and a y', 'a x, a y, and a z'."""
    if not names:
        return "nothing"
    items = [f"a {n}" for n in names]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + ", and " + items[-1]


def name_list(names: list[str]) -> str:
    """TextWorld's list without articles ("x", "x, and y", "x, y, and z"): what ``look`` says
    of the receptacles the agent faces."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + ", and " + names[-1]


def contents(game: Game, world: World, r: int) -> list[str]:
    return [game.obj_names[o] for o in range(game.n_obj) if world.where[o] == r]


def examine_receptacle(game: Game, world: World, r: int) -> str:
    name = game.rec_names[r]
    if game.rec_openable[r]:
        if world.opened >> r & 1:
            return f"The {name} is open. In it, you see {a_list(contents(game, world, r))}."
        return f"The {name} is closed."
    return f"On the {name}, you see {a_list(contents(game, world, r))}."


def examine_object(game: Game, world: World, o: int) -> str:
    """The ``examineObject.feedback`` cascade, first matching condition wins."""
    name = game.obj_names[o]
    if game.receptacle_object >> o & 1:  # inReceptacleObject: set by the game file, never changed
        inner = [game.obj_names[i] for i in game.inside[o]]
        return f"This is a normal {name}. In it, you see {a_list(inner)}."
    clean, hot, cool, sliced = (world.clean >> o & 1, world.hot >> o & 1, world.cool >> o & 1,
                                world.sliced >> o & 1)
    for cond, text in (
        (clean and hot and sliced, f"This is a hot and clean sliced {name}."),
        (clean and cool and sliced, f"This is a cool and clean sliced {name}."),
        (clean and sliced, f"This is a clean sliced {name}."),
        (hot and sliced, f"This is a hot sliced {name}."),
        (cool and sliced, f"This is a cool sliced {name}."),
        (clean and hot, f"This is a hot and clean {name}."),
        (clean and cool, f"This is a cool and clean {name}."),
        (hot, f"This is a hot {name}."),
        (clean, f"This is a clean {name}."),
        (cool, f"This is a cold {name}."),
    ):
        if cond:
            return text
    if game.toggleable >> o & 1 and world.toggled >> o & 1:
        return f"This {name} is on."
    # the grammar's "This ... is off." needs a not_istoggled fact, which alfworld's engine never
    # has (no action makes isToggled false), so an unused lamp falls through
    if game.sliceable >> o & 1 and sliced:
        return f"This is a sliced {name}."
    return f"There's nothing special about {name}."


def look(game: Game, world: World) -> str:
    """``look``: the receptacles at the agent's location. Away from them alfworld's engine binds
    the location and finds none there, so it sees nothing (the intro lists the room instead).
    "Next to it": objects here that were taken out of a receptacle here (``world.next_to``)."""
    here = game.here(world)
    if not here:
        return "You are in the middle of a room. Looking quickly around you, you see nothing."
    names = name_list([game.rec_names[r] for r in here])
    beside = a_list([game.obj_names[o] for o in next_to(game, world)])
    return f"You are facing the {names}. Next to it, you see {beside}."


def intro(game: Game, world: World, goal_text: str) -> str:
    """The opening text: ``look``, except that away from receptacles it lists the room."""
    if game.here(world):
        first = look(game, world)
    else:
        first = ("You are in the middle of a room. Looking quickly around you, you see "
                 f"{a_list(game.rec_names)}.")
    return f"{INTRO_BANNER}\n\n{first}\n\nYour task is to: {goal_text}."


def command(game: Game, action: Action) -> str:
    """The command string of an action (the grammar's ``template``)."""
    verb = action[0]
    rn, on = game.rec_names, game.obj_names
    if verb in ("look", "inventory", "help"):
        return verb
    if verb == "goto":
        return f"go to {rn[action[1]]}"
    if verb in ("open", "close"):
        return f"{verb} {rn[action[1]]}"
    if verb == "examine_r":
        return f"examine {rn[action[1]]}"
    if verb == "examine_o":
        return f"examine {on[action[1]]}"
    if verb == "take":
        return f"take {on[action[1]]} from {rn[action[2]]}"
    if verb == "move":
        return f"move {on[action[1]]} to {rn[action[2]]}"
    if verb in ("heat", "cool", "clean"):
        return f"{verb} {on[action[1]]} with {rn[action[2]]}"
    if verb == "slice":
        return f"slice {on[action[1]]} with {on[action[2]]}"
    if verb == "use":
        return f"use {on[action[1]]}"
    raise ValueError(f"unknown action {action!r}")


def feedback(game: Game, world: World, action: Action) -> str:
    """The text after ``action`` was applied (``world`` is the state after the effect)."""
    verb = action[0]
    rn, on = game.rec_names, game.obj_names
    if verb == "look":
        return look(game, world)
    if verb == "help":
        return HELP_TEXT
    if verb == "inventory":
        if world.held < 0:
            return "You are not carrying anything."
        return f"You are carrying: a {on[world.held]}."
    if verb == "goto":
        return f"You arrive at {rn[action[1]]}. {examine_receptacle(game, world, action[1])}"
    if verb == "open":
        return f"You open the {rn[action[1]]}. {examine_receptacle(game, world, action[1])}"
    if verb == "close":
        return f"You close the {rn[action[1]]}."
    if verb == "examine_r":
        return examine_receptacle(game, world, action[1])
    if verb == "examine_o":
        return examine_object(game, world, action[1])
    if verb == "take":
        return f"You pick up the {on[action[1]]} from the {rn[action[2]]}."
    if verb == "move":
        return f"You move the {on[action[1]]} to the {rn[action[2]]}."
    if verb in ("heat", "cool", "clean"):
        return f"You {verb} the {on[action[1]]} using the {rn[action[2]]}."
    if verb == "slice":
        return f"You sliced the {on[action[1]]} with the {on[action[2]]}."
    if verb == "use":
        return f"You turn on the {on[action[1]]}."
    raise ValueError(f"unknown action {action!r}")
