"""The student edition: every exercise kept as a prompt, no solution left, and each student
notebook runs from top to bottom."""

import re
import subprocess
import sys

import nbformat
import pytest

from infomorphic_core import student
from infomorphic_core.reproduce import NOTEBOOKS, notebook_names

CHAPTERS = notebook_names()
LABEL = re.compile(r"\{exercise(?:-start)?\}[^\n]*\n:label: (\S+)")
SOLVES = re.compile(r"\{solution(?:-start)?\} (\S+)")


def md(text):
    return nbformat.v4.new_markdown_cell(text)


def code(text):
    return nbformat.v4.new_code_cell(text)


def test_both_kinds_of_solution_are_removed():
    notebook = nbformat.v4.new_notebook(cells=[
        code("x = 1"),
        md("```{exercise} One\n:label: ex-one\n\nAsk.\n```"),
        md("```{solution} ex-one\n:class: dropdown\n\nIn words.\n```"),
        md("```{exercise} Two\n:label: ex-two\n```"),
        md("```{solution-start} ex-two\n:class: dropdown\n```\nWhy."),
        code("secret = x + 1"),
        md("Because.\n```{solution-end}\n```"),
        code("y = x"),
    ])
    kept, removed = student.split(notebook)
    assert [c.source for c in kept] == ["x = 1", notebook.cells[1].source, student.ANSWER,
                                       notebook.cells[3].source, student.ANSWER, "y = x"]
    assert len(removed) == 4
    edition = student.student_notebook(notebook)
    assert all(c.outputs == [] for c in edition.cells if c.cell_type == "code")
    assert "secret" not in nbformat.writes(edition) and student.count_exercises(edition) == 2


@pytest.mark.parametrize("cells", [
    [md("```{solution-start} a\n```"), code("x")],
    [code("x"), md("```{solution-end}\n```")],
    [md("```{solution-start} a\n```"), md("```{solution-start} b\n```"), md("```{solution-end}\n```")],
])
def test_unbalanced_solutions_are_refused(cells):
    with pytest.raises(ValueError, match="solution"):
        student.split(nbformat.v4.new_notebook(cells=cells))


@pytest.mark.parametrize("name", CHAPTERS)
def test_each_exercise_has_a_solution_and_none_reaches_the_student(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    labels = LABEL.findall(text)
    assert len(labels) == len(set(labels)) and sorted(labels) == sorted(SOLVES.findall(text))
    assert len(labels) == 0 or len(labels) >= 3, "a chapter with exercises has at least three"
    _, removed = student.split(notebook)
    edition = student.student_notebook(notebook)
    kept = "\n".join(c.source for c in edition.cells)
    for cell in removed:
        assert cell.source.strip() not in kept
        for line in cell.source.splitlines():
            # a distinctive line: long enough not to recur in the chapter by chance
            if len(line.strip()) > 40:
                assert line not in kept, f"solution text in the student edition: {line!r}"
    assert student.count_exercises(edition) == len(labels)
    assert "{solution" not in nbformat.writes(edition)


def test_cli_writes_the_edition_and_its_zip(tmp_path):
    import zipfile

    done = subprocess.run([sys.executable, "-m", "infomorphic_core.cli", "student", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    names = sorted(zipfile.ZipFile(tmp_path / "student-edition.zip").namelist())
    assert names == [f"infomorphic-student/{n}.ipynb" for n in CHAPTERS]
    assert "exercises)" in done.stdout


# make test collects the notebooks first, so the chapters' regression has usually filled this
# session's results cache (shared by the test processes) when these run: a student notebook
# then costs little more than its plots.
@pytest.mark.book
@pytest.mark.parametrize("name", CHAPTERS)
def test_student_notebook_runs(name, tmp_path):
    from nbclient import NotebookClient

    notebook = student.student_notebook(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))
    # execute() raises CellExecutionError, naming the cell, at the first cell that fails
    NotebookClient(notebook, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()


def test_the_instructors_page_lists_every_exercise():
    page = (NOTEBOOKS.parent / "book" / "instructors.md").read_text()
    listed = set(re.findall(r"\{ref\}`(ex-[\w-]+)`", page))
    labels = set()
    for name in CHAPTERS:
        notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
        labels |= set(LABEL.findall("\n".join(c.source for c in notebook.cells)))
    assert listed == labels
