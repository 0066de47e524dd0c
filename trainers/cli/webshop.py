"""``stepgym webshop serve``: the WebShop env as a website on 127.0.0.1."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("webshop", help="WebShop tools (serve the shopping website)")
    sub = parser.add_subparsers(dest="webshop_command", metavar="ACTION")
    serve = sub.add_parser("serve", help="serve WebShop as a website on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    serve.add_argument("--products", type=int, default=None,
                       help="catalogue size (default: the env's, 10,000)")
    serve.add_argument("--catalogue-seed", type=int, default=None, help="catalogue seed (default 0)")
    serve.add_argument("--split", default="eval", help="split sessions draw instructions from")
    serve.set_defaults(func=run_serve)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def run_serve(args: argparse.Namespace) -> int:
    from envs.webshop.server import serve
    from tasks.webshop.catalogue import DEFAULT_NUM_PRODUCTS, DEFAULT_SEED

    serve(
        port=args.port,
        num_products=args.products if args.products is not None else DEFAULT_NUM_PRODUCTS,
        catalogue_seed=args.catalogue_seed if args.catalogue_seed is not None else DEFAULT_SEED,
        split=args.split,
    )
    return 0
