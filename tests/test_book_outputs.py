"""The book's executed chapters against the committed reference notebooks, every output compared
as nbval compares it: exactly, or by the cell's rule in ``notebooks/regression.toml``.

CI executes the book on a second CPU math path (ATen's portable kernels, MKL's compatible code
path) against an empty results cache, and nbval executes the chapters on the native one, so a
recorded output that holds only on the recording CPU fails the run without a third execution.
On a developer machine a book that is not built, was built with other settings, or from
another version of a chapter is skipped."""

import json
import re

import nbformat
import pytest
from nbval.plugin import coalesce_streams, get_sanitize_patterns

from tests.book import EXECUTED, ROOT, require
from tests.regression.compare import compare_cell, load_rules

pytestmark = pytest.mark.book

REFERENCES = ROOT / "notebooks"
CHAPTERS = sorted(p.stem for p in REFERENCES.glob("[0-9][0-9]_*.ipynb"))
# nbval's default keys left out of a comparison (images included, as without --nbdime)
SKIP = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
        "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


def sanitizer():
    patterns = get_sanitize_patterns((REFERENCES / "nbval_sanitize.cfg").read_text())

    def sanitize(text):
        if not isinstance(text, str):
            return text
        for regex, replace in patterns:
            text = re.sub(regex, replace, text)
        return text
    return sanitize


def differences(name: str, executed, reference) -> list[str]:
    rules = load_rules()
    sanitize = sanitizer()
    problems = []
    for index, (want, got) in enumerate(zip(reference.cells, executed.cells)):
        if want.cell_type != "code":
            continue
        rule = next((r for r in rules if r.applies_to(name, want.source)), None)
        problem = compare_cell(coalesce_streams(want.outputs), coalesce_streams(got.outputs), rule,
                               sanitize, SKIP)
        if problem:
            problems.append(f"{name} cell {index} ({want.source.splitlines()[0][:60]!r}): {problem}")
    return problems


@pytest.mark.parametrize("name", CHAPTERS)
def test_book_chapter_matches_its_reference(name):
    path = EXECUTED / f"{name}.ipynb"
    require(path.exists(), f"{path} not built: run `make book` first")
    records = EXECUTED / "reproducibility.json"
    record = json.loads(records.read_text()).get(name, {}) if records.exists() else {}
    # the parameters asked for, not the profile label of the results (a chapter may size its own)
    require(record.get("parameters") == {"profile": "quick"},
            f"{path} was not executed with the quick profile and default parameters: run `make book`")
    executed = nbformat.read(path, as_version=4)
    executed.cells = [c for c in executed.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    reference = nbformat.read(REFERENCES / f"{name}.ipynb", as_version=4)
    require([c.source for c in executed.cells] == [c.source for c in reference.cells],
            f"{path} was executed from another version of the chapter: run `make book`")
    problems = differences(name, executed, reference)
    assert not problems, "\n\n".join(problems)


def test_a_changed_output_is_found():
    """The comparison itself: a reference against itself passes; a word changed in an exactly
    compared cell, or a number moved past its rule's tolerance, fails."""
    reference = nbformat.read(REFERENCES / "07_trivariate.ipynb", as_version=4)
    assert differences("07_trivariate", reference, reference) == []
    rules = load_rules()
    for index, cell in enumerate(reference.cells):
        texts = [o for o in cell.get("outputs", []) if o.output_type == "stream"]
        if cell.cell_type != "code" or not texts:
            continue
        changed = nbformat.from_dict(json.loads(json.dumps(reference)))
        rule = next((r for r in rules if r.applies_to("07_trivariate", cell.source)), None)
        stream = next(o for o in changed.cells[index].outputs if o.output_type == "stream")
        if rule is None:
            stream.text = stream.text + "!"
        elif rule.mode == "tolerance":
            stream.text = stream.text.replace("0", "9", 1) if "0" in stream.text else stream.text + "!"
        else:
            continue
        assert differences("07_trivariate", changed, reference), f"cell {index} changed but passed"
