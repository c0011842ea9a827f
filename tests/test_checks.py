"""Unit tests for svdlab.checks: every check passes right answers, reports stubs as not
answered, and fails known-wrong answers with a message that does not give the answer away."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from conftest import BadInput
from svdlab import checks
from svdlab.checks import NotAnsweredError, WrongAnswerError

RNG = np.random.default_rng(0)
A_TALL = RNG.standard_normal((5, 3))
S_TALL = np.linalg.svd(A_TALL, compute_uv=False)
DIGEST_C = checks.digest("c")
DIGEST_8 = checks.digest(8)
DIGEST_PI = checks.digest(np.pi, digits=3)


def truncate(A, r):
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return U[:, :r] @ np.diag(s[:r]) @ Vt[:r]


def relative_errors(A, ranks):
    return [np.linalg.norm(A - truncate(A, r)) / np.linalg.norm(A) for r in ranks]


BAD_INPUTS = [
    BadInput(checks.exercise, (3,), {}, TypeError, "label"),
    BadInput(checks.exercise, ("  ",), {}, TypeError, "label"),
    BadInput(checks.progress, (5,), {}, TypeError, "expected"),
    BadInput(checks.progress, ("1.1",), {}, TypeError, "expected"),
    BadInput(checks.answered, (1.0,), {"name": 3}, TypeError, "name"),
    BadInput(checks.digest, ("",), {}, ValueError, "answer"),
    BadInput(checks.digest, (1.5,), {}, TypeError, "answer"),
    BadInput(checks.digest, ("x",), {"digits": 3}, TypeError, "answer"),
    BadInput(checks.digest, (1.5,), {"digits": 0}, ValueError, "digits"),
    BadInput(checks.choice, ("a",), {"options": [], "digest": DIGEST_C}, TypeError, "options"),
    BadInput(checks.choice, ("a",), {"options": "abc", "digest": "c"}, ValueError, "digest"),
    BadInput(checks.integer, (8,), {"digest": 8}, ValueError, "digest"),
    BadInput(checks.number, (3.14,), {"digest": DIGEST_PI, "digits": 16}, ValueError, "digits"),
    BadInput(checks.close, (1.0, "x"), {}, TypeError, "expected"),
    BadInput(checks.close, (1.0, 1.0), {"rtol": -1.0}, ValueError, "rtol"),
    BadInput(checks.singular_values, ([1.0],), {"A": [1.0, 2.0]}, ValueError, "A"),
    BadInput(checks.singular_values, ([1.0], [[1.0]]), {"rtol": "x"}, TypeError, "rtol"),
    BadInput(checks.svd_factors, ((1, 2, 3), [[1.0]]), {"tol": 0.0}, ValueError, "tol"),
    BadInput(checks.svd_factors, ((1, 2, 3), "A"), {}, TypeError, "A"),
    BadInput(checks.low_rank_approximation, (truncate, A_TALL, 4), {}, ValueError, "r"),
    BadInput(checks.low_rank_approximation, (truncate, A_TALL, 1.5), {}, TypeError, "r"),
    BadInput(checks.truncation_errors, ([0.1], A_TALL, "1"), {}, TypeError, "ranks"),
    BadInput(checks.truncation_errors, ([0.1], A_TALL, [9]), {}, ValueError, "ranks"),
    BadInput(checks.truncation_errors, ([0.1], A_TALL, [1]), {"norm": "nuc"}, ValueError, "norm"),
    BadInput(checks.truncation_errors, ([0.1], A_TALL, [1]), {"relative": 1}, TypeError, "relative"),
]


# Each entry: a check, a right answer, and wrong answers with a fragment of the expected message.
CASES = {
    "singular_values": (
        lambda answer: checks.singular_values(answer, A_TALL),
        S_TALL,
        [
            (S_TALL[:2], "3 singular values"),
            (np.r_[S_TALL[:2], np.nan], "NaN"),
            (-S_TALL, "never negative"),
            (S_TALL[::-1], "largest first"),
            (2 * S_TALL, "add up to"),
            (np.sqrt(S_TALL**2 + np.array([1.0, -1.0, 0.0])), "not its singular values"),
            ("1, 2, 3", "expected 3 numbers"),
            (None, "forget to `return`"),
        ],
    ),
    "choice": (
        lambda answer: checks.choice(answer, options="abcd", digest=DIGEST_C),
        "(C)",
        [("b", "not the right choice"), ("e", "not one of the options"), (3, "as a string")],
    ),
    "integer": (
        lambda answer: checks.integer(answer, digest=DIGEST_8),
        np.int64(8),
        [(7, "7 is not right"), (8.5, "whole number"), (True, "whole number"), ("8", "whole number")],
    ),
    "number": (
        lambda answer: checks.number(answer, digest=DIGEST_PI, digits=3),
        3.1416,
        [(3.2, "not right"), (-3.14, "not right"), (float("nan"), "finite real number"), ([3.14], "finite real")],
    ),
    "close": (
        lambda answer: checks.close(answer, [1.0, 2.0], rtol=1e-6),
        np.array([1.0, 2.0 + 1e-9]),
        [([1.0, 2.1], "off by up to"), ([1.0], "shape (2,)"), ([1.0, np.inf], "NaN or infinity")],
    ),
    "svd_factors": (
        lambda answer: checks.svd_factors(answer, A_TALL),
        np.linalg.svd(A_TALL, full_matrices=False),
        [
            ((np.linalg.svd(A_TALL)[0][:, :2], S_TALL, np.eye(3)), "U is 5×5 (full) or 5×3 (thin)"),
            ((np.ones((5, 3)), S_TALL, np.eye(3)), "columns of U are not orthonormal"),
            ((np.linalg.svd(A_TALL, full_matrices=False)[0], S_TALL, np.linalg.svd(A_TALL)[2].T), "does not give back A"),
            ((np.eye(5, 3), S_TALL[::-1], np.eye(3)), "sorted largest first"),
            ([np.eye(5, 3), S_TALL], "three arrays"),
        ],
    ),
    "low_rank_approximation": (
        lambda answer: checks.low_rank_approximation(answer, A_TALL, 2),
        truncate,
        [
            (lambda A, r: truncate(A, r + 1), "has rank 3"),
            (lambda A, r: truncate(A, r)[:, :2], "expected a 5×3 matrix"),
            (lambda A, r: A[:, :r] @ np.linalg.pinv(A[:, :r]) @ A, "not the best rank-2 approximation"),
            (lambda A, r: np.linalg.svd(A, full_matrices=False), "expected a 5×3 matrix"),
            (lambda A, r: A.__imul__(0.0), "changed its argument"),
            (3.0, "expected a function"),
        ],
    ),
    "truncation_errors": (
        lambda answer: checks.truncation_errors(answer, A_TALL, [1, 2, 3]),
        relative_errors(A_TALL, [1, 2, 3]),
        [
            (relative_errors(A_TALL, [1, 2]), "one error per rank"),
            ([np.linalg.norm(A_TALL - truncate(A_TALL, r)) for r in (1, 2, 3)], "absolute errors"),
            ([S_TALL[1] / S_TALL[0], S_TALL[2] / S_TALL[0], 0.0], "other norm"),
            (relative_errors(A_TALL, [2, 3, 3]), "for r = 1"),
        ],
    ),
}
WRONG = [(name, wrong, fragment) for name, (_, _, rows) in CASES.items() for wrong, fragment in rows]


@pytest.mark.parametrize("name", CASES)
def test_a_right_answer_passes(name):
    check, right, _ = CASES[name]
    check(right)


@pytest.mark.parametrize("name", CASES)
def test_a_stub_is_not_answered(name):
    check = CASES[name][0]
    with pytest.raises(NotAnsweredError, match=r"Replace the `\.\.\.`"):
        check(...)


@pytest.mark.parametrize(("name", "wrong", "fragment"), WRONG, ids=[f"{n}-{f}" for n, _, f in WRONG])
def test_a_wrong_answer_fails_with_a_specific_message(name, wrong, fragment):
    check = CASES[name][0]
    with pytest.raises(WrongAnswerError) as raised:
        check(wrong)
    assert fragment in str(raised.value)


def test_messages_never_print_the_singular_values():
    for wrong, _ in CASES["singular_values"][2]:
        with pytest.raises(WrongAnswerError) as raised:
            checks.singular_values(wrong, A_TALL)
        for value in S_TALL:
            for text in (f"{value:.2f}", f"{value:.3g}", f"{value:.4g}"):
                assert text not in str(raised.value)


def test_a_list_holding_a_stub_is_not_answered():
    with pytest.raises(NotAnsweredError):
        checks.singular_values([..., 1.0, 0.5], A_TALL)


def test_a_torch_tensor_answer_is_accepted():
    torch = pytest.importorskip("torch")
    checks.singular_values(torch.from_numpy(S_TALL), A_TALL)


def test_number_forgives_rounding_at_a_boundary_but_not_two_units():
    right = 2.345  # rounds to 2.35 or 2.34 depending on representation: both are accepted
    code = checks.digest(right, digits=3)
    for answer in (2.345, 2.3449, 2.3451, 2.34, 2.35, 2.336, 2.354):
        checks.number(answer, digest=code, digits=3)
    for answer in (2.32, 2.37, 23.45):
        with pytest.raises(WrongAnswerError):
            checks.number(answer, digest=code, digits=3)


def test_number_handles_a_carry_into_the_next_decade():
    code = checks.digest(9.996, digits=3)  # rounds to 1.00e+01
    checks.number(9.99, digest=code, digits=3)
    checks.number(10.04, digest=code, digits=3)


def test_digests_differ_by_kind_and_ignore_case_and_parentheses():
    assert checks.digest("(B)") == checks.digest(" b ")
    assert checks.digest(8) == checks.digest(8.0) == checks.digest(np.int32(8))
    assert checks.digest(8) != checks.digest("8") != checks.digest(8.0, digits=3)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(-10, 10)))
def test_singular_values_accepts_numpys_values_and_rejects_a_perturbation(A):
    s = np.linalg.svd(A, compute_uv=False)
    checks.singular_values(s, A, rtol=1e-9, atol=1e-12)
    if s[0] > 1e-3:
        wrong = s.copy()
        wrong[0] *= 1.01
        with pytest.raises(WrongAnswerError):
            checks.singular_values(wrong, A, rtol=1e-6)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(2, 6)), elements=st.floats(-10, 10)), st.data())
def test_svd_factors_accepts_every_numpy_svd_and_rejects_one_flipped_sign(A, data):
    full = data.draw(st.booleans())
    U, s, Vt = np.linalg.svd(A, full_matrices=full)
    checks.svd_factors((U, s, Vt), A)
    if s[0] > 1e-3:  # flipping u₁ but not v₁ changes U Σ Vᵀ by 2σ₁u₁v₁ᵀ
        flipped = U.copy()
        flipped[:, 0] *= -1
        with pytest.raises(WrongAnswerError, match="does not give back A"):
            checks.svd_factors((flipped, s, Vt), A)


# ---- the exercise context manager and progress ------------------------------------------------


def test_report_mode_prints_one_line_and_swallows_the_failure(monkeypatch, capsys):
    monkeypatch.delenv(checks.MODE_VARIABLE, raising=False)
    with checks.exercise("9.1"):
        checks.integer(8, digest=DIGEST_8)
    with checks.exercise("9.2"):
        checks.integer(7, digest=DIGEST_8)
    with checks.exercise("9.3"):
        checks.integer(..., digest=DIGEST_8)
    with checks.exercise("9.4"):
        raise NotImplementedError("Write the body of f.")
    with checks.exercise("9.5"):
        [].pop()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "✓ Exercise 9.1: all checks pass."
    assert lines[1] == "✗ Exercise 9.2: not yet right. 7 is not right."
    assert lines[2].startswith("… Exercise 9.3: not answered yet. Replace the `...`")
    assert lines[3] == "… Exercise 9.4: not answered yet. Write the body of f."
    assert lines[4].startswith("✗ Exercise 9.5: not yet right. your code raised IndexError: pop from empty list (at line")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (lambda: checks.integer(7, digest=DIGEST_8), WrongAnswerError),
        (lambda: checks.integer(..., digest=DIGEST_8), NotAnsweredError),
        (lambda: undefined_answer_name, NotAnsweredError),  # noqa: F821 - the answer cell did not run
        (lambda: 1 / 0, WrongAnswerError),
    ],
)
def test_strict_mode_raises(monkeypatch, body, error):
    monkeypatch.setenv(checks.MODE_VARIABLE, "strict")
    with pytest.raises(error, match=r"^Exercise 9\.9: "):
        with checks.exercise("9.9"):
            body()


def test_keyboard_interrupt_is_not_swallowed(monkeypatch):
    monkeypatch.delenv(checks.MODE_VARIABLE, raising=False)
    with pytest.raises(KeyboardInterrupt):
        with checks.exercise("9.8"):
            raise KeyboardInterrupt


def test_progress_lists_expected_exercises_even_unchecked(monkeypatch, capsys):
    monkeypatch.delenv(checks.MODE_VARIABLE, raising=False)
    with checks.exercise("8.1"):
        pass
    with checks.exercise("8.2"):
        checks.answered(...)
    capsys.readouterr()
    checks.progress(["8.1", "8.2", "8.3"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Your progress: 1 of 3 exercises pass their checks."
    assert out[1:] == [
        "  ✓ Exercise 8.1: all checks pass.",
        "  … Exercise 8.2: not answered yet.",
        "  ? Exercise 8.3: not checked yet: run its check cell.",
    ]
