"""Chapter 6 helpers: compress a trained network by factorising its linear layers with the SVD.

A dense layer ``y = W x + b`` with ``W`` of shape ``(out, in)`` becomes two thinner layers
``y = B (A x) + b`` with ``A`` of shape ``(rank, in)`` and ``B`` of shape ``(out, rank)``,
taken from the truncated SVD of ``W`` (plain), or of ``W S`` where ``S Sᵀ`` is the
second-moment matrix of the layer's inputs (activation-aware).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterable, Mapping
from typing import Optional, Union

import numpy as np
import torch
from torch import nn
from torch.utils import benchmark

from ._validation import check_fraction, check_positive, check_rank
from .lowrank import energy_rank

__all__ = [
    "FactorizedLinear",
    "break_even_rank",
    "compress_model",
    "linear_parameter_count",
    "measure_latency",
    "state_dict_bytes",
]

_MAX_WIDTH = np.iinfo(np.int64).max


def _check_linear(linear: nn.Module, name: str = "linear") -> nn.Linear:
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"'{name}' must be a torch.nn.Linear, got {type(linear).__name__}")
    return linear


def _check_module(model: nn.Module, name: str = "model") -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"'{name}' must be a torch.nn.Module, got {type(model).__name__}")
    return model


def _check_inputs(inputs: torch.Tensor, width: int, name: str) -> torch.Tensor:
    if not isinstance(inputs, torch.Tensor) or inputs.ndim != 2 or not inputs.is_floating_point():
        raise TypeError(f"'{name}' must be a 2-D floating-point torch.Tensor (samples × features)")
    if inputs.shape[1] != width or inputs.shape[0] == 0:
        raise ValueError(f"'{name}' must have shape (N >= 1, {width}), got {tuple(inputs.shape)}")
    if not torch.isfinite(inputs).all():
        raise ValueError(f"'{name}' must hold only finite numbers")
    return inputs


def _whitening_factor(second_moment: torch.Tensor, damping: float) -> torch.Tensor:
    """Lower-triangular ``L`` with ``L Lᵀ = C + damping · mean(diag C) · I`` (float64)."""
    n = second_moment.shape[0]
    shift = damping * float(torch.diagonal(second_moment).mean())
    regularised = second_moment + shift * torch.eye(n, dtype=second_moment.dtype, device=second_moment.device)
    factor, info = torch.linalg.cholesky_ex(regularised)
    if int(info) != 0:
        raise ValueError(
            "the calibration inputs do not span every input direction, so their second-moment "
            "matrix is singular: pass 'damping' > 0"
        )
    return factor


def _factors(
    weight: torch.Tensor,
    rank: Optional[int],
    energy: Optional[float],
    whitening: Optional[torch.Tensor],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(A, B)`` with ``B A`` the best rank-r approximation (plain or whitened), √σ split."""
    target = weight.double()
    if whitening is not None:
        target = target @ whitening
    U, s, Vt = torch.linalg.svd(target, full_matrices=False)
    r = rank if rank is not None else energy_rank(s.cpu().numpy(), energy)
    root = torch.sqrt(s[:r])
    first = root[:, None] * Vt[:r]  # Σ_r^½ V_rᵀ
    second = U[:, :r] * root  # U_r Σ_r^½
    if whitening is not None:  # map back: A ← A L⁻¹, solving X L = A
        first = torch.linalg.solve_triangular(whitening, first, upper=False, left=False)
    return first, second


class FactorizedLinear(nn.Module):
    """A linear layer stored as two thinner ones: ``x ↦ second(first(x))``.

    ``first`` maps ``in_features → rank`` (no bias) and ``second`` maps
    ``rank → out_features`` (with the bias). The weight ``second.weight @ first.weight``
    has rank at most ``rank`` and costs ``rank · (in + out)`` numbers instead of
    ``in · out``. Introduced in chapter 6.

    Parameters
    ----------
    in_features, out_features : int
        Widths of the input and output, both >= 1.
    rank : int
        Inner width, ``1 <= rank <= min(in_features, out_features)``.
    bias : bool
        Whether ``second`` has a bias.

    Examples
    --------
    >>> dense = nn.Linear(64, 32)
    >>> small = FactorizedLinear.from_linear(dense, rank=8)
    >>> small.first.weight.shape, small.second.weight.shape
    (torch.Size([8, 64]), torch.Size([32, 8]))
    """

    def __init__(self, in_features: int, out_features: int, rank: int, bias: bool = True) -> None:
        super().__init__()
        in_features = check_rank(in_features, "in_features", maximum=_MAX_WIDTH, minimum=1)
        out_features = check_rank(out_features, "out_features", maximum=_MAX_WIDTH, minimum=1)
        rank = check_rank(rank, "rank", maximum=min(in_features, out_features), minimum=1)
        if not isinstance(bias, bool):
            raise TypeError(f"'bias' must be a bool, got {type(bias).__name__}")
        self.in_features, self.out_features, self.rank = in_features, out_features, rank
        self.first = nn.Linear(in_features, rank, bias=False)
        self.second = nn.Linear(rank, out_features, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(x))

    @property
    def effective_weight(self) -> torch.Tensor:
        """The ``out × in`` matrix ``second.weight @ first.weight`` this layer applies (detached)."""
        return (self.second.weight @ self.first.weight).detach()

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}"

    @classmethod
    def from_linear(
        cls,
        linear: nn.Linear,
        rank: int,
        *,
        calibration: Optional[torch.Tensor] = None,
        damping: float = 1e-2,
    ) -> "FactorizedLinear":
        """Factorise a trained ``nn.Linear`` with its truncated SVD; the bias is copied.

        With ``W = U Σ Vᵀ``, the new layer has ``first.weight = Σ_r^½ V_rᵀ`` and
        ``second.weight = U_r Σ_r^½``, so their product is the best rank-r
        approximation ``W_r`` (Eckart–Young), and the two factors are equally large.

        With ``calibration`` inputs ``X`` (one sample per row), the factorisation is
        activation-aware: ``C = XᵀX / N`` is regularised to ``C + damping · mean(diag C) · I``,
        written ``L Lᵀ`` (Cholesky), and ``W L`` is truncated instead of ``W``; mapping back
        with ``L⁻¹`` gives the rank-r matrix closest to ``W`` in ``‖(W − W′) Xᵀ‖_F``
        (exactly so when ``damping = 0``), as in SVD-LLM (Wang et al., 2025).

        Parameters
        ----------
        linear : torch.nn.Linear
            The trained layer (left unchanged).
        rank : int
            ``1 <= rank <= min(in_features, out_features)``.
        calibration : torch.Tensor, optional
            Inputs to this layer, shape ``(N, in_features)``.
        damping : float
            Relative ridge added to ``C`` (>= 0); ignored without ``calibration``.

        Returns
        -------
        FactorizedLinear
            On the device and with the dtype of ``linear``.
        """
        linear = _check_linear(linear)
        rank = check_rank(rank, "rank", maximum=min(linear.in_features, linear.out_features), minimum=1)
        whitening = _layer_whitening(linear, calibration, damping)
        return cls._from_factors(linear, *_factors(linear.weight.detach(), rank, None, whitening))

    @classmethod
    def _from_factors(cls, linear: nn.Linear, first: torch.Tensor, second: torch.Tensor) -> "FactorizedLinear":
        layer = cls(linear.in_features, linear.out_features, first.shape[0], bias=linear.bias is not None)
        layer = layer.to(device=linear.weight.device, dtype=linear.weight.dtype)
        with torch.no_grad():
            layer.first.weight.copy_(first)
            layer.second.weight.copy_(second)
            if linear.bias is not None:
                layer.second.bias.copy_(linear.bias)
        return layer


def _layer_whitening(linear: nn.Linear, calibration: Optional[torch.Tensor], damping: float) -> Optional[torch.Tensor]:
    damping = check_positive(damping, "damping", allow_zero=True)
    if calibration is None:
        return None
    X = _check_inputs(calibration, linear.in_features, "calibration").detach().double()
    return _whitening_factor(X.T @ X / X.shape[0], damping)


def compress_model(
    model: nn.Module,
    rank: Union[int, Mapping[str, int], None] = None,
    *,
    energy: Optional[float] = None,
    layers: Optional[Iterable[str]] = None,
    calibration: Optional[torch.Tensor] = None,
    damping: float = 1e-2,
) -> nn.Module:
    """Return a copy of ``model`` whose linear layers are replaced by :class:`FactorizedLinear`.

    The original model is not modified (the copy is deep). Give exactly one of ``rank``
    and ``energy``. Introduced in chapter 6.

    Parameters
    ----------
    model : torch.nn.Module
        A model containing ``nn.Linear`` layers, e.g. from :func:`svdlab.training.make_mlp`.
    rank : int or mapping from layer name to int, optional
        The rank of every compressed layer, or one rank per layer name.
    energy : float, optional
        In (0, 1]: each layer keeps the smallest rank whose singular values hold this
        share of the squared Frobenius norm (of ``W``, or of ``W L`` when activation-aware),
        as :func:`svdlab.lowrank.energy_rank` picks it.
    layers : iterable of str, optional
        Names (as in ``model.named_modules()``) of the ``nn.Linear`` layers to compress;
        default every ``nn.Linear`` (or the keys of ``rank`` when it is a mapping).
    calibration : torch.Tensor, optional
        A batch of *model* inputs. When given, each layer is factorised activation-aware
        (see :meth:`FactorizedLinear.from_linear`) with the inputs that layer receives
        in the original model.
    damping : float
        Relative ridge for the activation-aware factorisation (>= 0).

    Returns
    -------
    torch.nn.Module
        The compressed copy, in eval mode.

    Examples
    --------
    >>> from svdlab.training import make_mlp
    >>> small = compress_model(make_mlp((64, 32, 10)), rank=4, layers=["0"])
    >>> type(small[0]).__name__, small[0].rank
    ('FactorizedLinear', 4)
    """
    model = _check_module(model)
    if (rank is None) == (energy is None):
        raise ValueError("give exactly one of 'rank' and 'energy'")
    if energy is not None:
        energy = check_fraction(energy, "energy")
    damping = check_positive(damping, "damping", allow_zero=True)
    modules = dict(model.named_modules())
    if layers is None:
        layers = rank.keys() if isinstance(rank, Mapping) else (n for n, m in modules.items() if isinstance(m, nn.Linear))
    elif isinstance(layers, str):
        raise TypeError(f"'layers' must be an iterable of layer names, got the string {layers!r}")
    names = list(layers)
    for name in names:
        if name not in modules:
            raise ValueError(f"'layers' names {name!r}, which is not a submodule of 'model'")
        _check_linear(modules[name], "layers")
    if not names:
        raise ValueError("'layers' is empty: 'model' has no nn.Linear layer to compress")
    ranks = _ranks_per_layer(rank, names, modules)
    inputs = _layer_inputs(model, names, calibration) if calibration is not None else {}

    compressed = copy.deepcopy(model)
    for name in names:
        linear = modules[name]
        whitening = _layer_whitening(linear, inputs.get(name), damping)
        factors = _factors(linear.weight.detach(), ranks.get(name), energy, whitening)
        parent_name, _, child = name.rpartition(".")
        setattr(compressed.get_submodule(parent_name), child, FactorizedLinear._from_factors(linear, *factors))
    return compressed.eval()


def _ranks_per_layer(rank, names: list[str], modules: dict[str, nn.Module]) -> dict[str, int]:
    if rank is None:
        return {}
    if isinstance(rank, Mapping):
        missing = [n for n in names if n not in rank]
        if missing:
            raise ValueError(f"'rank' gives no rank for the layers {missing}")
        extra = [n for n in rank if n not in names]
        if extra:
            raise ValueError(f"'rank' names layers that are not compressed: {extra}")
        wanted = dict(rank)
    else:
        wanted = {name: rank for name in names}
    return {
        name: check_rank(
            wanted[name], "rank", maximum=min(modules[name].in_features, modules[name].out_features), minimum=1
        )
        for name in names
    }


@torch.no_grad()
def _layer_inputs(model: nn.Module, names: list[str], calibration: torch.Tensor) -> dict[str, torch.Tensor]:
    """The inputs each named layer receives when ``model`` runs on ``calibration``.

    A layer called several times in one forward pass (shared weights) gets all its inputs.
    """
    if not isinstance(calibration, torch.Tensor) or not calibration.is_floating_point():
        raise TypeError("'calibration' must be a floating-point torch.Tensor of model inputs")
    seen: dict[str, list[torch.Tensor]] = {name: [] for name in names}
    modules = dict(model.named_modules())
    hooks = [
        modules[name].register_forward_hook(lambda module, args, output, name=name: seen[name].append(args[0]))
        for name in names
    ]
    was_training = model.training
    try:
        model.eval()
        model(calibration)
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    unused = [name for name, calls in seen.items() if not calls]
    if unused:
        raise ValueError(f"'calibration' never reaches the layers {unused}: the model's forward does not call them")
    return {name: torch.cat([x.reshape(-1, x.shape[-1]) for x in calls]) for name, calls in seen.items()}


def linear_parameter_count(in_features: int, out_features: int, rank: Optional[int] = None, bias: bool = True) -> int:
    """Number of parameters of a linear layer: ``mn (+ m)`` dense, ``r(m + n) (+ m)`` factorised.

    Here ``m = out_features`` and ``n = in_features``. Introduced in chapter 6.

    Examples
    --------
    >>> linear_parameter_count(256, 256), linear_parameter_count(256, 256, rank=16)
    (65792, 8448)
    """
    n = check_rank(in_features, "in_features", maximum=_MAX_WIDTH, minimum=1)
    m = check_rank(out_features, "out_features", maximum=_MAX_WIDTH, minimum=1)
    if not isinstance(bias, bool):
        raise TypeError(f"'bias' must be a bool, got {type(bias).__name__}")
    weights = m * n if rank is None else check_rank(rank, "rank", maximum=min(m, n), minimum=1) * (m + n)
    return weights + (m if bias else 0)


def break_even_rank(in_features: int, out_features: int) -> int:
    """Largest rank ``r`` with ``r (m + n) < m n``: beyond it factorising saves nothing.

    Returns 0 when no rank saves parameters (e.g. a layer with one input). The factors
    absorb the singular values here; chapter 4's :func:`svdlab.lowrank.svd_break_even_rank`
    stores them apart (``r (m + n + 1)``). Introduced in chapter 6.

    Examples
    --------
    >>> break_even_rank(256, 256), break_even_rank(64, 256)
    (127, 51)
    """
    n = check_rank(in_features, "in_features", maximum=_MAX_WIDTH, minimum=1)
    m = check_rank(out_features, "out_features", maximum=_MAX_WIDTH, minimum=1)
    return (m * n - 1) // (m + n)


def state_dict_bytes(model: nn.Module) -> int:
    """Size in bytes of ``torch.save(model.state_dict())``, measured in memory.

    A file written by ``torch.save`` has this size up to a few bytes per tensor (the
    records inside its zip archive are named after the file). Introduced in chapter 6.
    """
    buffer = io.BytesIO()
    torch.save(_check_module(model).state_dict(), buffer)
    return buffer.getbuffer().nbytes


def measure_latency(
    module: nn.Module, inputs: torch.Tensor, *, min_run_time: float = 0.2, num_threads: int = 1
) -> benchmark.Measurement:
    """Time ``module(inputs)`` without autograd with :class:`torch.utils.benchmark.Timer`.

    ``blocked_autorange`` repeats the call in blocks until ``min_run_time`` seconds have
    passed; read ``.median`` (seconds per call) or print the measurement. Introduced in
    chapter 6.

    Parameters
    ----------
    module : torch.nn.Module
    inputs : torch.Tensor
        One batch, on the module's device.
    min_run_time : float
        Seconds of measuring (> 0); short runs are noisier.
    num_threads : int
        Threads torch may use while timing (>= 1).
    """
    module = _check_module(module, "module")
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"'inputs' must be a torch.Tensor, got {type(inputs).__name__}")
    min_run_time = check_positive(min_run_time, "min_run_time")
    num_threads = check_rank(num_threads, "num_threads", maximum=1024, minimum=1)
    timer = benchmark.Timer(stmt="module(inputs)", globals={"module": module, "inputs": inputs}, num_threads=num_threads)
    with torch.inference_mode():
        return timer.blocked_autorange(min_run_time=min_run_time)
