"""Unit tests for svdlab.plotting."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from conftest import BadInput
from svdlab.plotting import plot_outer_product_terms

BAD_INPUTS = [
    BadInput(plot_outer_product_terms, (np.ones(4),), {}, ValueError, "A"),
    BadInput(plot_outer_product_terms, (np.eye(3),), {"r": 0}, ValueError, "r"),
    BadInput(plot_outer_product_terms, (np.eye(3),), {"r": 4}, ValueError, "r"),
    BadInput(plot_outer_product_terms, ([["a"]],), {}, TypeError, "A"),
]


def test_outer_product_figure_has_two_rows_of_r_panels():
    fig = plot_outer_product_terms(np.arange(20.0).reshape(4, 5), r=3)
    assert isinstance(fig, Figure)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 6
    last_partial_sum = images[-1].images[0].get_array()
    U, s, Vt = np.linalg.svd(np.arange(20.0).reshape(4, 5), full_matrices=False)
    assert np.allclose(last_partial_sum, U[:, :3] @ np.diag(s[:3]) @ Vt[:3])
    plt.close(fig)
