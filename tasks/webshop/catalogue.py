"""A procedurally generated product catalogue in the shape of WebShop's.

WebShop (Yao et al., NeurIPS 2022) serves 1.18M scraped Amazon products. This module builds
a catalogue of any size offline and deterministically from ``(seed, size)``: the same
arguments give the same products, ASINs and texts on every machine. Products come in
*families* of near-duplicates (same brand and type, differing in one attribute, in the
option values offered or in price), so finding the product an instruction describes needs
search and reading, as in WebShop.

Cost model: a catalogue is built once per ``(seed, size)`` per process and shared through
:func:`get_catalogue` (a module-level cache), so env copies, vector envs and unpickled envs
look it up instead of rebuilding it. Bullet points, descriptions and reviews are derived
lazily from each product's own seed (:func:`product_text`), so 100k products stay small.
"""

from __future__ import annotations

import functools
import hashlib
import random
import threading
from dataclasses import dataclass

from tasks.webshop.vocab import BRAND_PREFIXES, BRAND_SUFFIXES, PRODUCT_TYPES, ProductType

#: bump when generation changes: it keys the on-disk search index cache
GENERATOR_VERSION = 1
DEFAULT_NUM_PRODUCTS = 10_000
DEFAULT_SEED = 0

_ASIN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class Product:
    """One product. ``options`` maps each option kind to the values offered, in order."""

    index: int
    asin: str
    title: str
    type_index: int
    brand: str
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: float
    rating: float | None
    text_seed: int

    @property
    def product_type(self) -> ProductType:
        return PRODUCT_TYPES[self.type_index]

    @property
    def noun(self) -> str:
        return PRODUCT_TYPES[self.type_index].noun

    @property
    def category(self) -> tuple[str, ...]:
        return PRODUCT_TYPES[self.type_index].category

    def option_kind_of(self, value: str) -> str | None:
        """The option kind a value belongs to (case-insensitive), or None."""
        wanted = value.strip().lower()
        for kind, values in self.options:
            if wanted in values:
                return kind
        return None


@dataclass(frozen=True)
class ProductText:
    """The lazily derived long texts of a product."""

    bullets: tuple[str, ...]
    description: str
    reviews: tuple[tuple[int, str, str], ...]  # (stars, title, body)


class Catalogue:
    """An immutable list of products with an ASIN lookup and a content fingerprint."""

    def __init__(self, seed: int, products: list[Product]) -> None:
        self.seed = int(seed)
        self.products: tuple[Product, ...] = tuple(products)
        self.by_asin: dict[str, int] = {p.asin: p.index for p in products}
        digest = hashlib.sha256()
        for p in products:
            digest.update(f"{p.asin}|{p.title}|{p.price}\n".encode())
        self.fingerprint = digest.hexdigest()

    def __len__(self) -> int:
        return len(self.products)

    def __getitem__(self, index: int) -> Product:
        return self.products[index]

    @property
    def key(self) -> str:
        """A file-system-safe id of this catalogue (generator version, seed, size)."""
        return f"v{GENERATOR_VERSION}-seed{self.seed}-n{len(self.products)}"

    def find_asin(self, asin: str) -> Product | None:
        index = self.by_asin.get(asin.strip().upper())
        return None if index is None else self.products[index]

    def index_text(self, product: Product) -> str:
        """What search indexes: title, attributes, option values and description."""
        text = product_text(self.seed, product)
        option_values = " ".join(v for _, values in product.options for v in values)
        return " ".join((product.title, " ".join(product.attributes), option_values, text.description))


# ---------------------------------------------------------------------------- generation
def _brands(rng: random.Random, count: int) -> list[str]:
    names = sorted({p + s for p in BRAND_PREFIXES for s in BRAND_SUFFIXES})
    rng.shuffle(names)
    return names[:count]


def _asin(rng: random.Random, taken: set[str]) -> str:
    while True:
        bits = rng.getrandbits(48)
        chars = []
        for _ in range(8):
            bits, r = divmod(bits, 36)
            chars.append(_ASIN_ALPHABET[r])
        asin = "B0" + "".join(chars)
        if asin not in taken:
            taken.add(asin)
            return asin


def _price(rng: random.Random, low: float, high: float) -> float:
    value = rng.uniform(low, high)
    cents = rng.choice((0.99, 0.49, 0.95, 0.0))
    return max(1.99, round(int(value) + cents, 2)) if cents else float(max(2, int(value)))


def _title(rng: random.Random, brand: str, descriptor: str, ptype: ProductType,
           attributes: tuple[str, ...]) -> str:
    noun = ptype.noun.title()
    shown = [a.title() for a in attributes[: rng.choice((1, 2, 2, 3))]]
    style = rng.randrange(4)
    if style == 0:
        return f"{brand} {descriptor.title()} {noun} - {', '.join(shown)}"
    if style == 1:
        return f"{brand} {noun}, {descriptor.title()}, {' & '.join(shown)}"
    if style == 2:
        return f"{descriptor.title()} {noun} by {brand} | {', '.join(shown)} | for {ptype.use.title()}"
    return f"{brand} {' '.join(shown)} {descriptor.title()} {noun}"


def _pick_options(rng: random.Random, ptype: ProductType) -> tuple[tuple[str, tuple[str, ...]], ...]:
    chosen = []
    for kind, pool in ptype.options:
        count = rng.randint(min(2, len(pool)), min(6, len(pool)))
        picked = set(rng.sample(pool, count))
        chosen.append((kind, tuple(v for v in pool if v in picked)))
    return tuple(chosen)


def generate_catalogue(seed: int = DEFAULT_SEED, size: int = DEFAULT_NUM_PRODUCTS,
                       progress: bool = False) -> Catalogue:
    """Build a catalogue of ``size`` products from ``seed`` (deterministic, no global RNG)."""
    if size < 50:
        raise ValueError(f"a WebShop catalogue needs at least 50 products, got {size}")
    rng = random.Random(f"stepgym-webshop-catalogue:{GENERATOR_VERSION}:{seed}")
    brands = _brands(rng, 120)
    taken: set[str] = set()
    products: list[Product] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=size, desc=f"webshop catalogue (seed {seed})", unit="product")
    while len(products) < size:
        type_index = rng.randrange(len(PRODUCT_TYPES))
        ptype = PRODUCT_TYPES[type_index]
        brand = rng.choice(brands)
        descriptor = rng.choice(ptype.descriptors)
        attributes = rng.sample(ptype.attributes, rng.randint(3, min(5, len(ptype.attributes))))
        options = _pick_options(rng, ptype)
        base_price = rng.uniform(*ptype.price)
        family = min(rng.randint(2, 6), size - len(products))
        for member in range(family):
            attrs = list(attributes)
            opts = options
            if member > 0:
                change = rng.randrange(3)
                if change == 0:  # swap one attribute
                    spare = [a for a in ptype.attributes if a not in attrs]
                    if spare:
                        attrs[rng.randrange(len(attrs))] = rng.choice(spare)
                elif change == 1:  # offer other option values
                    opts = _pick_options(rng, ptype)
                rng.shuffle(attrs)
            low = max(ptype.price[0] * 0.5, base_price * 0.85)
            price = _price(rng, low, base_price * 1.2)
            attrs_t = tuple(attrs)
            rating = None if rng.random() < 0.12 else round(rng.uniform(3.0, 5.0), 1)
            index = len(products)
            products.append(Product(
                index=index,
                asin=_asin(rng, taken),
                title=_title(rng, brand, descriptor, ptype, attrs_t),
                type_index=type_index,
                brand=brand,
                attributes=attrs_t,
                options=opts,
                price=price,
                rating=rating,
                text_seed=rng.getrandbits(32),
            ))
        if bar is not None:
            bar.update(family)
    if bar is not None:
        bar.close()
    return Catalogue(seed, products)


_CACHE: dict[tuple[int, int, int], Catalogue] = {}
_CACHE_LOCK = threading.Lock()


def get_catalogue(seed: int = DEFAULT_SEED, size: int = DEFAULT_NUM_PRODUCTS,
                  progress: bool = False) -> Catalogue:
    """The catalogue for ``(seed, size)``, built at most once per process."""
    key = (GENERATOR_VERSION, int(seed), int(size))
    cat = _CACHE.get(key)
    if cat is None:
        with _CACHE_LOCK:
            cat = _CACHE.get(key)
            if cat is None:
                cat = generate_catalogue(seed, size, progress=progress)
                _CACHE[key] = cat
    return cat


# ---------------------------------------------------------------------------- long texts
_GENERIC_BULLETS = (
    "WHAT YOU GET: {what}; ships in a recyclable box.",
    "SATISFACTION GUARANTEED: if it is not right for you, contact us within 30 days.",
    "MADE FOR {use_upper}: {a_noun} you will reach for again and again.",
)
#: plural product nouns and what one unit of them is called ("one pair of headphones")
_PLURAL_UNITS = {"jeans": "pair", "running shoes": "pair", "socks": "pack", "headphones": "pair",
                 "bed sheets": "set", "throw pillow covers": "set", "potato chips": "bag"}


def _a(noun: str) -> str:
    """``noun`` with its indefinite article: "an office chair", "a sofa", "headphones".

    >>> _a("office chair"), _a("usb c cable"), _a("headphones")
    ('an office chair', 'a usb c cable', 'headphones')
    """
    if noun in _PLURAL_UNITS:
        return noun
    return f"{'an' if noun[0] in 'aeio' else 'a'} {noun}"


def _this(noun: str) -> str:
    """ "this sofa is" / "these headphones are".

    >>> _this("headphones"), _this("sofa")
    ('these headphones are', 'this sofa is')
    """
    return f"these {noun} are" if noun in _PLURAL_UNITS else f"this {noun} is"


def _one(noun: str) -> str:
    """ "one sofa" / "one pair of headphones"."""
    unit = _PLURAL_UNITS.get(noun)
    return f"one {unit} of {noun}" if unit else f"one {noun}"
_REVIEW_GOOD = ("Exactly as described", "Love it", "Great {noun}", "Would buy again", "Five stars")
_REVIEW_BAD = ("Not what I expected", "Just okay", "Returned it", "Smaller than pictured")


@functools.lru_cache(maxsize=8192)
def _product_text(catalogue_seed: int, product: Product) -> ProductText:
    rng = random.Random(product.text_seed ^ (catalogue_seed * 0x9E3779B1))
    ptype = product.product_type
    noun = ptype.noun
    bullets = [
        f"{attr.upper()}: {_this(noun)} {attr}, chosen with care for {ptype.use}."
        for attr in product.attributes
    ]
    kinds = ", ".join(f"{len(values)} {kind} choices" for kind, values in product.options)
    what = f"{_one(noun)} from {product.brand}" + (f" ({kinds})" if kinds else "")
    for template in rng.sample(_GENERIC_BULLETS, 2):
        bullets.append(template.format(what=what, use_upper=ptype.use.upper(), a_noun=_a(noun)))
    attrs = product.attributes
    plural = noun in _PLURAL_UNITS  # "they" is a search stopword: the index is unchanged
    description = (
        f"Meet the {product.brand} {noun}. "
        f"{'They are' if plural else 'It is'} {', '.join(attrs[:-1])} and {attrs[-1]}. "
        f"Designed for {ptype.use}, {'they belong' if plural else 'it belongs'} in "
        f"{' > '.join(ptype.category[1:])}. "
        + rng.choice((
            "Every unit is inspected before it ships.",
            "Our team tests each batch for quality.",
            "Backed by our friendly customer support.",
        ))
    )
    reviews = []
    for _ in range(rng.randint(1, 3)):
        stars = rng.choice((5, 5, 4, 4, 3, 2))
        pool = _REVIEW_GOOD if stars >= 4 else _REVIEW_BAD
        title = rng.choice(pool).format(noun=noun)
        body = rng.choice((
                f"I bought {_this(noun).rsplit(' ', 1)[0]} for {ptype.use} and "
                f"{'they do' if noun in _PLURAL_UNITS else 'it does'} the job.",
                f"The {noun} arrived quickly and well packed.",
                f"Decent {noun} for the price.",
                f"My second {_one(noun).removeprefix('one ')} from {product.brand}.",
            ))
        reviews.append((stars, title, body))
    return ProductText(tuple(bullets), description, tuple(reviews))


def product_text(catalogue_seed: int, product: Product) -> ProductText:
    """Bullets, description and reviews of ``product`` (deterministic, cached)."""
    return _product_text(int(catalogue_seed), product)
