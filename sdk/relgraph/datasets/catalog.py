"""The demo shop's catalog: product categories, and the words its names and texts are made of.

Each category says how much each latent customer segment likes it and what its products
cost, which is how a customer's hidden segment shows up in what they buy.
"""

from dataclasses import dataclass

SEGMENTS: tuple[str, ...] = ("bargain", "mainstream", "premium")
"""Latent customer segments; never written to a table, only visible through behaviour."""


@dataclass(frozen=True)
class CategorySpec:
    """A product category of the demo shop.

    Args:
        name: The category name.
        department: The department the category belongs to.
        median_price: The median list price of its products, in euros.
        affinity: How much each segment of :data:`SEGMENTS` likes the category (1 = average).
        nouns: What its products are called (singular).
        tags: Category-specific product tags.
        returnable: Whether buyers often send its products back (fit, size).
    """

    name: str
    department: str
    median_price: float
    affinity: tuple[float, float, float]
    nouns: tuple[str, ...]
    tags: tuple[str, ...]
    returnable: bool = False


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec("Smartphones", "Electronics", 420.0, (0.3, 1.0, 2.2), ("smartphone", "phone"), ("5g", "dual-sim", "android", "unlocked")),
    CategorySpec("Headphones", "Electronics", 85.0, (0.7, 1.2, 1.6), ("headphones", "earbuds", "headset"), ("wireless", "noise-cancelling", "bluetooth", "over-ear")),
    CategorySpec("Laptops", "Electronics", 950.0, (0.2, 0.8, 2.0), ("laptop", "notebook", "ultrabook"), ("ssd", "touchscreen", "lightweight", "gaming")),
    CategorySpec("Fiction", "Books", 14.0, (1.5, 1.0, 0.7), ("novel", "paperback", "hardcover"), ("bestseller", "mystery", "fantasy", "romance")),
    CategorySpec("Cookbooks", "Books", 24.0, (0.8, 1.0, 1.2), ("cookbook", "recipe book"), ("vegan", "baking", "quick-meals")),
    CategorySpec("Cookware", "Home & Kitchen", 55.0, (0.8, 1.1, 1.3), ("frying pan", "saucepan", "knife set", "dutch oven"), ("non-stick", "induction", "dishwasher-safe", "cast-iron")),
    CategorySpec("Furniture", "Home & Kitchen", 240.0, (0.4, 1.0, 1.6), ("desk", "armchair", "bookshelf", "side table"), ("solid-wood", "flat-pack", "scandinavian")),
    CategorySpec("Toys", "Kids", 28.0, (1.3, 1.1, 0.7), ("puzzle", "building set", "plush toy", "board game"), ("ages-3-plus", "educational", "family")),
    CategorySpec("Baby", "Kids", 35.0, (1.0, 1.1, 0.9), ("baby monitor", "stroller organizer", "bottle set"), ("bpa-free", "newborn", "travel")),
    CategorySpec("Skincare", "Beauty", 32.0, (0.5, 1.0, 1.8), ("face cream", "serum", "cleanser"), ("fragrance-free", "vegan", "spf")),
    CategorySpec("Fitness", "Sports", 60.0, (0.7, 1.1, 1.3), ("yoga mat", "kettlebell", "resistance band set"), ("home-gym", "non-slip", "adjustable")),
    CategorySpec("Outdoor", "Sports", 120.0, (0.5, 1.0, 1.5), ("tent", "backpack", "sleeping bag", "hiking pole"), ("waterproof", "ultralight", "camping")),
    CategorySpec("Apparel", "Fashion", 45.0, (1.1, 1.1, 1.0), ("t-shirt", "hoodie", "jacket", "dress"), ("cotton", "slim-fit", "unisex", "organic"), returnable=True),
    CategorySpec("Shoes", "Fashion", 90.0, (0.8, 1.0, 1.3), ("sneaker", "boot", "sandal"), ("leather", "running", "wide-fit"), returnable=True),
    CategorySpec("Jewelry", "Fashion", 180.0, (0.15, 0.6, 2.4), ("necklace", "ring", "bracelet"), ("sterling-silver", "gold-plated", "handmade")),
    CategorySpec("Snacks", "Grocery", 6.0, (2.2, 1.0, 0.5), ("snack box", "chocolate bar", "trail mix"), ("gluten-free", "multipack", "organic")),
    CategorySpec("Cleaning", "Household", 9.0, (2.4, 1.0, 0.4), ("detergent", "sponge pack", "all-purpose cleaner"), ("refill", "bulk", "eco-refill")),
    CategorySpec("Pet Supplies", "Pets", 22.0, (1.2, 1.0, 0.9), ("dog bed", "cat tree", "pet bowl", "leash"), ("dog", "cat", "washable")),
)  # fmt: skip
"""The shop's categories; ``category_id`` is the position in this tuple plus one."""

GENERIC_TAGS: tuple[str, ...] = (
    "bestseller",
    "budget",
    "premium",
    "new-arrival",
    "eco-friendly",
    "gift-idea",
)
"""Tags any product may carry (after its category tags)."""

BRANDS: tuple[str, ...] = (
    "Nordwell", "Acme", "Brightline", "Kestrel", "Lumo", "Oakridge", "Pinecrest", "Quanta",
    "Riverton", "Solace", "Tandem", "Umbra", "Vireo", "Wexford", "Zephyr", "Halden",
)  # fmt: skip
ADJECTIVES: tuple[str, ...] = (
    "Classic", "Compact", "Deluxe", "Essential", "Everyday", "Pro", "Smart", "Ultra",
    "Urban", "Vintage", "Modern", "Travel",
)  # fmt: skip
MATERIALS: tuple[str, ...] = (
    "recycled materials", "stainless steel", "organic cotton", "bamboo", "aluminium",
    "premium plastics", "natural fibres", "tempered glass",
)  # fmt: skip

COUNTRIES: tuple[str, ...] = ("DE", "FR", "NL", "ES", "IT", "PL", "AT", "BE", "SE", "DK")
COUNTRY_WEIGHTS: tuple[float, ...] = (0.28, 0.18, 0.09, 0.11, 0.1, 0.08, 0.05, 0.05, 0.03, 0.03)
CHANNELS: tuple[str, ...] = ("web", "app", "phone")
CHANNEL_WEIGHTS: tuple[float, ...] = (0.56, 0.38, 0.06)
PAYMENT_METHODS: tuple[str, ...] = ("card", "paypal", "invoice", "gift_card")
PAYMENT_WEIGHTS: tuple[float, ...] = (0.46, 0.34, 0.16, 0.04)

# Review texts by rating (1..5): "<opening><noun><closing>", then one remark about delivery.
REVIEW_OPENINGS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Terrible ", ". Broke within a week."), ("Do not buy this ", "."), ("Very disappointed with the ", ", sent it back.")),
    (("Poor ", ", not worth the money."), ("The ", " looks cheap in person."), ("Mediocre ", ", expected more.")),
    (("Okay ", " for the price."), ("The ", " does the job, nothing special."), ("Average ", ".")),
    (("Good ", ", would buy again."), ("Nice ", " and solid build."), ("Happy with this ", ".")),
    (("Excellent ", ", exceeded my expectations!"), ("Absolutely love this ", "."), ("Best ", " I have owned.")),
)  # fmt: skip
REVIEW_REMARKS: tuple[tuple[str, ...], ...] = (
    (" Customer service never answered.", " Packaging was damaged.", ""),
    (" Delivery took too long.", " Instructions were unclear.", ""),
    (" Delivery was on time.", "", " Packaging could be better."),
    (" Fast delivery.", "", " Well packaged."),
    (" Arrived a day early.", " Great value.", ""),
)  # fmt: skip
