"""Every docstring example in the package runs (on the installed package)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import escalation

MODULES = sorted(m.name for m in pkgutil.walk_packages(escalation.__path__, "escalation."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_public_api_has_examples():
    for name in ("loader", "compiled.law", "engines.exact", "engines.montecarlo", "analysis.run", "analysis.whatif",
                 "graph", "conditions", "stats", "baserates", "outputs"):
        module = importlib.import_module(f"escalation.{name}")
        finder = doctest.DocTestFinder()
        assert any(t.examples for t in finder.find(module)), name
