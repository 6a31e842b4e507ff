"""The notebooks run end to end, and are stored without outputs.

Each notebook is executed with nbclient in a fresh ``python3`` kernel whose working directory is
a temporary directory, so a notebook that wrote outside its own temporary files would not touch
the repository. Sizes are set small in each notebook's first code cell.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "python3"
TIMEOUT = 120  # seconds per cell

# Text that must appear in some output of each notebook: proof that the story got to its end.
EXPECTED = {
    "01_quickstart.ipynb": [
        "direct_strikes",            # the odds table
        "(mc-exact)/se",             # both engines ran
        "The most frequent paths in",         # the top escalation paths
        "Manifest(scenario_id='venezuela-2025'",
    ],
    "02_what_if.ipynb": [
        "ally grants basing",        # the comparison table
        "Venezuela retaliates",
        "80 moves swept, 0 failed variants",
        "Odds of major_war within 90 days",
    ],
    "03_write_a_scenario.ipynb": [
        "did you mean 'blockade'",   # the deliberate mistake
        "add up to 1.01 > 1",
        "equal to the YAML version: True",
        "round trip equal: True",
        "file hash matches the manifest: True",
    ],
    "04_explore.ipynb": [
        "Moves that matter most",    # the ranking behind the sliders
        "[0] US: maritime_strikes -> land_strikes: 55% within 90 days (scenario: 38%)",
        "ms per update (solve + redraw)",
        "6 figures, no script: True",  # the report, written to a temporary folder
    ],
}
# Figures each notebook draws, at least.
MIN_IMAGES = {"01_quickstart.ipynb": 6, "02_what_if.ipynb": 2, "03_write_a_scenario.ipynb": 1, "04_explore.ipynb": 1}


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def _execute(nb, cwd: Path):
    client = nbclient.NotebookClient(
        nb, kernel_name=KERNEL, timeout=TIMEOUT, resources={"metadata": {"path": str(cwd)}},
        # No IPython history database in the user's home directory.
        extra_arguments=["--HistoryManager.enabled=False"],
    )
    return client.execute()


def _output_texts(nb) -> list[str]:
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                texts.append(out.text)
            elif out.output_type in ("execute_result", "display_data"):
                for mime in ("text/plain", "text/html"):
                    if mime in out.data:
                        texts.append(out.data[mime])
    return texts


def _errors(nb) -> list[str]:
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
    return found


def _images(nb) -> int:
    return sum(
        1
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if out.output_type in ("execute_result", "display_data") and "image/png" in out.data
    )


def test_every_notebook_is_covered():
    names = [p.name for p in _notebooks()]
    assert names == sorted(EXPECTED), f"notebooks on disk {names} vs expected {sorted(EXPECTED)}"


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs or execution counts; clear them"
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_first_code_cell_sets_sizes(path):
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    assert "RUNS = " in first.source


def test_kernel_runs_in_this_environment(tmp_path):
    """The ``python3`` kernel must be this interpreter's, so notebooks test this install."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys, escalation\nprint(sys.prefix)\nprint(escalation.__file__)"
    )])
    _execute(nb, tmp_path)
    prefix, module = nb.cells[0].outputs[0].text.split()
    import escalation

    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert Path(module).resolve() == Path(escalation.__file__).resolve()


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.name)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    try:
        _execute(nb, tmp_path)
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}")
    assert _errors(nb) == []
    text = "\n".join(_output_texts(nb))
    missing = [s for s in EXPECTED[path.name] if s not in text]
    assert missing == [], f"{path.name}: expected output not found: {missing}"
    assert _images(nb) >= MIN_IMAGES[path.name]
    assert list(tmp_path.iterdir()) == [], "a notebook wrote into its working directory"
