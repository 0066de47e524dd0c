"""WebShop as a small website (Starlette + Jinja2), like the original WebShop site.

People browse it to try instructions, label or debug agents: a start page picks an
instruction (split and number), each session plays one instruction on its own
:class:`~envs.webshop.env.WebShopEnv`, and the page after ``Buy Now`` shows WebShop's reward
with its terms. Buttons post the same ``search[...]`` / ``click[...]`` actions an agent
sends, so the site and the env cannot drift apart; a session ends without a purchase after the
env's registered step limit (15), as an episode does. Session ids are random (128 bits), and
the start page lists only the sessions this browser started (a cookie). The server binds to
127.0.0.1 only.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from envs.webshop.env import WebShopEnv
from envs.webshop.html import render_template
from tasks.webshop.catalogue import DEFAULT_NUM_PRODUCTS, DEFAULT_SEED

HOST = "127.0.0.1"
MAX_SESSIONS = 1000
MAX_LISTED = 20  # sessions the start page lists (this browser's own)
COOKIE = "stepgym_webshop_sessions"


def step_limit() -> int:
    """The registered env's ``max_episode_steps`` (what an agent gets)."""
    import gymnasium as gym

    import envs  # noqa: F401

    return int(gym.spec("stepgym/WebShop-v0").max_episode_steps)


@dataclass
class Session:
    env: WebShopEnv
    feedback: str = ""
    reward: float | None = None
    steps: int = 0


class WebShopSite:
    """Sessions and routes of the website (one catalogue per site)."""

    def __init__(self, num_products: int = DEFAULT_NUM_PRODUCTS, catalogue_seed: int = DEFAULT_SEED,
                 split: str = "eval") -> None:
        self.num_products = int(num_products)
        self.catalogue_seed = int(catalogue_seed)
        self.split = split
        self._probe = WebShopEnv(split=split, num_products=num_products, catalogue_seed=catalogue_seed)
        self.sessions: OrderedDict[str, Session] = OrderedDict()
        self.max_steps = step_limit()
        self.app = Starlette(routes=[
            Route("/", self.index, methods=["GET"]),
            Route("/start", self.start, methods=["POST"]),
            Route("/session/{sid}", self.show, methods=["GET"]),
            Route("/session/{sid}/act", self.act, methods=["POST"]),
        ])

    def new_session(self, split: str, index: int) -> str:
        env = WebShopEnv(split=split, num_products=self.num_products, catalogue_seed=self.catalogue_seed)
        size = env.suite.split_size(split)
        if size is not None:
            index %= size
        env.reset(options={"split": split, "task_index": index})
        sid = secrets.token_urlsafe(16)  # cannot be guessed from another user's
        self.sessions[sid] = Session(env)
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.popitem(last=False)
        return sid

    async def index(self, request: Request) -> Response:
        mine = [sid for sid in _cookie_sids(request) if sid in self.sessions]
        sessions = [
            (sid, {"url": f"/session/{sid}",
                   "text": _status(self.sessions[sid])})
            for sid in reversed(mine)
        ][:MAX_LISTED]
        html = render_template(
            "index.html", num_products=self.num_products, catalogue_seed=self.catalogue_seed,
            splits=list(self._probe.suite.splits), default_split=self.split, start_url="/start",
            sessions=sessions,
        )
        return HTMLResponse(html)

    async def start(self, request: Request) -> Response:
        form = await _form(request)
        split = form.get("split", self.split)
        if split not in self._probe.suite.splits:
            return PlainTextResponse(f"unknown split {split!r}", status_code=400)
        try:
            index = max(0, int(form.get("index", "0")))
        except ValueError:
            return PlainTextResponse("the instruction number must be an integer", status_code=400)
        sid = self.new_session(split, index)
        response = RedirectResponse(f"/session/{sid}", status_code=303)
        mine = [*_cookie_sids(request), sid][-MAX_LISTED:]
        response.set_cookie(COOKIE, ".".join(mine), httponly=True, samesite="strict")
        return response

    async def show(self, request: Request) -> Response:
        session = self.sessions.get(request.path_params["sid"])
        if session is None:
            return PlainTextResponse("no such session", status_code=404)
        sid = request.path_params["sid"]
        env = session.env
        from envs.webshop.html import render_page

        html = render_page(env.world, env.goal, env.catalogue, action_url=f"/session/{sid}/act",
                           feedback=session.feedback,
                           extra={"session_id": sid, "home_url": "/"})
        return HTMLResponse(html)

    async def act(self, request: Request) -> Response:
        sid = request.path_params["sid"]
        session = self.sessions.get(sid)
        if session is None:
            return PlainTextResponse("no such session", status_code=404)
        form = await _form(request)
        action = form.get("action")
        if action is None:
            action = f"search[{form.get('query', '')}]"
        session.feedback = ""
        if session.reward is None:
            obs, reward, terminated, _, info = session.env.step(action)
            session.steps += 1
            if not info["action_valid"]:
                session.feedback = obs.split(" [SEP] ", 1)[0]
            if terminated:
                session.reward = float(reward)
            elif session.steps >= self.max_steps:  # the episode's time limit, as in the env
                session.reward = 0.0
                session.feedback = (f"Step limit reached ({self.max_steps} actions) without a "
                                    f"purchase: reward 0.")
        return RedirectResponse(f"/session/{sid}", status_code=303)


def _status(session: Session) -> str:
    if session.reward is None:
        return f"in progress ({session.steps} steps)"
    return f"finished, reward {session.reward:.2f}"


def _cookie_sids(request: Request) -> list[str]:
    """The session ids this browser started (token_urlsafe ids contain no '.')."""
    return [sid for sid in request.cookies.get(COOKIE, "").split(".") if sid]


async def _form(request: Request) -> dict[str, str]:
    """A url-encoded form as a dict (first value of each field)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def create_app(num_products: int = DEFAULT_NUM_PRODUCTS, catalogue_seed: int = DEFAULT_SEED,
               split: str = "eval") -> Starlette:
    """The Starlette app (``site`` is reachable as ``app.state.site``)."""
    site = WebShopSite(num_products, catalogue_seed, split)
    site.app.state.site = site
    return site.app


def serve(port: int = 8000, num_products: int = DEFAULT_NUM_PRODUCTS,
          catalogue_seed: int = DEFAULT_SEED, split: str = "eval") -> None:
    """Run the site with uvicorn on 127.0.0.1 until interrupted."""
    import uvicorn

    app = create_app(num_products, catalogue_seed, split)
    print(f"WebShop on http://{HOST}:{port}/  ({num_products} products, split {split})")
    uvicorn.run(app, host=HOST, port=port, log_level="warning")
