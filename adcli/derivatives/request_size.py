"""How big a derivative request is, known before it is computed, against the limits.

One responsibility: refuse at once (an AdcliLimitError that says how big the request is
and which limit raises it) what would otherwise run for minutes or take the machine's
memory (issue 16, kind 1). Three measures, from the request alone or from the one
forward run that every backend starts with:

- `partials`: the distinct partial derivatives up to the order, C(order + k, k) - 1 for
  k variables (order for a direction), against `Limits.max_partials`;
- `entries`: the numbers they hold, the value's size times, for each partial, the
  product of its variables' sizes (the complete homogeneous symmetric polynomials of
  the sizes), against `Limits.max_tensor_elements`: before the run with a value of one
  entry, after it with the value's size;
- `tape_operations`: the operations the tape's nested passes record, about the program's
  recorded operations times 3^j for each partial of order j (each pass differentiates
  the graph of the one before; measured on elementary programs: the time of order j+1
  is about three times that of order j), against `Limits.max_tape_operations`. Taylor
  mode, which computes high orders in time linear in the order's square, is what to use
  instead.

Imports adcli.errors only (the limits are read by attribute).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from adcli.errors import AdcliLimitError, Setting

GROWTH = 3  # the tape's recorded operations per order, as a factor (see above)


def partials(variables: int, order: int, directional: bool = False) -> int:
    """The number of distinct partial derivatives of orders 1..order by `variables`
    variables (`order` for a directional series)."""
    if directional or variables <= 1:
        return order if variables else 0
    return math.comb(order + variables, variables) - 1


def entries(sizes: Sequence[int], order: int, value_size: int = 1,
            cap: int | None = None) -> int:
    """The numbers the partials of orders 1..order hold: value_size * sum over orders j of
    h_j(sizes) (each partial holds the product of its variables' sizes). Stops counting
    past `cap` (the result is then some number above it)."""
    total = 0
    # h[i] = h_j(sizes[:i+1]) for the current j, by h_j(s_1..s_i) = h_j(s_1..s_{i-1})
    # + s_i h_{j-1}(s_1..s_i).
    h = [1] * len(sizes)
    for _ in range(order):
        running = 0
        for i, size in enumerate(sizes):
            running = running + size * h[i]
            h[i] = running
        total += value_size * (h[-1] if h else 0)
        if cap is not None and total > cap:
            return total
    return total


MAX_RANK = 64  # numpy's most axes


def check_request(names: Sequence[str], shapes: dict[str, tuple[int, ...]], order: int,
                  limits: Any, directional: bool = False,
                  value_shape: tuple[int, ...] = ()) -> None:
    """Refuse a request with more partials than `limits.max_partials`, whose derivatives
    hold more numbers than `limits.max_tensor_elements` (for a value of `value_shape`),
    or have more axes than numpy's 64 (the value's, then each variable's). Raises
    AdcliLimitError."""
    value_size = math.prod(value_shape)
    count = partials(len(names), order, directional)
    if count > limits.max_partials:
        raise AdcliLimitError(
            f"the request asks for {_count(count)} distinct partial derivative"
            f"{'s' if count != 1 else ''} "
            f"({_variables(len(names))} up to order {_count(order)}), more than the limit "
            f"of {limits.max_partials:,}",
            hint="ask for a lower order or fewer variables, or raise the limit",
            limit="max_partials", settings=(Setting("max_partials", limit=True),))
    ranks = [len(shapes.get(name, ())) for name in names]
    if directional:
        # A series' derivatives have the value's axes, its coefficients one more.
        axes, more = len(value_shape), 1
    else:
        # The Jacobian pass of each order carries its seeds on one more axis (scalars
        # take gradients, no Jacobians).
        axes, more = len(value_shape) + order * max(ranks, default=0), order
    if axes and axes + more > MAX_RANK:
        raise AdcliLimitError(
            f"the derivatives would have {axes} axes and their computation {more} more; "
            f"numpy's tensors have at most {MAX_RANK}",
            hint="ask for a lower order, or differentiate by fewer axes")
    sizes = [math.prod(shapes.get(name, ())) for name in names]
    if directional:
        sizes = [1]
    held = entries(sizes, order, value_size, cap=limits.max_tensor_elements)
    if held > limits.max_tensor_elements:
        value = f"a value of {value_size:,} entries" if value_size > 1 else "the value"
        raise AdcliLimitError(
            f"the derivatives would hold more than {limits.max_tensor_elements:,} numbers, "
            f"the limit on elements ({value}, {_variables(len(names))} of {_sizes(sizes)}, "
            f"up to order {order})",
            hint="ask for fewer derivatives (a lower order, fewer variables, a smaller "
                 "value), or raise the limit", limit="max_tensor_elements",
            settings=(Setting("max_tensor_elements", limit=True),))


def check_tape(operations: int, names: Sequence[str], order: int, limits: Any) -> None:
    """Refuse nested tape passes estimated to record more than
    `limits.max_tape_operations` operations (`operations`: the forward run's). Raises
    AdcliLimitError."""
    if order < 2:
        return  # one backward pass records about as much as the run itself
    k = len(names)
    estimate = 0
    for j in range(1, order + 1):
        estimate += (partials(k, j) - partials(k, j - 1)) * operations * GROWTH ** j
        if estimate > limits.max_tape_operations:
            break
    if estimate > limits.max_tape_operations:
        raise AdcliLimitError(
            f"the tape would record more than {limits.max_tape_operations:,} operations "
            f"(the limit) for derivatives up to order {order} of this "
            f"{operations:,}-operation program: each order records about {GROWTH} times "
            "as many as the one before",
            hint="Taylor mode computes high orders fast (engine auto or taylor, or a "
                 "direction); or raise the limit", limit="max_tape_operations",
            settings=(Setting("max_tape_operations", limit=True),))


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"about 10^{len(str(n)) - 1}"


def _variables(k: int) -> str:
    return f"{k} variable" + ("s" if k != 1 else "")


def _sizes(sizes: Sequence[int]) -> str:
    listed = " and ".join(f"{s:,}" for s in sizes) if len(sizes) < 4 else \
        f"{', '.join(f'{s:,}' for s in sizes[:3])}, ..."
    return listed + (" entry" if list(sizes) == [1] else " entries")
