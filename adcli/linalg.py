"""TensorFlow's tf.linalg namespace: matrix products, determinants, inverses, solves, einsum.

Every function is composed of the engine's primitives (adcli/engine/ops.py) and needs
no rules of its own: gradients of any order, forward mode and one-pass Jacobians
follow from those of the primitives.

`det`, `slogdet`, `logdet`, `inv` and `solve` run Gaussian elimination with partial
pivoting (LAPACK's getrf, the algorithm behind numpy's and TensorFlow's) written as
whole-row operations: n steps for an n x n matrix (and any batch of them at once), each
a few recorded operations, O(n^3) arithmetic in all. The pivot rows are chosen from the
values, as LAPACK chooses them, and held fixed while differentiating (as TensorFlow's
gradient holds the LU factors' permutation), so derivatives are those of the smooth
function det (or inverse) wherever the matrix is invertible; at a singular matrix `det`
is 0 and its gradient is exact only when the zero pivot is the last one. `inv` and
`solve` raise on an exactly singular matrix, as TensorFlow does.

`einsum` contracts pairwise with matmul (as numpy's and opt_einsum's tensordot path
do): repeated indices within an operand are diagonals (indexing), indices in one
operand only are summed first, and each pair of operands becomes one batched matmul.
Imports the engine only.
"""

from __future__ import annotations

import math
import string
from typing import Any

from adcli.engine import ops
from adcli.engine.lazy_numpy import np
from adcli.engine.ops import matmul, norm
from adcli.engine.tensor import Tensor

__all__ = [
    "adjoint", "det", "diag", "diag_part", "einsum", "eye", "global_norm", "inv", "logdet",
    "matmul", "matrix_transpose", "matvec", "norm", "slogdet", "solve", "tensordot", "trace",
]


def _t(x: Any) -> Tensor:
    return ops.convert_to_tensor(x)


def _square_batch(matrix: Tensor, what: str) -> tuple[tuple[int, ...], int]:
    shape = tuple(matrix.shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{what} needs square matrices (shape [..., n, n]), not shape {shape}")
    return shape[:-2], shape[-1]


# -- Gaussian elimination with partial pivoting -------------------------------------

def _eliminate(m: Tensor, n: int) -> tuple[Tensor, np.ndarray]:
    """Row-reduce the first n columns of m (shape [B, n, n + k]) to upper triangular
    form, choosing as pivot the largest entry in absolute value of each column on and
    below the diagonal. Returns the reduced m and each batch member's permutation
    parity (+1 or -1). A column that is zero on and below the diagonal is left as it
    is (its pivot, 0, makes the matrix singular)."""
    batch = m.shape[0]
    members = np.arange(batch)[:, None]
    parity = np.ones(batch)
    for k in range(n):
        column = np.abs(m._value[:, k:, k])
        pivots = k + np.argmax(column, axis=1)
        if np.any(pivots != k):
            perm = np.tile(np.arange(n), (batch, 1))
            perm[np.arange(batch), k] = pivots
            perm[np.arange(batch), pivots] = k
            parity = np.where(pivots != k, -parity, parity)
            m = ops.gather_index(m, (members, perm))
        if k == n - 1:
            break
        pivot = ops.gather_index(m, (slice(None), slice(k, k + 1), slice(k, k + 1)))
        safe = ops.where(ops.equal(pivot, 0.0), ops.ones_like(pivot), pivot)
        multipliers = ops.gather_index(m, (slice(None), slice(k + 1, None), slice(k, k + 1)))
        multipliers = multipliers / safe
        row = ops.gather_index(m, (slice(None), slice(k, k + 1)))
        rest = ops.gather_index(m, (slice(None), slice(k + 1, None))) - multipliers * row
        m = ops.concat([ops.gather_index(m, (slice(None), slice(0, k + 1))), rest], axis=1)
    return m, parity


def _diagonal(m: Tensor, n: int) -> Tensor:
    index = np.arange(n)
    return ops.gather_index(m, (Ellipsis, index, index))


def _flat_matrices(matrix: Tensor, what: str) -> tuple[Tensor, tuple[int, ...], int]:
    batch_shape, n = _square_batch(matrix, what)
    if matrix.dtype.kind not in "fc":
        matrix = ops.cast(matrix, np.float64)
    return ops.reshape(matrix, (math.prod(batch_shape), n, n)), batch_shape, n


def det(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TensorFlow's name
    """The determinant of each square matrix in `input` (shape [..., n, n])."""
    flat, batch_shape, n = _flat_matrices(_t(input), "det")
    if n == 0:
        return ops.ones(batch_shape, flat.dtype)
    upper, parity = _eliminate(flat, n)
    product = ops.reduce_prod(_diagonal(upper, n), axis=-1)
    return ops.reshape(product * parity.astype(flat.dtype), batch_shape)


def slogdet(input: Any, name: str | None = None) -> tuple[Tensor, Tensor]:  # noqa: A002
    """(sign, log|det|) of each square matrix: the determinant without overflow."""
    flat, batch_shape, n = _flat_matrices(_t(input), "slogdet")
    if n == 0:
        return ops.ones(batch_shape, flat.dtype), ops.zeros(batch_shape, flat.dtype)
    upper, parity = _eliminate(flat, n)
    diagonal = _diagonal(upper, n)
    sign = parity * np.prod(np.sign(diagonal._value), axis=-1)
    logabs = ops.reduce_sum(ops.log(ops.abs(diagonal)), axis=-1)
    return (Tensor._wrap(np.reshape(sign.astype(flat.dtype), batch_shape)),
            ops.reshape(logabs, batch_shape))


def logdet(matrix: Any, name: str | None = None) -> Tensor:
    """log(det(matrix)) of Hermitian positive definite matrices (log|det| of any)."""
    return slogdet(matrix)[1]


def _check_invertible(upper: Tensor, n: int, what: str) -> None:
    if np.any(_diagonal(upper, n)._value == 0):
        raise ValueError(f"{what}: the input matrix is not invertible")


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: str | None = None) -> Tensor:
    """x with matrix @ x = rhs (matrix [..., n, n], rhs [..., n, k]); with `adjoint`,
    transpose(matrix) @ x = rhs."""
    return _solve(matrix, rhs, adjoint, "solve")


def _solve(matrix: Any, rhs: Any, adjoint: bool, what: str) -> Tensor:
    matrix, rhs = _t(matrix), _t(rhs)
    if adjoint:
        matrix = matrix_transpose(matrix)
    flat, batch_shape, n = _flat_matrices(matrix, what)
    rhs_shape = tuple(rhs.shape)
    if len(rhs_shape) < 2 or rhs_shape[-2] != n:
        raise ValueError(f"{what}: rhs of shape {rhs_shape} does not match matrices of "
                         f"shape {tuple(matrix.shape)} (it needs [..., {n}, k])")
    k = rhs_shape[-1]
    full = tuple(np.broadcast_shapes(batch_shape, rhs_shape[:-2]))
    if full != batch_shape:
        matrices = ops.broadcast_to(ops.reshape(flat, batch_shape + (n, n)), full + (n, n))
        flat = ops.reshape(matrices, (math.prod(full), n, n))
    flat_rhs = ops.reshape(ops.broadcast_to(rhs, full + (n, k)), (math.prod(full), n, k))
    if n == 0:
        return ops.reshape(flat_rhs, full + (0, k))
    reduced, _ = _eliminate(ops.concat([flat, ops.cast(flat_rhs, flat.dtype)], axis=-1), n)
    upper = ops.gather_index(reduced, (Ellipsis, slice(0, n)))
    _check_invertible(upper, n, what)
    right = ops.gather_index(reduced, (Ellipsis, slice(n, None)))
    rows: list[Tensor] = [None] * n  # type: ignore[list-item]
    for i in range(n - 1, -1, -1):
        value = ops.gather_index(right, (slice(None), slice(i, i + 1)))
        if i < n - 1:
            coefficients = ops.gather_index(upper, (slice(None), slice(i, i + 1),
                                                    slice(i + 1, None)))
            value = value - matmul(coefficients, ops.concat(rows[i + 1:], axis=1))
        pivot = ops.gather_index(upper, (slice(None), slice(i, i + 1), slice(i, i + 1)))
        rows[i] = value / pivot
    return ops.reshape(ops.concat(rows, axis=1), full + (n, k))


def inv(input: Any, adjoint: bool = False, name: str | None = None) -> Tensor:  # noqa: A002
    """The inverse of each square matrix in `input` (of its transpose with `adjoint`)."""
    matrix = _t(input)
    batch_shape, n = _square_batch(matrix, "inv")
    dtype = matrix.dtype if matrix.dtype.kind in "fc" else np.dtype(np.float64)
    identity = ops.broadcast_to(ops.eye(n, dtype=dtype), batch_shape + (n, n))
    return _solve(matrix, identity, adjoint, "inv")


# -- products, diagonals and transposes ------------------------------------------------

def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None,
        dtype: Any = None, name: str | None = None) -> Tensor:
    """The identity matrix (num_rows x num_columns), repeated over `batch_shape`
    (float64 by default, as adcli's other constructors)."""
    matrix = ops.eye(num_rows, num_columns, dtype=dtype)
    if batch_shape is None:
        return matrix
    shape = tuple(int(s) for s in np.asarray(batch_shape).reshape(-1)) + tuple(matrix.shape)
    return Tensor._wrap(np.array(np.broadcast_to(matrix.numpy(), shape)))


def matrix_transpose(a: Any, name: str | None = None, conjugate: bool = False) -> Tensor:
    """a with its last two axes swapped."""
    a = _t(a)
    nd = len(a.shape)
    if nd < 2:
        raise ValueError(f"matrix_transpose needs rank 2 or more, not {nd}")
    return ops.transpose(a, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def adjoint(matrix: Any, name: str | None = None) -> Tensor:
    """The conjugate transpose of the last two axes (for real tensors, the transpose)."""
    return matrix_transpose(matrix)


def matvec(a: Any, b: Any, transpose_a: bool = False, name: str | None = None) -> Tensor:
    """a @ b for matrices a [..., m, n] and vectors b [..., n]."""
    a = matrix_transpose(a) if transpose_a else _t(a)
    product = matmul(a, ops.expand_dims(_t(b), -1))
    return ops.squeeze(product, -1)


def diag(diagonal: Any, name: str | None = None) -> Tensor:
    """The square matrices [..., n, n] with `diagonal` [..., n] on their diagonals."""
    diagonal = _t(diagonal)
    if len(diagonal.shape) == 1:
        return ops.diag(diagonal)
    n = diagonal.shape[-1]
    # where, not a product with the identity: an infinite entry leaves no nan beside it.
    return ops.where(np.eye(n, dtype=bool), ops.expand_dims(diagonal, -1),
                     ops.zeros((), diagonal.dtype))


def diag_part(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The main diagonals [..., min(m, n)] of matrices [..., m, n]."""
    matrix = _t(input)
    k = min(matrix.shape[-2:])
    return _diagonal(matrix, k)


def trace(x: Any, name: str | None = None) -> Tensor:
    """The sum of each matrix's diagonal (shape [..., m, n] -> [...])."""
    return ops.reduce_sum(diag_part(x), axis=-1)


def global_norm(t_list: Any, name: str | None = None) -> Tensor:
    """sqrt(sum of the squares of every entry of every tensor in t_list) (None skipped)."""
    squares = [ops.reduce_sum(ops.square(_t(t))) for t in t_list if t is not None]
    if not squares:
        return ops.constant(0.0)
    total = squares[0]
    for value in squares[1:]:
        total = total + value
    return ops.sqrt(total)


# -- einsum and tensordot --------------------------------------------------------------

def _parse_einsum(equation: str, ndims: list[int]) -> tuple[list[str], str]:
    equation = equation.replace(" ", "")
    if "->" in equation:
        left, output = equation.split("->")
    else:
        left, output = equation, None
    inputs = left.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum: the equation {equation!r} names {len(inputs)} operands, "
                         f"{len(ndims)} were given")
    used = set(equation) - set(".,->")
    spare = iter(c for c in string.ascii_uppercase + string.ascii_lowercase if c not in used)
    ellipsis = ""
    if "..." in equation:
        longest = max((nd - (len(term) - 3) for term, nd in zip(inputs, ndims, strict=True)
                       if "..." in term), default=0)
        ellipsis = "".join(next(spare) for _ in range(longest))
    terms = []
    for term, nd in zip(inputs, ndims, strict=True):
        if "..." in term:
            count = nd - (len(term) - 3)
            term = term.replace("...", ellipsis[len(ellipsis) - count:] if count else "")
        if len(term) != nd:
            raise ValueError(f"einsum: {term!r} has {len(term)} indices for an operand of "
                             f"rank {nd}")
        terms.append(term)
    if output is None:
        counts = {c: sum(t.count(c) for t in terms) for c in set("".join(terms))}
        output = ellipsis + "".join(sorted(c for c, n in counts.items()
                                           if n == 1 and c not in ellipsis))
    else:
        output = output.replace("...", ellipsis)
    return terms, output


def _take_diagonals(x: Tensor, term: str) -> tuple[Tensor, str]:
    """Repeated indices of one operand ('ii', 'bxby') become one axis: its diagonal."""
    while len(set(term)) < len(term):
        letter = next(c for c in term if term.count(c) > 1)
        first = term.index(letter)
        second = term.index(letter, first + 1)
        others = [i for i in range(len(term)) if i not in (first, second)]
        x = ops.transpose(x, tuple(others) + (first, second))
        n = x.shape[-1]
        index = np.arange(n)
        x = ops.gather_index(x, (Ellipsis, index, index))
        term = "".join(term[i] for i in others) + letter
    return x, term


def _sum_out(x: Tensor, term: str, keep: set[str]) -> tuple[Tensor, str]:
    axes = tuple(i for i, c in enumerate(term) if c not in keep)
    if not axes:
        return x, term
    return ops.reduce_sum(x, axis=axes), "".join(c for c in term if c in keep)


def _arrange(x: Tensor, term: str, order: str) -> Tensor:
    perm = tuple(term.index(c) for c in order)
    return x if perm == tuple(range(len(term))) else ops.transpose(x, perm)


def _contract(a: Tensor, ta: str, b: Tensor, tb: str, keep: set[str],
              sizes: dict[str, int]) -> tuple[Tensor, str]:
    """One pairwise contraction as a batched matmul: [batch, left, sum] @ [batch, sum,
    right] -> [batch, left, right]."""
    batch = "".join(c for c in ta if c in tb and c in keep)
    summed = "".join(c for c in ta if c in tb and c not in keep)
    left = "".join(c for c in ta if c not in tb)
    right = "".join(c for c in tb if c not in ta)
    size = math.prod
    a = ops.reshape(_arrange(a, ta, batch + left + summed),
                    (size(sizes[c] for c in batch), size(sizes[c] for c in left),
                     size(sizes[c] for c in summed)))
    b = ops.reshape(_arrange(b, tb, batch + summed + right),
                    (size(sizes[c] for c in batch), size(sizes[c] for c in summed),
                     size(sizes[c] for c in right)))
    out = matmul(a, b)
    term = batch + left + right
    return ops.reshape(out, tuple(sizes[c] for c in term)), term


def einsum(equation: str, *inputs: Any, name: str | None = None, **kwargs: Any) -> Tensor:
    """numpy's einsum: products summed over the indices the output leaves out, e.g.
    'ij,jk->ik' (matmul), 'bxby->bxy' (diagonals), 'i,i->' (a dot product), '...ij->...ji'."""
    tensors = [_t(x) for x in inputs]
    terms, output = _parse_einsum(equation, [len(t.shape) for t in tensors])
    sizes: dict[str, int] = {}
    for t, term in zip(tensors, terms, strict=True):
        for c, n in zip(term, t.shape, strict=True):
            if sizes.setdefault(c, n) != n:
                if n == 1 or sizes[c] == 1:
                    raise ValueError("einsum: broadcasting an index of length 1 is not "
                                     "supported; give equal lengths")
                raise ValueError(f"einsum: index {c!r} has lengths {sizes[c]} and {n}")
    if set(output) - set(sizes) or len(set(output)) != len(output):
        raise ValueError(f"einsum: bad output indices {output!r}")
    operands = []
    for i, (t, term) in enumerate(zip(tensors, terms, strict=True)):
        t, term = _take_diagonals(t, term)
        elsewhere = set(output).union(*(terms[j] for j in range(len(terms)) if j != i))
        operands.append(_sum_out(t, term, elsewhere))
    result, term = operands[0]
    for index, (other, other_term) in enumerate(operands[1:], start=1):
        later = set(output).union(*(terms[j] for j in range(index + 1, len(terms))))
        result, term = _sum_out(result, term, later | set(other_term))
        other, other_term = _sum_out(other, other_term, later | set(term))
        result, term = _contract(result, term, other, other_term, later, sizes)
    result, term = _sum_out(result, term, set(output))
    return _arrange(result, term, output)


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """Sum of products over the last `axes` axes of a and the first of b (an int), or
    over the axes listed in axes = [a_axes, b_axes]."""
    a, b = _t(a), _t(b)
    na, nb = len(a.shape), len(b.shape)
    if isinstance(axes, (int, np.integer)) or (isinstance(axes, Tensor) and axes.ndim == 0):
        count = int(axes)
        a_axes, b_axes = list(range(na - count, na)), list(range(count))
    else:
        a_axes, b_axes = ([int(i) % max(n, 1) for i in np.atleast_1d(np.asarray(part))]
                          for part, n in zip(axes, (na, nb), strict=True))
    letters = iter(string.ascii_letters)
    ta = [next(letters) for _ in range(na)]
    tb = [next(letters) for _ in range(nb)]
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot: axes {a_axes} and {b_axes} differ in number")
    for i, j in zip(a_axes, b_axes, strict=True):
        tb[j] = ta[i]
    out = "".join(c for c in ta if c not in tb) + "".join(c for c in tb if c not in ta)
    return einsum(f"{''.join(ta)},{''.join(tb)}->{out}", a, b)
