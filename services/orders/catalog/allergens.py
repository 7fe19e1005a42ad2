"""The allergens a product's label names, as Japan's Food Labelling Standard lists them.

Eight must be labelled (特定原材料) and twenty are recommended (特定原材料に準ずるもの); the app
shows both, and a shopper filters on either. The README lists them with their sources.
"""

from __future__ import annotations

from typing import Literal, get_args

Required = Literal["egg", "milk", "wheat", "buckwheat", "peanut", "shrimp", "crab", "walnut"]
Recommended = Literal[
    "almond",
    "abalone",
    "squid",
    "salmon_roe",
    "orange",
    "cashew",
    "kiwifruit",
    "beef",
    "sesame",
    "salmon",
    "mackerel",
    "soybean",
    "chicken",
    "banana",
    "pork",
    "macadamia",
    "peach",
    "yam",
    "apple",
    "gelatin",
]
Allergen = Literal[Required, Recommended]
REQUIRED: frozenset[str] = frozenset(get_args(Required))
