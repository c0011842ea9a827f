"""Figures used by the chapters. Every function returns a new :class:`matplotlib.figure.Figure`."""

from __future__ import annotations

from typing import Any, Optional

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._validation import as_matrix, check_rank

__all__ = ["plot_outer_product_terms"]


def plot_outer_product_terms(A: Any, r: Optional[int] = None) -> Figure:
    """Heat maps of the rank-one terms ``σᵢuᵢvᵢᵀ`` of ``A`` (top) and their partial sums (bottom).

    Introduced in chapter 1 (the outer-product form).

    Parameters
    ----------
    A : array_like, shape (m, n)
    r : int, optional
        Number of terms to draw, ``1 <= r <= min(m, n)``; default ``min(m, n, 4)``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    A = as_matrix(A, "A")
    r = min(*A.shape, 4) if r is None else check_rank(r, "r", maximum=min(A.shape), minimum=1)
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    terms = [s[i] * np.outer(U[:, i], Vt[i]) for i in range(r)]
    partial_sums = np.cumsum(terms, axis=0)
    limit = float(max(np.abs(A).max(), np.abs(partial_sums).max(), np.abs(terms).max()))

    fig, axes = plt.subplots(2, r, figsize=(2.4 * r + 0.8, 4.6), squeeze=False, layout="constrained")
    for i in range(r):
        for row, (matrix, title) in enumerate(
            [(terms[i], f"$\\sigma_{i + 1} u_{i + 1} v_{i + 1}^\\top$"), (partial_sums[i], f"sum of {i + 1} term{'s' * (i > 0)}")]
        ):
            image = axes[row, i].imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
            axes[row, i].set_title(title)
            axes[row, i].set_xticks([])
            axes[row, i].set_yticks([])
    fig.colorbar(image, ax=axes, shrink=0.8, label="entry value")
    return fig
