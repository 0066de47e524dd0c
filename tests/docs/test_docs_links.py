"""The user documentation points at things that exist: every relative link in the README and
docs/ resolves, no page refers to a file that is not in the repository, and the figures that
describe the code match it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    text = page.read_text(encoding="utf-8")
    broken = [target for target in _LINK.findall(text)
              if "://" not in target and not target.startswith("mailto:")
              and not (page.parent / target).exists()]
    assert not broken, f"{page.relative_to(ROOT)}: {broken}"


def test_no_page_cites_the_private_notes():
    for path in [*PAGES, ROOT / "pyproject.toml"]:
        assert "NOTES.md" not in path.read_text(encoding="utf-8"), path


def test_webshop_doc_counts_the_product_types():
    from tasks.webshop.vocab import PRODUCT_TYPES

    text = (ROOT / "docs" / "webshop.md").read_text(encoding="utf-8")
    counts = {int(n) for n in re.findall(r"(\d+) (?:product )?types", text)}
    assert counts == {len(PRODUCT_TYPES)}


def test_readme_is_user_documentation():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for phrase in ("work in progress", "stopped there", "are void", "issue "):
        assert phrase not in text.lower(), phrase
    assert ". .venv/bin/activate" in text and "make demo" in text and "make test" in text
