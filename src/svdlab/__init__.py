"""svdlab: helpers for the course *The Singular Value Decomposition, from geometry to LoRA*.

Each module belongs to the chapter that introduces it:

- :mod:`svdlab.linalg` (chapter 1): shapes, checks, rank and signs of an SVD.
- :mod:`svdlab.plotting` (chapter 1): the outer-product figure.
- :mod:`svdlab.geometry` (chapter 2): the unit circle and sphere under a matrix, stretches, areas.
- :mod:`svdlab.eigen` (chapter 3): the SVD from eigendecompositions, the four subspaces.
- :mod:`svdlab.lowrank` (chapter 4): truncation, Eckart–Young errors, energy, Gavish–Donoho.
- :mod:`svdlab.images` (chapter 5): the sample photo, PSNR, compact factors, JPEG.
- :mod:`svdlab.training` (chapters 6 and 7): the digits data set, an MLP, training loops.
- :mod:`svdlab.compress` (chapter 6): factorized layers and model compression.
- :mod:`svdlab.lora` (chapter 7): LoRA layers, merging, PiSSA, subspace similarity.
- :mod:`svdlab.checks`, :mod:`svdlab.exercises`, :mod:`svdlab.grading` (exercises): self-checks,
  the exercise generator and the grader (``svdlab exercises``, ``svdlab grade``).

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
