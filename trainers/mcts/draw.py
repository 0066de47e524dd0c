"""Draw one searched tree as a PNG: each node its step's action, Q and N; the committed path
in colour.

    python -m trainers.mcts.draw runs/mcts_dpo/iter_1/search/trees.jsonl --tree 0 \\
        --output tree.png [--max-depth 6]

``trees.jsonl`` holds one tree per line (``Tree.to_dict``: nodes with ``id``, ``parent``,
``depth``, ``action``, ``Q``, ``N``, ``on_path``).
"""

from __future__ import annotations

import argparse
import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def layout(nodes: Sequence[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """x by the order of the leaves below (depth-first), each parent centred over its
    children; y = -depth.

    >>> pos = layout([{"id": "r", "parent": None, "depth": 0},
    ...               {"id": "a", "parent": "r", "depth": 1}, {"id": "b", "parent": "r", "depth": 1}])
    >>> pos["r"], pos["a"], pos["b"]
    ((0.5, 0), (0.0, -1), (1.0, -1))
    """
    children: dict[str | None, list[str]] = {}
    depth = {}
    for n in nodes:
        children.setdefault(n["parent"], []).append(n["id"])
        depth[n["id"]] = n["depth"]
    pos: dict[str, tuple[float, float]] = {}
    next_x = [0.0]

    def place(node: str) -> float:
        kids = children.get(node, [])
        if not kids:
            x = next_x[0]
            next_x[0] += 1.0
        else:
            xs = [place(k) for k in kids]
            x = (xs[0] + xs[-1]) / 2
        pos[node] = (x, -depth[node])
        return x

    for root in children.get(None, []):
        place(root)
    return pos


def draw_tree(tree: dict[str, Any], output: str | Path, max_depth: int | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes = [n for n in tree["nodes"] if max_depth is None or n["depth"] <= max_depth]
    pos = layout(nodes)
    width = max(4.0, 1.6 * (max(x for x, _ in pos.values()) + 1))
    height = max(3.0, 1.3 * (max(-y for _, y in pos.values()) + 1))
    fig, ax = plt.subplots(figsize=(min(width, 60), min(height, 40)))
    by_id = {n["id"]: n for n in nodes}
    for n in nodes:
        if n["parent"] in by_id:
            (x0, y0), (x1, y1) = pos[n["parent"]], pos[n["id"]]
            on = n["on_path"] and by_id[n["parent"]]["on_path"]
            ax.plot([x0, x1], [y0, y1], color="tab:red" if on else "0.7", lw=2 if on else 1,
                    zorder=1)
    for n in nodes:
        x, y = pos[n["id"]]
        label = "root" if n["parent"] is None else textwrap.shorten(n["action"] or "(empty)", 28)
        if n["terminal"]:
            label += " [won]" if n["won"] else " [end]"
        text = "\n".join([*textwrap.wrap(label, 16), f"Q={n['Q']:.2f} N={n['N']}"])
        ax.text(x, y, text, ha="center", va="center", fontsize=6, zorder=2,
                bbox={"boxstyle": "round", "fc": "mistyrose" if n["on_path"] else "white",
                      "ec": "tab:red" if n["on_path"] else "0.6"})
    ax.set_axis_off()
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_title(f"task seed {tree['task_seed']}: {'won' if tree['won'] else 'lost'}, "
                 f"{len(tree['nodes'])} nodes", fontsize=8)
    fig.tight_layout()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(output, dpi=130)
    plt.close(fig)
    return output


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("trees", help="trees.jsonl written by the search stage")
    parser.add_argument("--tree", type=int, default=0, help="line index of the tree")
    parser.add_argument("--output", required=True, help="PNG path")
    parser.add_argument("--max-depth", type=int, default=None)
    args = parser.parse_args(argv)
    lines = Path(args.trees).read_text().splitlines()
    if not 0 <= args.tree < len(lines):
        parser.error(f"--tree {args.tree}: the file holds {len(lines)} trees")
    print(draw_tree(json.loads(lines[args.tree]), args.output, args.max_depth))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
