"""Chapter 7 helpers: low-rank adaptation (LoRA) of a trained network, written from scratch.

A frozen dense layer ``y = W₀x + b`` gets a trainable low-rank update,

    y = W₀x + b + s·B(Ax),    A of shape (r, in),  B of shape (out, r),

with scaling ``s = α/r`` (Hu et al., 2022) or ``s = α/√r`` (rank-stabilised LoRA,
Kalajdzievski, 2023).  ``B`` starts at zero, so a freshly wrapped model computes exactly
what the base model computed.  The update ``ΔW = s·BA`` can be folded into ``W₀``
(merged) for inference at no extra cost, and taken out again (unmerged).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ._validation import as_matrix, check_int, check_positive, check_rank
from .training import count_parameters

__all__ = [
    "LoRALinear",
    "ParameterCount",
    "add_lora",
    "energy_captured",
    "merge_lora",
    "parameter_count",
    "set_merged",
    "subspace_similarity",
]

_INITS = ("lora", "pissa")


def _check_module(model: Any, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"'{name}' must be a torch.nn.Module, got {type(model).__name__}")
    return model


class LoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus a trainable low-rank update ``ΔW = scaling · B @ A``.

    Introduced in chapter 7.  The wrapped layer is kept as the child module ``base``
    and frozen (its parameters get ``requires_grad=False``); the trainable factors are
    ``A`` (``r × in_features``) and ``B`` (``out_features × r``).

    With ``init="lora"``, ``A`` is drawn Kaiming-uniform exactly as ``nn.Linear`` draws its
    weights (``a=√5``, i.e. uniform on ``±1/√in_features``), as in Microsoft's ``loralib``
    and Hugging Face ``peft`` (the paper draws ``A`` from a Gaussian), and ``B = 0``: the
    layer starts out computing exactly what ``base`` computes.  With ``init="pissa"``
    (Meng et al., 2024), ``scaling · B @ A`` starts as the best rank-``r`` approximation
    ``U_r Σ_r V_rᵀ`` of the weight (``A = √(Σ_r/scaling) V_rᵀ``, ``B = U_r √(Σ_r/scaling)``)
    and ``base.weight`` is replaced by the residual, so the output is again unchanged up to
    rounding.  Either way the given layer is modified in place (frozen; with PiSSA, its
    weight overwritten).  There is no dropout on the LoRA path.

    Parameters
    ----------
    base : torch.nn.Linear
        The layer to adapt (``W₀`` and its bias).
    r : int
        Rank of the update, ``1 <= r <= min(in_features, out_features)``.
    alpha : float
        Scale ``α > 0``; the update is multiplied by ``α/r`` (or ``α/√r``).
    rank_stabilized : bool
        Use ``scaling = α/√r`` (rsLoRA) instead of ``α/r``.
    init : {"lora", "pissa"}
        Standard initialisation (random ``A``, zero ``B``) or PiSSA.
    seed : int
        Seed of the random ``A`` (``init="lora"``); the global generator is not touched.

    Examples
    --------
    >>> layer = LoRALinear(nn.Linear(64, 32), r=4, alpha=8.0)
    >>> layer.A.shape, layer.B.shape, layer.scaling
    (torch.Size([4, 64]), torch.Size([32, 4]), 2.0)
    """

    def __init__(
        self,
        base: nn.Linear,
        r: int,
        alpha: float,
        *,
        rank_stabilized: bool = False,
        init: str = "lora",
        seed: int = 0,
    ) -> None:
        if not isinstance(base, nn.Linear):
            raise TypeError(f"'base' must be a torch.nn.Linear, got {type(base).__name__}")
        r = check_rank(r, "r", maximum=min(base.in_features, base.out_features), minimum=1)
        alpha = check_positive(alpha, "alpha")
        if not isinstance(rank_stabilized, bool):
            raise TypeError(f"'rank_stabilized' must be a bool, got {type(rank_stabilized).__name__}")
        if init not in _INITS:
            raise ValueError(f"'init' must be one of {_INITS}, got {init!r}")
        seed = check_int(seed, "seed")
        super().__init__()
        self.base = base.requires_grad_(False)
        self.r = r
        self.alpha = alpha
        self.rank_stabilized = rank_stabilized
        self.scaling = alpha / math.sqrt(r) if rank_stabilized else alpha / r
        self.merged = False
        weight = base.weight
        self.A = nn.Parameter(torch.empty(r, base.in_features, dtype=weight.dtype, device=weight.device))
        self.B = nn.Parameter(torch.zeros(base.out_features, r, dtype=weight.dtype, device=weight.device))
        with torch.no_grad():
            if init == "lora":
                generator = torch.Generator(device=weight.device).manual_seed(seed)
                nn.init.kaiming_uniform_(self.A, a=math.sqrt(5), generator=generator)
            else:
                U, S, Vh = torch.linalg.svd(weight.double(), full_matrices=False)
                root = torch.sqrt(S[:r] / self.scaling)
                self.A.copy_(root[:, None] * Vh[:r])
                self.B.copy_(U[:, :r] * root)
                base.weight.sub_(self.delta_weight)

    @property
    def delta_weight(self) -> torch.Tensor:
        """The update ``ΔW = scaling · B @ A`` (``out_features × in_features``)."""
        return self.scaling * (self.B @ self.A)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.merged:
            return self.base(x)
        return self.base(x) + self.scaling * ((x @ self.A.T) @ self.B.T)

    def merge(self) -> None:
        """Add ``ΔW`` into ``base.weight``: one matmul per forward, as in the base layer.

        Raises ``ValueError`` if the layer is already merged (merging twice would add
        ``ΔW`` twice).  Train only unmerged: ``A`` and ``B`` get no gradient while merged.
        """
        if self.merged:
            raise ValueError("the layer is already merged ('merged' is True); call unmerge() first")
        with torch.no_grad():
            self.base.weight.add_(self.delta_weight)
        self.merged = True

    def unmerge(self) -> None:
        """Subtract ``ΔW`` from ``base.weight`` again (``W₀`` comes back up to rounding)."""
        if not self.merged:
            raise ValueError("the layer is not merged ('merged' is False); nothing to unmerge")
        with torch.no_grad():
            self.base.weight.sub_(self.delta_weight)
        self.merged = False

    def extra_repr(self) -> str:
        kind = "α/√r" if self.rank_stabilized else "α/r"
        return f"r={self.r}, alpha={self.alpha:g}, scaling={self.scaling:g} ({kind}), merged={self.merged}"


def add_lora(
    model: nn.Module,
    targets: Iterable[str],
    r: int,
    alpha: float,
    *,
    rank_stabilized: bool = False,
    init: str = "lora",
    seed: int = 0,
) -> nn.Module:
    """A copy of ``model`` whose named ``nn.Linear`` layers are wrapped in :class:`LoRALinear`.

    Introduced in chapter 7.  Every other parameter of the copy is frozen, so only the
    ``A`` and ``B`` factors train; ``model`` itself is left untouched.

    Parameters
    ----------
    model : torch.nn.Module
    targets : iterable of str
        Names of the layers to adapt, as in ``model.named_modules()`` (``"0"``, ``"2"``
        for an ``nn.Sequential``; ``"encoder.proj"`` for nested modules).
    r, alpha, rank_stabilized, init :
        As for :class:`LoRALinear`.
    seed : int
        The ``k``-th target (in the order given) draws its ``A`` with seed ``seed + k``.

    Returns
    -------
    torch.nn.Module

    Examples
    --------
    >>> from svdlab.training import make_mlp
    >>> lora_model = add_lora(make_mlp((64, 32, 10)), ["0", "2"], r=2, alpha=2.0)
    >>> parameter_count(lora_model)
    ParameterCount(trainable=276, total=2686)
    """
    model = _check_module(model)
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Iterable):
        raise TypeError(f"'targets' must be an iterable of layer names, got {type(targets).__name__}")
    names = list(targets)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"'targets' must be a non-empty list of layer names, got {names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"'targets' names a layer twice: {names!r}")
    modules = dict(model.named_modules())
    for name in names:
        if name not in modules:
            known = [n for n, m in modules.items() if isinstance(m, nn.Linear)]
            raise ValueError(f"'targets': the model has no layer {name!r}; its nn.Linear layers are {known}")
        if not isinstance(modules[name], nn.Linear):
            raise TypeError(f"'targets': layer {name!r} is a {type(modules[name]).__name__}, not an nn.Linear")
    seed = check_int(seed, "seed")
    adapted = copy.deepcopy(model).requires_grad_(False)
    for k, name in enumerate(names):
        parent_name, _, child = name.rpartition(".")
        parent = adapted.get_submodule(parent_name)
        wrapped = LoRALinear(
            getattr(parent, child), r, alpha, rank_stabilized=rank_stabilized, init=init, seed=seed + k
        )
        setattr(parent, child, wrapped)
    return adapted


@dataclass(frozen=True)
class ParameterCount:
    """How many scalar parameters a model has, and how many of them train."""

    trainable: int
    total: int

    @property
    def share(self) -> float:
        """``trainable / total``."""
        return self.trainable / self.total


def parameter_count(model: nn.Module) -> ParameterCount:
    """Trainable and total parameters of ``model`` (LoRA factors included in the total).

    Introduced in chapter 7; counts with :func:`svdlab.training.count_parameters`.
    """
    model = _check_module(model)
    return ParameterCount(count_parameters(model, trainable_only=True), count_parameters(model))


def _lora_layers(model: nn.Module) -> list[tuple[str, LoRALinear]]:
    return [(name, m) for name, m in model.named_modules() if isinstance(m, LoRALinear)]


def set_merged(model: nn.Module, merged: bool) -> nn.Module:
    """Merge (``merged=True``) or unmerge every :class:`LoRALinear` of ``model`` in place.

    Introduced in chapter 7.  Layers already in the requested state are left alone.
    Returns ``model``.
    """
    model = _check_module(model)
    if not isinstance(merged, bool):
        raise TypeError(f"'merged' must be a bool, got {type(merged).__name__}")
    for _, layer in _lora_layers(model):
        if merged and not layer.merged:
            layer.merge()
        elif not merged and layer.merged:
            layer.unmerge()
    return model


@torch.no_grad()
def merge_lora(model: nn.Module) -> nn.Module:
    """A new model in which every :class:`LoRALinear` is a plain ``nn.Linear`` with ``W₀ + ΔW``.

    Introduced in chapter 7.  Works whether the layers are merged or not; ``model`` is
    left untouched.  The result has the base model's architecture and cost; its
    parameters are frozen (``requires_grad=False``), as in the LoRA model.
    """
    model = _check_module(model)
    layers = _lora_layers(model)
    if not layers:
        raise ValueError("'model' has no LoRALinear layer to merge")
    plain = copy.deepcopy(model)
    for name, layer in _lora_layers(plain):
        base = layer.base
        linear = nn.Linear(base.in_features, base.out_features, bias=base.bias is not None)
        linear = linear.to(device=base.weight.device, dtype=base.weight.dtype)
        linear.weight.copy_(base.weight if layer.merged else base.weight + layer.delta_weight)
        if base.bias is not None:
            linear.bias.copy_(base.bias)
        parent_name, _, child = name.rpartition(".")
        setattr(plain.get_submodule(parent_name), child, linear.requires_grad_(False))
    return plain


def _as_factor(value: Any, name: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().double()
    return as_matrix(value, name)


def subspace_similarity(A1: Any, A2: Any) -> np.ndarray:
    """Normalised subspace similarity of two LoRA ``A`` factors, as in Hu et al. (2022), §7.

    Introduced in chapter 7.  With ``U₁`` and ``U₂`` the right-singular vectors of ``A1``
    (``r₁ × in``) and ``A2`` (``r₂ × in``), ordered by singular value,

        φ(i, j) = ‖U₁[:, :i]ᵀ U₂[:, :j]‖²_F / min(i, j)  ∈ [0, 1]:

    1 when one top subspace contains the other, 0 when they are orthogonal.

    Parameters
    ----------
    A1, A2 : array_like or torch.Tensor, shapes (r₁, n) and (r₂, n)

    Returns
    -------
    numpy.ndarray, shape (r₁, r₂)
        Entry ``[i - 1, j - 1]`` is ``φ(i, j)``.

    Examples
    --------
    >>> phi = subspace_similarity([[2.0, 0, 0], [0, 1.0, 0]], [[0, 3.0, 0], [0, 0, 1.0]])
    >>> phi.round(3).tolist()
    [[0.0, 0.0], [1.0, 0.5]]
    """
    A1, A2 = _as_factor(A1, "A1"), _as_factor(A2, "A2")
    if A1.shape[1] != A2.shape[1]:
        raise ValueError(f"'A2' must have {A1.shape[1]} columns like 'A1', got shape {A2.shape}")
    for name, A in (("A1", A1), ("A2", A2)):
        if A.shape[0] > A.shape[1]:
            raise ValueError(f"'{name}' must be wide (r × n with r <= n), got shape {A.shape}")
    Vt1 = np.linalg.svd(A1, full_matrices=False)[2]
    Vt2 = np.linalg.svd(A2, full_matrices=False)[2]
    overlap = (Vt1 @ Vt2.T) ** 2  # entry (a, b): (v₁ₐ · v₂ᵦ)²
    cumulative = overlap.cumsum(axis=0).cumsum(axis=1)  # ‖U₁[:, :i]ᵀ U₂[:, :j]‖²_F
    i, j = np.arange(1, len(Vt1) + 1), np.arange(1, len(Vt2) + 1)
    return cumulative / np.minimum.outer(i, j)


def energy_captured(delta: Any, r: int) -> float:
    """Share of ``‖ΔW‖²_F`` held by the top ``r`` singular directions: ``Σᵢ≤ᵣ σᵢ² / Σᵢ σᵢ²``.

    Introduced in chapter 7.  By the Eckart–Young theorem this is ``1 − ‖ΔW − ΔW_r‖²_F/‖ΔW‖²_F``,
    the fit of the best rank-``r`` approximation.

    Parameters
    ----------
    delta : array_like or torch.Tensor, shape (m, n)
        The update, e.g. ``W_finetuned − W₀``; not all zero.
    r : int
        ``1 <= r <= min(m, n)``.

    Examples
    --------
    >>> energy_captured(np.diag([3.0, 1.0]), r=1)
    0.9
    """
    delta = _as_factor(delta, "delta")
    r = check_rank(r, "r", maximum=min(delta.shape), minimum=1)
    s = np.linalg.svd(delta, compute_uv=False)
    total = float(np.sum(s**2))
    if total == 0:
        raise ValueError("'delta' is all zeros: no energy to capture")
    return float(np.sum(s[:r] ** 2) / total)
