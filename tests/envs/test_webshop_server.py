"""The WebShop website: routes in-process, and end to end in a real headless browser.

The browser test needs Debian's ``chromium`` (``apt-get install -y chromium``) and the
``playwright`` Python package (never ``playwright install``); without them it is skipped
with the reason shown in pytest's summary.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import socket
import threading
import time

import pytest

from envs.webshop.server import HOST, create_app
from trainers.cli import build_parser

SMALL = 2000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def app():
    return create_app(num_products=SMALL, split="eval")


def test_routes_play_an_instruction_to_the_reward(app):
    from starlette.testclient import TestClient

    site = app.state.site
    client = TestClient(app)
    home = client.get("/")
    assert home.status_code == 200 and 'id="start-form"' in home.text
    page = client.post("/start", data={"split": "eval", "index": "7"})
    assert page.status_code == 200 and 'id="search-input"' in page.text
    sid = re.search(r'id="session">([^<]+)<', page.text).group(1)
    env = site.sessions[sid].env
    assert env.task.task_id.endswith(":eval:7")
    url = f"/session/{sid}/act"
    page = client.post(url, data={"action": "click[nonsense]"})
    assert 'class="feedback"' in page.text
    while site.sessions[sid].reward is None:
        action = env._last_info["expert_action"]
        if action.startswith("search["):
            page = client.post(url, data={"query": action[len("search["):-1]})
        else:
            page = client.post(url, data={"action": action})
        assert page.status_code == 200
    assert site.sessions[sid].reward == 1.0
    assert 'id="reward">1.00<' in page.text
    assert client.get("/session/nope").status_code == 404
    assert client.post("/start", data={"split": "bogus"}).status_code == 400


def test_sessions_are_unguessable_private_and_time_limited(app):
    from starlette.testclient import TestClient

    site = app.state.site
    alice, bob = TestClient(app), TestClient(app)
    page = alice.post("/start", data={"split": "eval", "index": "3"})
    sid = re.search(r'id="session">([^<]+)<', page.text).group(1)
    assert "eval" not in sid and len(sid) >= 20  # random, not split-index-counter
    assert sid in alice.get("/").text and sid not in bob.get("/").text  # listed for its owner only
    url = f"/session/{sid}/act"
    for _ in range(site.max_steps):
        page = alice.post(url, data={"action": "click[nonsense]"})
    assert site.max_steps == 15 and site.sessions[sid].reward == 0.0
    assert "Step limit reached (15 actions)" in page.text
    steps = site.sessions[sid].steps
    alice.post(url, data={"action": "click[nonsense]"})  # a finished session takes no more steps
    assert site.sessions[sid].steps == steps


def test_product_text_is_grammatical():
    from tasks.webshop.catalogue import get_catalogue, product_text

    catalogue = get_catalogue(size=2000)
    text = " ".join(" ".join(product_text(catalogue.seed, p).bullets)
                    + " " + " ".join(r[2] for r in product_text(catalogue.seed, p).reviews)
                    for p in catalogue.products)
    descriptions = " ".join(product_text(catalogue.seed, p).description for p in catalogue.products)
    for wrong in ("this headphones", "this jeans", "a office chair", "one headphones",
                  "this running shoes is"):
        assert wrong not in text
    for plural in ("headphones", "jeans", "socks"):
        assert f"{plural}. It is" not in descriptions and f"{plural}. They are" in descriptions


def test_cli_serve_binds_localhost_only(monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    args = build_parser().parse_args(["webshop", "serve", "--port", "8123", "--products", "2000"])
    assert args.func(args) == 0
    (app, kwargs), = calls
    assert kwargs["host"] == "127.0.0.1" and kwargs["port"] == 8123
    assert app.state.site.num_products == 2000 and app.state.site.split == "eval"


def _browser_missing() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "the playwright Python package is not installed (pip install playwright)"
    if shutil.which(CHROMIUM) is None:
        return f"no browser at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="module")
def live_server(app):
    import uvicorn

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://{HOST}:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.timeout(120)
def test_browser_search_open_choose_buy_read_reward(app, live_server):
    reason = _browser_missing()
    if reason:
        pytest.skip(f"browser test skipped: {reason}")
    from playwright.sync_api import sync_playwright

    site = app.state.site
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(live_server + "/")
            page.fill("#index", "3")
            page.click("#start")
            page.wait_for_selector("#search-input")
            sid = page.inner_text("#session")
            env = site.sessions[sid].env
            goal, target = env.goal, env.catalogue[env.target]
            assert goal.instruction in page.inner_text("#instruction")
            # search as a person would: type the product's title into the box
            page.fill("#search-input", target.title)
            page.click("#search-button")
            page.wait_for_selector("#results")
            assert "Total results: 50" in page.content()
            page.click(f'button[data-label="{target.asin}"]')
            page.wait_for_selector("#product-title")
            assert page.inner_text("#product-title") == target.title
            for _, value in goal.options:
                page.click(f'button[data-label="{value}"]')
                page.wait_for_selector(f'button.chosen[data-label="{value}"]')
            page.click('button[data-label="Buy Now"]')
            page.wait_for_selector("#reward")
            assert float(page.inner_text("#reward")) == 1.0
            assert site.sessions[sid].reward == 1.0
        finally:
            browser.close()
