"""The notebooks' comparison rules: numbers within tolerance pass, anything else fails."""

import pytest

from tests.regression.compare import Rule, load_rules, mismatch, split

TOL = Rule("nb", "x", "tolerance", "test", abs=0.01)


def test_split_cuts_numbers_and_collapses_space():
    words, numbers = split("acc  89.60 %, n = 10\n  H 0.469 -1e-3")
    assert numbers == [89.60, 10, 0.469, -1e-3]
    assert words == ["acc", "%, n =", "H", "", ""]


def test_tolerance_passes_within_and_fails_beyond():
    assert mismatch("accuracy 89.60 (10 runs)", "accuracy 89.605 (10 runs)", TOL) is None
    assert "differs by" in mismatch("accuracy 89.60 (10 runs)", "accuracy 89.62 (10 runs)", TOL)
    assert "text differs" in mismatch("6 of 8 runs", "6 of 8 run", TOL)


def test_relative_tolerance():
    rule = Rule("nb", "x", "tolerance", "test", rel=0.01)
    assert mismatch("100.0", "100.9", rule) is None
    assert mismatch("1.0", "1.02", rule) is not None


def test_widened_column_still_matches():
    assert mismatch("a   9.99\nb  10.00", "a  10.00\nb  10.00", TOL) is None


def test_words_mode_ignores_numbers_but_not_verdicts():
    rule = Rule("nb", "x", "words", "chaotic")
    assert mismatch("6 of 8 runs: yes", "5 of 8 runs: yes", rule) is None
    assert mismatch("6 of 8 runs: yes", "6 of 8 runs: no", rule) is not None


def test_exact_zero_tolerance_rule_is_rejected():
    with pytest.raises(ValueError, match="abs or rel"):
        Rule("nb", "x", "tolerance", "no size")
    with pytest.raises(ValueError, match="why"):
        Rule("nb", "x", "none", " ")


def test_committed_rules_load_and_each_says_why():
    rules = load_rules()
    assert all(rule.why for rule in rules)
    assert len({(r.notebook, r.source) for r in rules}) == len(rules)


def test_every_committed_rule_matches_exactly_one_cell():
    """What `make test` refuses at collection (conftest.py), checked here without executing a
    notebook: each rule's source is in one code cell of its notebook, and no cell has two rules."""
    from pathlib import Path

    import jupytext

    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    sources = {p.stem: [c.source for c in jupytext.read(p).cells if c.cell_type == "code"]
               for p in notebooks.glob("[0-9][0-9]_*.py")}
    for rule in load_rules():
        matching = [s for s in sources[rule.notebook] if rule.applies_to(rule.notebook, s)]
        assert len(matching) == 1, f"{rule.notebook} {rule.source!r} matches {len(matching)} cells"
    for notebook, cells in sources.items():
        for source in cells:
            assert sum(rule.applies_to(notebook, source) for rule in load_rules()) <= 1, (notebook, source[:60])
