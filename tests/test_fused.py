"""The fused sx-PID kernel against the eager path, and the eager fallback where it cannot be built."""

import os
import subprocess
import sys

import pytest
import torch

from infomorphic_core import fused
from infomorphic_core.examples import GATES
from infomorphic_core.pid import sx_pid
from infomorphic_core.speed import random_pmfs

needs_kernel = pytest.mark.skipif(
    fused.library() is None and not os.environ.get("CI"), reason=f"no fused kernel: {fused.status()}")


def eager(p, **kw):
    """The eager path: a gradient is recorded, so sx_pid cannot use the kernel."""
    with torch.enable_grad():
        return sx_pid(p.clone().requires_grad_(), **kw).stack().detach()


def test_ci_builds_the_kernel():
    """CI machines have a C compiler and glibc's vector maths: there the kernel must be built,
    or every other test here would silently compare the eager path with itself."""
    if not os.environ.get("CI"):
        pytest.skip("only asserted on CI")
    assert fused.library() is not None, fused.status()


SHAPES = [(20, 20, 2), (3, 5, 4), (1, 1, 2), (8, 2, 3), (17, 19, 2)]


@needs_kernel
@pytest.mark.parametrize("shape", SHAPES)
def test_float64_matches_eager(shape):
    p = random_pmfs(300, shape, dtype=torch.float64, seed=len(shape) + shape[0])
    torch.testing.assert_close(fused.sx_pid(p), eager(p), rtol=0, atol=1e-12)


@needs_kernel
@pytest.mark.parametrize("shape", SHAPES)
def test_float32_within_1e6_of_exact(shape):
    """The kernel sums in double: its float32 atoms are within 1e-6 bits of the float64 ones
    (the eager float32 path is off by up to about 4e-6 on these tables)."""
    exact = random_pmfs(300, shape, dtype=torch.float64, seed=1)
    p = exact.float()
    torch.testing.assert_close(fused.sx_pid(p).double(), eager(exact), rtol=0, atol=1e-6)


@needs_kernel
def test_zero_cells_and_gates():
    """Cells of probability 0 contribute nothing (no NaN), and the gates' atoms are exact."""
    p = random_pmfs(200, (6, 6, 2), dtype=torch.float64, seed=3)
    p = p * (torch.rand(p.shape, generator=torch.Generator().manual_seed(4)) < 0.4)
    p = p / p.sum((-3, -2, -1), keepdim=True).clamp_min(1e-300)
    p[0] = 0
    p[0, 2, 3, 1] = 1  # a deterministic table: only H_res = 0 and all atoms 0
    got = fused.sx_pid(p)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, eager(p), rtol=0, atol=1e-12)
    torch.testing.assert_close(got[0], torch.zeros(5, dtype=torch.float64), rtol=0, atol=0)
    gates = torch.stack([torch.as_tensor(GATES[name], dtype=torch.float64) for name in ("XOR", "AND")])
    torch.testing.assert_close(fused.sx_pid(gates), eager(gates), rtol=0, atol=1e-14)


@needs_kernel
def test_threads_do_not_change_results():
    p = random_pmfs(1000, (20, 20, 2), seed=5)
    assert torch.equal(fused.sx_pid(p, threads=1), fused.sx_pid(p, threads=2))
    assert torch.equal(fused.sx_pid(p, threads=1), fused.sx_pid(p, threads=3))


@needs_kernel
def test_layouts_and_batch_shapes():
    """Leading axes are kept, views are made contiguous, an empty batch gives an empty result."""
    p = random_pmfs(24, (5, 4, 2), dtype=torch.float64, seed=6).reshape(2, 3, 4, 5, 4, 2)
    got = fused.sx_pid(p)
    assert got.shape == (2, 3, 4, 5)
    strided = p.transpose(0, 2).contiguous().transpose(0, 2)  # same values, other strides
    assert not strided.is_contiguous()
    assert torch.equal(fused.sx_pid(strided), got)
    assert fused.sx_pid(p[:0]).shape == (0, 3, 4, 5)
    # tables without cells never reach the kernel (it reads a table's first entry)
    assert not fused.applies(torch.zeros(3, 0, 2, 2), False)


@needs_kernel
def test_sx_pid_dispatch(monkeypatch):
    """sx_pid uses the kernel without gradients and local atoms, the eager path otherwise."""
    calls = []
    original = fused.atoms_and_checks
    monkeypatch.setattr(fused, "atoms_and_checks", lambda p, **kw: calls.append(p.shape) or original(p, **kw))
    p = random_pmfs(4, (3, 3, 2), dtype=torch.float64)
    plain = sx_pid(p)
    assert len(calls) == 1
    with_local = sx_pid(p, pointwise=True)
    leaf = p.clone().requires_grad_()
    differentiable = sx_pid(leaf)
    differentiable.red.sum().backward()
    assert len(calls) == 1 and leaf.grad is not None and with_local.pointwise is not None
    torch.testing.assert_close(plain.stack(), with_local.stack(), rtol=0, atol=1e-12)
    with torch.no_grad():
        sx_pid(leaf)
    assert len(calls) == 2
    sx_pid(p, compiled=False)
    assert len(calls) == 2


def run_python(code, **env):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


CHECK = ("from infomorphic_core import fused, sx_pid; from infomorphic_core.examples import GATES; "
         "print(fused.status()); print(round(float(sx_pid(GATES['XOR']).red), 6))")


def test_turned_off_by_environment(tmp_path):
    status, red = run_python(CHECK, INFOMORPHIC_FUSED="0", INFOMORPHIC_CACHE_DIR=str(tmp_path)).splitlines()
    assert status.startswith("turned off") and red == "-0.584963"
    assert not (tmp_path / "kernels").exists()


def test_falls_back_without_a_compiler(tmp_path):
    """A compiler that fails leaves the eager path, with the reason in status(), and no error."""
    status, red = run_python(CHECK, CC="false", INFOMORPHIC_CACHE_DIR=str(tmp_path)).splitlines()
    assert status.startswith("unavailable") and red == "-0.584963"


@needs_kernel
def test_built_once_per_cache_dir(tmp_path, monkeypatch):
    """The library is kept in the cache directory and reused; a second process does not rebuild it."""
    monkeypatch.setenv("INFOMORPHIC_CACHE_DIR", str(tmp_path))
    first = run_python(CHECK)
    built = list((tmp_path / "kernels").glob("sx_pid-*.so"))
    assert first.startswith("compiled") and len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    assert run_python(CHECK) == first
    assert built[0].stat().st_mtime_ns == stamp and len(list((tmp_path / "kernels").iterdir())) == 1


def eager_lattice(p, vocabulary):
    from infomorphic_core.pid import sx_pid_lattice

    return sx_pid_lattice(p, vocabulary, compiled=False).values


@needs_kernel
@pytest.mark.parametrize("shape", [(20, 20, 20, 2), (5, 4, 3, 2), (3, 1, 4, 3), (2, 6, 5, 2)])
def test_three_source_lattice_matches_eager(shape):
    """All 18 atoms and H_res: float64 within 1e-12 of the eager path, float32 within 1e-6 of
    exact (the eager float32 path is off by up to about 4e-6 here)."""
    from infomorphic_core.goals import TRIVARIATE
    from infomorphic_core.pid import sx_pid_lattice

    exact = random_pmfs(40, shape, dtype=torch.float64, seed=shape[0])
    reference = eager_lattice(exact, TRIVARIATE)
    torch.testing.assert_close(sx_pid_lattice(exact).values, reference, rtol=0, atol=1e-12)
    torch.testing.assert_close(sx_pid_lattice(exact.float()).values.double(), reference, rtol=0, atol=1e-6)


@needs_kernel
def test_lattice_of_other_sources_and_zero_cells():
    """The two-source lattice (the bivariate sx-PID), the F-C and F-L three-source subsets' own
    orders, and tables with empty cells."""
    from infomorphic_core.goals import lattice_vocabulary
    from infomorphic_core.pid import sx_pid_lattice

    p = random_pmfs(30, (6, 5, 2), dtype=torch.float64, seed=9)
    p = p * (torch.rand(p.shape, generator=torch.Generator().manual_seed(1)) < 0.5)
    p = p / p.sum((-3, -2, -1), keepdim=True)
    two = lattice_vocabulary(("R", "C"))
    got = sx_pid_lattice(p, two).values
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, eager_lattice(p, two), rtol=0, atol=1e-12)
    # bivariate order of the lattice vocabulary: {R}{C}, {R}, {C}, {RC}, res
    bivariate = sx_pid(p, compiled=False)
    torch.testing.assert_close(got[:, 0], bivariate.red, rtol=0, atol=1e-12)
    q = random_pmfs(30, (4, 3, 5, 2), dtype=torch.float64, seed=2)
    for sources in (("F", "C", "L"), ("L", "F", "C")):
        vocabulary = lattice_vocabulary(sources)
        torch.testing.assert_close(sx_pid_lattice(q, vocabulary).values, eager_lattice(q, vocabulary),
                                   rtol=0, atol=1e-12)


@needs_kernel
@pytest.mark.parametrize("value, message", [(float("nan"), "NaN"), (-0.01, "negative"), (0.01, "sum to 1")])
def test_lattice_input_checks(value, message):
    """The kernel's totals and minima raise as_pmf's errors."""
    from infomorphic_core.pid import sx_pid_lattice

    p = random_pmfs(3, (2, 3, 2, 2), dtype=torch.float64)
    p[1, 0, 0, 0, 0] += value
    if message == "negative":
        p[1, 0, 0, 0, 1] -= value  # keep the total at 1
        p[1, 0, 0, 0, 0] = -abs(value)
    with pytest.raises(ValueError, match=message):
        sx_pid_lattice(p)


@needs_kernel
def test_a_forked_child_gets_threads_of_its_own():
    """The thread pool of the parent does not run in a forked child: the child must not wait on it."""
    import multiprocessing

    p = random_pmfs(1000, (20, 20, 2), seed=7)
    expected = fused.sx_pid(p, threads=2)  # the parent's pool now exists
    with multiprocessing.get_context("fork").Pool(1) as pool:
        got = pool.apply_async(fused.sx_pid, (p, 2)).get(timeout=60)
    assert torch.equal(got, expected)
