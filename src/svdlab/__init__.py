"""svdlab: helpers for the course *The Singular Value Decomposition, from geometry to LoRA*.

Each module belongs to the chapter that introduces it:

- :mod:`svdlab.linalg` (chapter 1): shapes, checks, rank and signs of an SVD.
- :mod:`svdlab.plotting` (chapter 1 on): figures.
- :mod:`svdlab.training` (chapters 6 and 7): the digits data set, an MLP, training loops.

Importing svdlab has no side effects: no plotting style is set, no generator is seeded.
"""

from .linalg import (
    SVDCheck,
    check_svd,
    default_rank_tolerance,
    fix_signs,
    numerical_rank,
    outer_product_sum,
    sigma_matrix,
    svd_shapes,
    truncated_svd,
)

__version__ = "0.1.0"

__all__ = [
    "SVDCheck",
    "check_svd",
    "default_rank_tolerance",
    "fix_signs",
    "numerical_rank",
    "outer_product_sum",
    "sigma_matrix",
    "svd_shapes",
    "truncated_svd",
]
