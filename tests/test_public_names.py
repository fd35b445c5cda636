"""Every name a module of adcli lists in `__all__` can be imported from it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import adcli

MODULES = sorted(m.name for m in pkgutil.walk_packages(adcli.__path__, "adcli."))


@pytest.mark.parametrize("name", ["adcli", *MODULES])
def test_every_listed_name_resolves(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ImportError as error:  # an optional dependency (dask, matplotlib) is missing
        pytest.skip(f"{name}: {error}")
    missing = [listed for listed in getattr(module, "__all__", ()) if not hasattr(module, listed)]
    assert missing == []


def test_the_result_types_of_every_command_are_in_the_api() -> None:
    from adcli import api
    from adcli.derivatives import results

    for name in ("TaylorResult", "Formula", "Formulas", "ExactTaylor", "TapeRow", "CheckRow"):
        assert getattr(api, name) is getattr(results, name)
    table = api.taylor("exp(x)", {"x": 0.0}, 2)
    assert isinstance(table, api.TaylorResult)
    assert [float(c) for c in table.coefficients] == [1.0, 1.0, 0.5]
