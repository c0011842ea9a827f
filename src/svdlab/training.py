"""Data and training loops for the neural-network chapters (6: compression, 7: LoRA).

The data set is scikit-learn's bundled 8×8 handwritten digits (1,797 images, no
download), so every notebook runs offline and in Colab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

import numpy as np
import torch
from torch import nn

from ._validation import check_fraction, check_int, check_positive

__all__ = [
    "DigitsSplit",
    "accuracy",
    "count_parameters",
    "default_device",
    "load_digits_split",
    "make_mlp",
    "train",
]


@dataclass(frozen=True)
class DigitsSplit:
    """A train/test split of the digits as float32 tensors (pixels scaled to [0, 1])."""

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    def to(self, device: "str | torch.device") -> "DigitsSplit":
        """Return the same split with every tensor on ``device``."""
        return DigitsSplit(*(t.to(device) for t in (self.X_train, self.y_train, self.X_test, self.y_test)))


def default_device() -> torch.device:
    """``cuda`` when a GPU is available (e.g. a Colab GPU runtime), else ``cpu``."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_digits_split(
    test_fraction: float = 0.25, seed: int = 0, classes: Optional[Iterable[int]] = None
) -> DigitsSplit:
    """Load scikit-learn's digits, optionally keep some classes, and split them (stratified).

    Parameters
    ----------
    test_fraction : float
        Share of the images held out for testing, in (0, 1).
    seed : int
        Seed of the split.
    classes : iterable of int, optional
        Digits to keep (e.g. ``range(5)``); labels stay the digits themselves.

    Returns
    -------
    DigitsSplit
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = check_fraction(test_fraction, "test_fraction")
    if test_fraction >= 1:
        raise ValueError(f"'test_fraction' must be < 1, got {test_fraction}")
    seed = check_int(seed, "seed")
    X, y = load_digits(return_X_y=True)
    if classes is not None:
        keep = sorted({check_int(c, "classes") for c in classes})
        if not keep or not set(keep) <= set(range(10)):
            raise ValueError(f"'classes' must be a non-empty set of digits 0..9, got {keep}")
        mask = np.isin(y, keep)
        X, y = X[mask], y[mask]
    X_train, X_test, y_train, y_test = train_test_split(
        X / 16.0, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.long)  # noqa: E731
    return DigitsSplit(as_x(X_train), as_y(y_train), as_x(X_test), as_y(y_test))


def make_mlp(sizes: Sequence[int], seed: int = 0) -> nn.Sequential:
    """A multilayer perceptron ``Linear → ReLU → … → Linear`` with seeded initialisation.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, e.g. ``(64, 256, 256, 10)``; at least two.
    seed : int
        Seed for the initial weights.
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"'sizes' must be a sequence of ints, got {type(sizes).__name__}")
    widths = [check_int(w, "sizes") for w in sizes]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"'sizes' needs at least two positive widths, got {list(sizes)}")
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(check_int(seed, "seed"))
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(widths) - 2:
            layers.append(nn.ReLU())
    torch.random.set_rng_state(generator_state)  # leave the global generator as it was
    return nn.Sequential(*layers)


def _check_model(model: nn.Module) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"'model' must be a torch.nn.Module, got {type(model).__name__}")


def _check_data(X: torch.Tensor, y: torch.Tensor) -> None:
    if not isinstance(X, torch.Tensor) or X.ndim != 2:
        raise TypeError("'X' must be a 2-D torch.Tensor (samples × features)")
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.dtype != torch.long:
        raise TypeError("'y' must be a 1-D torch.long tensor of class labels")
    if len(X) != len(y):
        raise ValueError(f"'X' and 'y' must have the same length, got {len(X)} and {len(y)}")


def train(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 30,
    lr: float = 1e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    seed: int = 0,
    parameters: Optional[Iterable[torch.nn.Parameter]] = None,
) -> list[float]:
    """Train ``model`` with Adam and cross-entropy; return the mean loss of each epoch.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place, on the device of ``X``.
    X, y : torch.Tensor
        Inputs (n × features, float) and labels (n, long).
    epochs, batch_size : int
        Passes over the data and mini-batch size.
    lr, weight_decay : float
        Adam's learning rate and weight decay.
    seed : int
        Seed of the mini-batch shuffling.
    parameters : iterable of Parameter, optional
        What to optimise; default every parameter with ``requires_grad``.
    """
    _check_model(model)
    _check_data(X, y)
    epochs = check_int(epochs, "epochs")
    batch_size = check_int(batch_size, "batch_size")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"'epochs' and 'batch_size' must be >= 1, got {epochs} and {batch_size}")
    lr = check_positive(lr, "lr")
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    params = [p for p in (model.parameters() if parameters is None else parameters) if p.requires_grad]
    if not params:
        raise ValueError("'parameters' holds no trainable parameter (requires_grad is False everywhere)")
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(check_int(seed, "seed"))
    losses = []
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator).to(X.device)
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(X))
    model.eval()
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> float:
    """Share of ``X`` that ``model`` classifies as ``y`` (model put in eval mode)."""
    _check_model(model)
    _check_data(X, y)
    model.eval()
    return float((model(X).argmax(dim=1) == y).float().mean())


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``model`` (only those with ``requires_grad`` if asked)."""
    _check_model(model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
