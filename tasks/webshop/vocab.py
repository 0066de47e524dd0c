"""Vocabulary of the generated WebShop catalogue: product types, attributes, option values.

WebShop (Yao et al., NeurIPS 2022) scraped 1.18M Amazon products from five top-level
categories (beauty, food, fashion, furniture, electronics). Each product has a category
path, a title, attributes mined from its text ("long lasting", "paraben free"), bullet
points, a description and options grouped by kind (size, color, flavor, ...). These tables
rebuild that shape offline: each :class:`ProductType` names its explicit type noun (what
WebShop's spaCy noun-phrase step approximated), its category path, the attributes its
products may carry and the option kinds with real-looking values.

Option values are disjoint across kinds (no value is both a size and a color) so a click on
an option button is unambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------- option pools
LIP_COLORS = (
    "ruby red", "nude pink", "berry", "coral", "mauve", "cherry red", "plum", "rose",
    "brick red", "peach", "wine", "fuchsia",
)
NAIL_COLORS = (
    "ballet pink", "classic red", "midnight blue", "glitter gold", "pearl white", "lavender",
    "mint green", "burgundy", "nude beige", "jet black",
)
APPAREL_COLORS = (
    "black", "white", "navy blue", "heather grey", "olive green", "burgundy", "khaki",
    "light blue", "charcoal", "army green", "pink", "red", "royal blue", "beige",
)
FURNITURE_COLORS = (
    "espresso", "walnut", "white", "black", "grey", "rustic brown", "natural oak",
    "dark grey", "navy blue", "beige", "cherry", "light grey",
)
TECH_COLORS = (
    "black", "white", "silver", "space grey", "midnight blue", "rose gold", "red",
    "forest green", "lavender", "sky blue",
)
APPAREL_SIZES = ("x-small", "small", "medium", "large", "x-large", "xx-large", "3x-large")
SHOE_SIZES = ("6", "6.5", "7", "7.5", "8", "8.5", "9", "9.5", "10", "10.5", "11", "12")
JEAN_SIZES = (
    "28w x 30l", "30w x 30l", "30w x 32l", "32w x 30l", "32w x 32l", "34w x 32l",
    "34w x 34l", "36w x 32l", "38w x 32l",
)
BED_SIZES = ("twin", "twin xl", "full", "queen", "king", "california king")
PILLOW_SIZES = ("16 x 16 inch", "18 x 18 inch", "20 x 20 inch", "22 x 22 inch", "12 x 20 inch")
LIQUID_SIZES = (
    "1.7 fl oz (pack of 1)", "3.4 fl oz (pack of 1)", "8 fl oz (pack of 1)",
    "12 fl oz (pack of 1)", "16.9 fl oz (pack of 1)", "8 fl oz (pack of 2)",
    "12 fl oz (pack of 3)", "33.8 fl oz (pack of 1)",
)
CREAM_SIZES = ("1 ounce", "1.7 ounce", "2 ounce", "3.4 ounce", "4 ounce (pack of 2)")
STICK_SIZES = ("2.6 ounce (pack of 1)", "2.6 ounce (pack of 2)", "3 ounce (pack of 3)", "travel size")
SNACK_SIZES = (
    "1 ounce (pack of 24)", "1.5 ounce (pack of 12)", "5 ounce (pack of 8)",
    "8 ounce (pack of 4)", "2 ounce (pack of 36)", "9.5 ounce (pack of 1)",
)
COFFEE_SIZES = ("12 ounce", "2 pound", "32 ounce", "10 ounce (pack of 2)", "80 count k-cups")
TEA_SIZES = ("20 count (pack of 6)", "100 count", "40 count (pack of 2)", "16 ounce loose leaf")
BAR_SIZES = ("12 count", "15 count", "20 count (pack of 2)", "6 count")
OIL_SIZES = ("16.9 fl oz", "25.4 fl oz", "33.8 fl oz", "68 fl oz", "101 fl oz (pack of 2)")
CABLE_SIZES = ("3 ft", "6 ft", "10 ft", "3 ft (2 pack)", "6 ft (3 pack)", "1.5 ft")
PHONE_MODELS = (
    "iphone 13", "iphone 14", "iphone 14 pro", "iphone 15 pro max", "galaxy s23",
    "galaxy s24 ultra", "pixel 8", "pixel 7a",
)
CHIP_FLAVORS = (
    "sea salt", "barbecue", "sour cream and onion", "salt and vinegar", "jalapeno",
    "cheddar cheese", "original", "honey mustard",
)
COFFEE_FLAVORS = ("hazelnut", "french vanilla", "original roast", "caramel", "mocha", "pumpkin spice")
TEA_FLAVORS = ("jasmine", "peppermint", "chamomile", "lemon ginger", "earl grey", "matcha")
BAR_FLAVORS = (
    "chocolate chip", "peanut butter", "cookies and cream", "blueberry", "salted caramel",
    "almond butter", "birthday cake",
)
CANDY_FLAVORS = ("assorted fruit", "sour watermelon", "strawberry", "mixed berry", "cherry", "tropical")
SCENTS = (
    "lavender", "coconut", "tea tree", "eucalyptus mint", "unscented", "citrus", "rose",
    "sandalwood", "vanilla", "fresh cotton",
)
DEO_SCENTS = ("bright citrus", "fresh pine", "cucumber mint", "unscented", "charcoal", "lavender sage")
PACK_COUNTS = ("pack of 1", "pack of 2", "pack of 3", "pack of 4", "pack of 6")
SOCK_PACKS = ("6 pairs", "8 pairs", "12 pairs", "3 pairs")
CHAIR_STYLES = ("with arms", "armless", "with footrest", "high back", "mid back")
CAPACITIES = ("5000mah", "10000mah", "20000mah", "26800mah")


@dataclass(frozen=True)
class ProductType:
    """One product type: its noun, category path, title words, attributes and options."""

    noun: str
    category: tuple[str, ...]
    descriptors: tuple[str, ...]
    attributes: tuple[str, ...]
    options: tuple[tuple[str, tuple[str, ...]], ...]
    price: tuple[float, float]
    use: str  # what a product of this type is for (description text)


_BEAUTY = "Beauty & Personal Care"
_FOOD = "Grocery & Gourmet Food"
_FASHION = "Clothing, Shoes & Jewelry"
_HOME = "Home & Kitchen"
_TECH = "Electronics"

PRODUCT_TYPES: tuple[ProductType, ...] = (
    # ------------------------------------------------------------------ beauty
    ProductType("lipstick", (_BEAUTY, "Makeup", "Lips"), ("matte", "satin", "creamy", "liquid"),
                ("long lasting", "paraben free", "cruelty free", "highly pigmented", "vegan",
                 "moisturizing", "transfer proof"),
                (("color", LIP_COLORS),), (6.0, 38.0), "everyday and evening looks"),
    ProductType("lip gloss", (_BEAUTY, "Makeup", "Lips"), ("shimmer", "clear", "plumping", "tinted"),
                ("non sticky", "cruelty free", "hydrating", "paraben free", "long lasting",
                 "vitamin e"),
                (("color", LIP_COLORS), ("size", ("0.1 fl oz", "0.2 fl oz (pack of 2)", "0.3 fl oz"))),
                (5.0, 24.0), "a glossy finish that lasts"),
    ProductType("nail polish", (_BEAUTY, "Foot, Hand & Nail Care", "Nail Polish"),
                ("gel", "glossy", "matte", "chrome"),
                ("quick drying", "non toxic", "chip resistant", "long lasting", "cruelty free",
                 "high shine"),
                (("color", NAIL_COLORS),), (4.0, 19.0), "salon results at home"),
    ProductType("shampoo", (_BEAUTY, "Hair Care", "Shampoo & Conditioner"),
                ("clarifying", "volumizing", "repairing", "daily"),
                ("sulfate free", "paraben free", "natural ingredients", "for dry hair",
                 "color safe", "cruelty free", "dandruff control"),
                (("scent", SCENTS), ("size", LIQUID_SIZES)), (7.0, 42.0), "clean, healthy hair"),
    ProductType("hair oil", (_BEAUTY, "Hair Care", "Styling Products"), ("argan", "rosemary", "nourishing"),
                ("hair growth", "natural ingredients", "for damaged hair", "non greasy",
                 "cruelty free"),
                (("size", ("2 fl oz", "4 fl oz", "2 fl oz (pack of 2)")),), (8.0, 36.0),
                "shine and frizz control"),
    ProductType("face moisturizer", (_BEAUTY, "Skin Care", "Face", "Moisturizers"),
                ("daily", "night", "gel", "whipped"),
                ("fragrance free", "non greasy", "hyaluronic acid", "dermatologist tested",
                 "for sensitive skin", "oil free", "anti aging"),
                (("size", CREAM_SIZES),), (9.0, 64.0), "soft, hydrated skin"),
    ProductType("deodorant", (_BEAUTY, "Personal Care", "Deodorants & Antiperspirants"),
                ("natural", "clinical", "sport"),
                ("aluminum free", "natural ingredients", "long lasting", "baking soda free",
                 "sensitive skin", "cruelty free"),
                (("scent", DEO_SCENTS), ("size", STICK_SIZES)), (5.0, 28.0), "all-day freshness"),
    ProductType("hair dryer", (_BEAUTY, "Hair Care", "Styling Tools", "Hair Dryers"),
                ("ionic", "compact", "professional", "travel"),
                ("fast drying", "lightweight", "low noise", "negative ion", "ceramic",
                 "foldable handle"),
                (("color", TECH_COLORS),), (19.0, 129.0), "smooth blow-outs at home"),
    # ------------------------------------------------------------------ food
    ProductType("potato chips", (_FOOD, "Snacks", "Chips & Crisps"), ("kettle", "crinkle cut", "thin"),
                ("gluten free", "non gmo", "kettle cooked", "low sodium", "vegan", "no artificial flavors"),
                (("flavor", CHIP_FLAVORS), ("size", SNACK_SIZES)), (4.0, 32.0), "snacking on the go"),
    ProductType("ground coffee", (_FOOD, "Beverages", "Coffee"), ("medium roast", "dark roast", "breakfast blend"),
                ("organic", "fair trade", "single origin", "whole bean", "low acid", "kosher"),
                (("flavor", COFFEE_FLAVORS), ("size", COFFEE_SIZES)), (7.0, 46.0), "a rich morning cup"),
    ProductType("green tea", (_FOOD, "Beverages", "Tea"), ("loose leaf", "bagged", "premium"),
                ("caffeine free", "organic", "sugar free", "non gmo", "individually wrapped"),
                (("flavor", TEA_FLAVORS), ("size", TEA_SIZES)), (5.0, 30.0), "a calm cup any time"),
    ProductType("protein bar", (_FOOD, "Snacks", "Nutrition Bars"), ("crispy", "chewy", "plant based"),
                ("high protein", "low sugar", "gluten free", "keto friendly", "non gmo", "soy free"),
                (("flavor", BAR_FLAVORS), ("size", BAR_SIZES)), (12.0, 48.0), "fuel between meals"),
    ProductType("gummy candy", (_FOOD, "Snacks", "Candy & Chocolate"), ("sour", "fruity", "chewy"),
                ("gluten free", "fat free", "individually wrapped", "natural flavors", "vegan"),
                (("flavor", CANDY_FLAVORS), ("size", SNACK_SIZES)), (3.0, 25.0), "parties and treats"),
    ProductType("olive oil", (_FOOD, "Pantry Staples", "Oils"), ("extra virgin", "mediterranean", "first cold"),
                ("cold pressed", "organic", "non gmo", "kosher", "single origin"),
                (("size", OIL_SIZES),), (9.0, 55.0), "cooking and dressings"),
    # ------------------------------------------------------------------ fashion
    ProductType("dress", (_FASHION, "Women", "Clothing", "Dresses"), ("floral", "wrap", "maxi", "midi", "casual"),
                ("machine wash", "short sleeve", "long sleeve", "polyester spandex", "elastic waist",
                 "v neck", "daily wear"),
                (("color", APPAREL_COLORS), ("size", APPAREL_SIZES)), (18.0, 69.0), "work, parties and weekends"),
    ProductType("t-shirt", (_FASHION, "Men", "Clothing", "Shirts"), ("crew neck", "graphic", "slim fit", "classic"),
                ("machine wash", "cotton", "short sleeve", "relaxed fit", "moisture wicking", "tagless"),
                (("color", APPAREL_COLORS), ("size", APPAREL_SIZES)), (8.0, 32.0), "everyday comfort"),
    ProductType("hoodie", (_FASHION, "Men", "Clothing", "Fashion Hoodies & Sweatshirts"),
                ("pullover", "zip up", "fleece", "heavyweight"),
                ("machine wash", "long sleeve", "kangaroo pocket", "drawstring closure", "cotton blend"),
                (("color", APPAREL_COLORS), ("size", APPAREL_SIZES)), (19.0, 59.0), "cool evenings"),
    ProductType("jeans", (_FASHION, "Men", "Clothing", "Jeans"), ("straight leg", "slim", "bootcut", "relaxed"),
                ("machine wash", "button closure", "stretch denim", "classic fit", "five pocket"),
                (("color", ("dark wash", "light wash", "black denim", "medium stonewash", "rinse")),
                 ("size", JEAN_SIZES)), (22.0, 79.0), "all-day wear"),
    ProductType("running shoes", (_FASHION, "Women", "Shoes", "Athletic"), ("lightweight", "trail", "cushioned"),
                ("rubber sole", "breathable mesh", "non slip", "arch support", "lace up", "memory foam"),
                (("color", APPAREL_COLORS), ("size", SHOE_SIZES)), (29.0, 119.0), "runs, walks and the gym"),
    ProductType("socks", (_FASHION, "Men", "Clothing", "Socks"), ("athletic", "crew", "ankle", "wool"),
                ("moisture wicking", "cushioned sole", "machine wash", "arch support", "breathable"),
                (("color", APPAREL_COLORS), ("pack", SOCK_PACKS)), (8.0, 29.0), "sports and daily wear"),
    ProductType("necklace", (_FASHION, "Women", "Jewelry", "Necklaces"), ("pendant", "dainty", "layered"),
                ("sterling silver", "hypoallergenic", "gift box", "adjustable chain", "nickel free"),
                (("color", ("gold", "silver", "rose gold tone", "two tone")),), (12.0, 89.0), "gifts and everyday style"),
    # ------------------------------------------------------------------ home
    ProductType("sofa", (_HOME, "Furniture", "Living Room Furniture", "Sofas & Couches"),
                ("sectional", "loveseat", "convertible", "mid century"),
                ("easy assemble", "high density foam", "solid wood frame", "living room",
                 "removable cushions", "metal legs"),
                (("color", FURNITURE_COLORS),), (199.0, 899.0), "the living room"),
    ProductType("coffee table", (_HOME, "Furniture", "Living Room Furniture", "Tables"),
                ("lift top", "round", "rustic", "glass top"),
                ("easy assemble", "storage space", "solid wood", "living room", "metal frame",
                 "wood finish"),
                (("color", FURNITURE_COLORS),), (49.0, 329.0), "the living room"),
    ProductType("office chair", (_HOME, "Furniture", "Home Office Furniture", "Chairs"),
                ("ergonomic", "mesh", "executive", "task"),
                ("lumbar support", "height adjustable", "easy assemble", "swivel", "breathable mesh",
                 "heavy duty"),
                (("color", FURNITURE_COLORS), ("style", CHAIR_STYLES)), (59.0, 349.0), "long hours at the desk"),
    ProductType("bookshelf", (_HOME, "Furniture", "Home Office Furniture", "Bookcases"),
                ("5 tier", "ladder", "industrial", "corner"),
                ("easy assemble", "storage space", "wood finish", "metal frame", "wall mounted"),
                (("color", FURNITURE_COLORS),), (39.0, 249.0), "books, plants and display"),
    ProductType("bed sheets", (_HOME, "Bedding", "Sheets & Pillowcases"), ("microfiber", "cotton", "bamboo"),
                ("deep pocket", "machine wash", "wrinkle free", "breathable", "hypoallergenic"),
                (("color", FURNITURE_COLORS), ("size", BED_SIZES)), (19.0, 119.0), "restful sleep"),
    ProductType("throw pillow covers", (_HOME, "Home Decor", "Decorative Pillows"),
                ("velvet", "linen", "boho", "farmhouse"),
                ("double sided", "hidden zipper", "machine wash", "living room", "soft fabric"),
                (("color", FURNITURE_COLORS), ("size", PILLOW_SIZES)), (9.0, 39.0), "the couch and the bed"),
    # ------------------------------------------------------------------ electronics
    ProductType("headphones", (_TECH, "Headphones, Earbuds & Accessories", "Headphones"),
                ("over ear", "on ear", "wireless", "studio"),
                ("noise cancelling", "wireless bluetooth", "long battery life", "hands free",
                 "built in microphone", "foldable"),
                (("color", TECH_COLORS),), (19.0, 249.0), "music, calls and travel"),
    ProductType("phone case", (_TECH, "Cell Phones & Accessories", "Cases"), ("slim", "rugged", "clear", "wallet"),
                ("shockproof", "wireless charging", "raised edges", "anti scratch", "card holder"),
                (("color", TECH_COLORS), ("size", PHONE_MODELS)), (7.0, 39.0), "everyday protection"),
    ProductType("usb c cable", (_TECH, "Computers & Accessories", "Cables"), ("braided", "right angle", "fast charge"),
                ("fast charging", "high speed", "nylon braided", "data transfer", "durable"),
                (("color", TECH_COLORS), ("size", CABLE_SIZES)), (6.0, 26.0), "charging and syncing"),
    ProductType("power bank", (_TECH, "Cell Phones & Accessories", "Chargers & Power Adapters"),
                ("portable", "slim", "magnetic"),
                ("fast charging", "usb c", "high capacity", "led display", "dual output"),
                (("color", TECH_COLORS), ("capacity", CAPACITIES)), (15.0, 69.0), "charging on the go"),
    ProductType("bluetooth speaker", (_TECH, "Portable Audio & Video", "Speakers"),
                ("portable", "outdoor", "mini"),
                ("waterproof", "wireless bluetooth", "long battery life", "high fidelity", "hands free"),
                (("color", TECH_COLORS),), (18.0, 159.0), "parties, beach and shower"),
    ProductType("hdmi cable", (_TECH, "Computers & Accessories", "Cables"), ("4k", "8k", "ultra high speed"),
                ("gold plated", "high speed", "ethernet", "braided cord", "high definition"),
                (("size", CABLE_SIZES), ("pack", PACK_COUNTS)), (5.0, 29.0), "tvs, consoles and monitors"),
    ProductType("laptop stand", (_TECH, "Computers & Accessories", "Laptop Accessories"),
                ("adjustable", "aluminum", "foldable"),
                ("height adjustable", "heat dissipation", "non slip", "lightweight", "ergonomic design"),
                (("color", TECH_COLORS),), (14.0, 59.0), "a tidy desk and better posture"),
)

BRAND_PREFIXES = (
    "Lum", "Vel", "Nor", "Ava", "Zen", "Kor", "Mir", "Sol", "Bel", "Tra", "Ori", "Cal", "Dex",
    "Ela", "Fen", "Gra", "Hal", "Iso", "Jun", "Kai", "Lio", "Mon", "Nex", "Oak", "Pax",
)
BRAND_SUFFIXES = (
    "ora", "ix", "ena", "ova", "ly", "wick", "ton", "ara", "io", "ex", "ique", "ella", "core",
    "field", "more", "stone", "ridge", "vale",
)

INSTRUCTION_OPENERS = (
    "i need", "i am looking for", "i want", "find me", "i'm looking for", "get me",
    "i would like", "show me",
)
