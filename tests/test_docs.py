"""The documentation's examples run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from escalation import loads_scenario
from escalation.engines.exact import exact_odds

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_format_reference_example_loads_and_runs():
    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    section = text.split("## Complete example", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    scenario = loads_scenario(block.group(1), name="docs/scenario-format.md")
    assert scenario.actor("SHOCK").kind == "exogenous"
    odds = exact_odds(scenario)
    assert 0 < odds.probability("red_retaliates") < odds.probability("blue_strikes") < 1


def test_worked_example_numbers_are_the_engines():
    from escalation import load_scenario

    text = (DOCS / "scenario-format.md").read_text(encoding="utf-8")
    odds = exact_odds(load_scenario("tutorial"))
    for name, value in (("blue_strikes", "0.277259"), ("settlement", "0.374142")):
        assert value in text
        assert odds.probability(name) == pytest.approx(float(value), abs=5e-7)
    assert f"{odds.eventual('blue_strikes'):.6f}" in text
