"""The student edition: the book's notebooks with the solutions of their exercises removed.

    infomorphic student --out DIR

A chapter's exercises are MyST ``exercise`` directives (sphinx-exercise) in markdown cells.
Their solutions take one of two forms, and both are removed:

- a markdown cell that holds a ``solution`` directive (a worked answer in words and maths);
- a gated solution: a markdown cell that opens with ``solution-start``, the code cells that
  solve the exercise, and a markdown cell with ``solution-end``.

In place of each removed solution the student edition has an empty code cell, so the prompt
is followed by room for an answer. Outputs are cleared: students run the notebooks
themselves. The edition is generated from the chapters' sources, never kept by hand.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import nbformat

from .io import write_atomic

SOLUTION = re.compile(r"^\s*(```+|:::+)\s*\{solution\}", re.MULTILINE)
START = re.compile(r"^\s*(```+|:::+)\s*\{solution-start\}", re.MULTILINE)
END = re.compile(r"^\s*(```+|:::+)\s*\{solution-end\}", re.MULTILINE)
EXERCISE = re.compile(r"^\s*(```+|:::+)\s*\{exercise(-start)?\}", re.MULTILINE)
ANSWER = "# Your answer here\n"


def split(notebook) -> tuple[list, list]:
    """(kept cells, removed solution cells) of ``notebook``; raises ValueError on a
    ``solution-start`` without its ``solution-end`` (or the other way round)."""
    kept, removed, inside = [], [], False
    for index, cell in enumerate(notebook.cells):
        source = cell.source if cell.cell_type == "markdown" else ""
        if START.search(source):
            if inside:
                raise ValueError(f"cell {index}: solution-start inside another gated solution")
            inside = True
        if inside or SOLUTION.search(source):
            removed.append(cell)
            if END.search(source):
                inside = False
            if not inside and (not kept or kept[-1].source != ANSWER):
                kept.append(nbformat.v4.new_code_cell(ANSWER))
            continue
        if END.search(source):
            raise ValueError(f"cell {index}: solution-end without solution-start")
        kept.append(cell)
    if inside:
        raise ValueError("a solution-start has no solution-end")
    return kept, removed


def student_notebook(notebook):
    """A copy of ``notebook`` without its solutions and outputs."""
    kept, _ = split(notebook)
    # no jupytext pairing: the student edition has no .py twin
    metadata = {k: v for k, v in notebook.metadata.items() if k != "jupytext"}
    student = nbformat.v4.new_notebook(metadata=metadata)
    for cell in kept:
        cell = nbformat.from_dict(dict(cell))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        student.cells.append(cell)
    return student


def count_exercises(notebook) -> int:
    return sum(len(EXERCISE.findall(c.source)) for c in notebook.cells if c.cell_type == "markdown")


def write_edition(notebooks, out) -> dict[Path, int]:
    """Write the student edition of each ``.ipynb`` in ``notebooks`` to ``out`` and zip them
    into ``out/student-edition.zip``; returns each notebook written with its exercise count."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for path in sorted(Path(p) for p in notebooks):
        notebook = nbformat.read(path, as_version=4)
        try:
            edition = student_notebook(notebook)
        except ValueError as error:
            raise ValueError(f"{path.name}: {error}") from None
        target = out / path.name
        nbformat.write(edition, target)
        written[target] = count_exercises(edition)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in written:
            archive.write(path, f"infomorphic-student/{path.name}")
    write_atomic(out / "student-edition.zip", buffer.getvalue())
    return written
