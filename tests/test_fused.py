"""The fused kernels (the sx-PID, the learning step's binning and score) against the eager path, and
the eager fallback where they cannot be built."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from infomorphic_core import fused
from infomorphic_core.estimate import THETA_CLIP, Binning, theta_joint
from infomorphic_core.examples import GATES
from infomorphic_core.gradient import _coefficients, closed_form_gradient, pid_score
from infomorphic_core.layer import InfomorphicLayer, LayerConfig
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


@pytest.mark.slow
def test_falls_back_without_a_compiler(tmp_path):
    """A compiler that fails leaves the eager path, with the reason in status(), and no error."""
    status, red = run_python(CHECK, CC="false", INFOMORPHIC_CACHE_DIR=str(tmp_path)).splitlines()
    assert status.startswith("unavailable") and red == "-0.584963"


def user_kernels(cache: Path) -> Path:
    return cache / "kernels" / f"uid-{os.getuid()}"


@needs_kernel
@pytest.mark.slow
def test_built_once_per_cache_dir(tmp_path, monkeypatch):
    """The library is kept in the user's folder of the cache, private, and reused; a second
    process does not rebuild it."""
    monkeypatch.setenv("INFOMORPHIC_CACHE_DIR", str(tmp_path))
    first = run_python(CHECK)
    built = list(user_kernels(tmp_path).glob("sx_pid-*.so"))
    assert first.startswith("compiled, with glibc's vector maths") and len(built) == 1
    assert user_kernels(tmp_path).stat().st_mode & 0o077 == 0
    stamp = built[0].stat().st_mtime_ns
    assert run_python(CHECK) == first
    assert built[0].stat().st_mtime_ns == stamp and len(list(user_kernels(tmp_path).iterdir())) == 1


@needs_kernel
@pytest.mark.slow
def test_scalar_build_where_libmvec_is_missing_and_old_builds_pruned(tmp_path):
    """Where the vector maths cannot be linked, the same source builds with scalar logarithms
    (the same atoms: float64 to 1e-12 of the eager path); the new build removes this CPU's older
    builds and keeps other CPUs'."""
    folder = user_kernels(tmp_path)
    folder.mkdir(parents=True, mode=0o700)
    run_python(CHECK, INFOMORPHIC_CACHE_DIR=str(tmp_path))
    (mine,) = folder.glob("sx_pid-*.so")
    cpu = mine.name.split("-")[1]
    other_cpu = folder / "sx_pid-00000000-000000000000.so"
    other_cpu.write_bytes(b"")
    code = ("from infomorphic_core import fused; "
            "fused._LINKS = (['-DINFOMORPHIC_LIBMVEC', '-lno-such-library-here', '-lm'], ['-lm']); " + CHECK)
    status, red = run_python(code, INFOMORPHIC_CACHE_DIR=str(tmp_path)).splitlines()
    assert status == "compiled, with scalar logarithms (no libmvec)" and red == "-0.584963"
    assert not mine.exists() and other_cpu.exists()
    assert [p.name.split("-")[1] for p in folder.glob("sx_pid-*.so") if p != other_cpu] == [cpu]
    atoms = run_python(code + "; import torch; from infomorphic_core.speed import random_pmfs; "
                       "p = random_pmfs(40, (9, 7, 2), torch.float64); print((sx_pid(p).stack() - sx_pid(p.requires_grad_())"
                       ".stack().detach()).abs().max().item())", INFOMORPHIC_CACHE_DIR=str(tmp_path))
    assert float(atoms.splitlines()[-1]) < 1e-12


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_kernels_folder_others_can_write_is_refused(tmp_path, mode):
    """A library is code: from a folder that another user could write, none is built or loaded."""
    folder = user_kernels(tmp_path)
    folder.mkdir(parents=True)
    folder.chmod(mode)
    status, red = run_python(CHECK, INFOMORPHIC_CACHE_DIR=str(tmp_path)).splitlines()
    assert "writable by another user" in status and red == "-0.584963"
    assert not list(folder.iterdir())
    notice = run_python("from infomorphic_core import fused; print(fused.notice())",
                        INFOMORPHIC_CACHE_DIR=str(tmp_path))
    assert notice.startswith("note: the fused kernels are unavailable") and "eager path runs" in notice


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


# the learning step's fused score (gradient.closed_form_gradient)

def step_layer(runs, n_receptive, dtype, binnings=(Binning(20), Binning(2, "minmax")), activation="sigmoid_gain"):
    layer = InfomorphicLayer(LayerConfig(
        n_neurons=4, n_receptive=n_receptive, n_context=4, n_runs=runs, activation=activation,
        context_mask=torch.eye(4), binning_receptive=binnings[0], binning_context=binnings[1],
        init_std_receptive=0.3, init_std_context=1.0, dtype=dtype))
    g = torch.Generator().manual_seed(runs + n_receptive)
    with torch.no_grad():
        layer.b_receptive.copy_(0.3 * torch.randn(layer.b_receptive.shape, generator=g, dtype=layer.dtype))
    x_r = torch.randn(runs, 512, n_receptive, generator=g, dtype=layer.dtype)
    x_c = torch.sign(torch.randn(runs, 512, 4, generator=g, dtype=layer.dtype))
    return layer, x_r, x_c


def eager_gradient(*args):
    with fused.turned_off():
        return closed_form_gradient(*args)


def assert_gradients_close(got, want, rtol):
    assert got.keys() == want.keys()
    for name in want:
        scale = want[name].abs().max()
        assert scale > 0
        assert (got[name] - want[name]).abs().max() <= rtol * scale, name


@needs_kernel
@pytest.mark.parametrize("binnings", [
    (Binning(20), Binning(2, "minmax")),
    (Binning(5, "fixed", range=(-1.0, 1.0)), Binning(2, "values", values=(-1.0, 1.0))),
    (Binning(2), Binning(2, "minmax")),  # a 2×2 grid: every union covers most of the table
])
@pytest.mark.parametrize("gamma", ["supervised", (0, 0, 1, 0, 0), (1, 1, 1, 1, 1), (-0.5, 1, -1, 2, 0.7),
                                   torch.tensor([[0.1, 0.2, 1, 0.3, 0.4], [1, 0, 0, 0, 0], [0, 0, 1, 0, 0]])])
def test_learning_step_float64_matches_eager(binnings, gamma):
    """The fused score gives the eager path's joints and gradients (per-run goals too)."""
    layer, x_r, x_c = step_layer(3, 30, "float64", binnings)
    grads, p = closed_form_gradient(layer, x_r, x_c, gamma)
    want, want_p = eager_gradient(layer, x_r, x_c, gamma)
    torch.testing.assert_close(p, want_p, rtol=0, atol=1e-15)
    assert_gradients_close(grads, want, 1e-10)


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("gamma", ["supervised", (0, 0, 1, 0, 0), (-0.5, 1, -1, 2, 0.7), (1, 1, 1, 1, 1)])
def test_learning_step_score_follows_the_eager_arithmetic(dtype, gamma):
    """The joint is theta_joint's bit for bit (θ clipped, summed in sample order, in the table's
    precision); each sample's score factor differs from the eager operations' only by their
    rounding: a few float32 ulps of log-odds terms of size up to about 20, against scores of
    order 1 (2e-5 of the largest), and 1e-12 in float64. Empty cells and clipped θ included."""
    g = torch.Generator().manual_seed(1)
    theta = (torch.rand(3, 1024, 10, generator=g, dtype=torch.float64) ** 3).to(dtype)
    theta[0, :7, 0], theta[1, :5, 2] = 1.0, 0.0  # clipped
    bin_r = 2 * torch.randint(0, 10, theta.shape, generator=g)
    bin_c = torch.randint(0, 2, theta.shape, generator=g)
    one = torch.ones((), dtype=dtype)
    p, f, f_c = fused.score_step(theta, bin_r, bin_c, one, one, 20, 2, _coefficients(gamma, theta), THETA_CLIP)
    want_p = theta_joint(theta, bin_r, bin_c, 20, 2)
    assert torch.equal(p, want_p) and torch.equal(f, f_c)
    assert (want_p.sum(-1) == 0).any()  # empty cells: the odd bins are never drawn
    score = pid_score(want_p, gamma).flatten(-2) / theta.shape[1]
    kept = (theta > THETA_CLIP) & (theta < 1 - THETA_CLIP)
    cell = (bin_r * 2 + bin_c).transpose(-1, -2)
    want = theta * (1 - theta) * kept * torch.gather(score, -1, cell).transpose(-1, -2)
    assert (f[~kept] == 0).all()
    tolerance = 2e-5 if dtype == torch.float32 else 1e-12
    assert (f - want).abs().max() <= tolerance * want.abs().max()


@needs_kernel
def test_learning_step_threads_and_bad_bins():
    """Splitting the runs over threads does not change a bit; bins off the grid are refused."""
    g = torch.Generator().manual_seed(0)
    theta = torch.rand(8, 4096, 10, generator=g)
    bins = torch.randint(0, 20, theta.shape, generator=g), torch.randint(0, 2, theta.shape, generator=g)
    derivatives = torch.randn(theta.shape, generator=g), torch.ones(())
    coefficients = torch.tensor([1.0, -0.5, 0.3, 2.0, 0.1])
    args = (theta, *bins, *derivatives, 20, 2, coefficients, 1e-6)
    one = fused.score_step(*args, threads=1)
    for threads in (2, 3):
        assert all(torch.equal(a, b) for a, b in zip(one, fused.score_step(*args, threads=threads)))
    assert torch.equal(one[1], one[2] * derivatives[0])  # ∂A/∂c = 1: f_c is f itself
    bad = bins[0].clone()
    bad[5, 7, 3] = 20
    with pytest.raises(ValueError, match="1 bin indices lie outside the 20×2 grid"):
        fused.score_step(theta, bad, *args[2:], threads=2)


def eager_bins(binning, x):
    with fused.turned_off():
        return binning.indices(x)


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("binning", [Binning(20), Binning(3), Binning(2, "minmax"), Binning(7, "minmax"),
                                     Binning(20, "fixed", range=(-1.3, 2.1))])
def test_bins_are_the_eager_bins_bit_for_bit(dtype, binning):
    """On many ties (values on a grid, at a bin's edge, constant and all-zero neurons) and over
    six orders of magnitude, the kernel's arithmetic gives the eager path's every index."""
    g = torch.Generator().manual_seed(binning.n_bins)
    for trial in range(40):
        shape = (3, 257, 7)
        if trial % 4 == 0:
            x = torch.randn(shape, generator=g, dtype=dtype) * 10.0 ** (trial % 7 - 3)
        elif trial % 4 == 1:
            x = torch.randint(-20, 21, shape, generator=g).to(dtype) / (1 + trial)
        elif trial % 4 == 2:
            x = torch.sign(torch.randn(shape, generator=g, dtype=dtype)) * (0.1 + trial / 50)
        else:
            x = torch.randn(shape, generator=g, dtype=dtype)
            x[..., 0], x[..., 1] = 0, 3.0
        got = binning.indices(x)
        assert torch.equal(got, eager_bins(binning, x)), trial
    assert torch.equal(binning.indices(x[0]), eager_bins(binning, x[0]))  # [samples, neurons]


@needs_kernel
def test_bins_refuse_nan():
    x = torch.randn(2, 50, 3)
    x[1, 4, 2] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite"):
        Binning(20).indices(x)


@needs_kernel
def test_turned_off_takes_every_caller_to_the_eager_path(monkeypatch):
    """Inside turned_off() (nested too) no kernel is called and the cache key says eager."""
    from infomorphic_core import cache

    calls = []
    for name in ("atoms_and_checks", "bin_indices", "score_step"):
        original = getattr(fused, name)
        monkeypatch.setattr(fused, name, lambda *a, _f=original, _n=name, **k: calls.append(_n) or _f(*a, **k))
    layer, x_r, x_c = step_layer(2, 10, "float64")

    def use_all():
        closed_form_gradient(layer, x_r, x_c, "supervised")
        sx_pid(random_pmfs(3, (4, 4, 2)))
        return cache.environment()["kernels"]

    assert use_all() == "fused" and calls == ["bin_indices", "bin_indices", "score_step", "atoms_and_checks"]
    calls.clear()
    with fused.turned_off():
        with fused.turned_off():
            assert use_all() == "eager"
        assert use_all() == "eager"
    assert calls == [] and fused.active()


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("shape", [(3, 500, 7), (2, 2, 100, 4), (50, 3)])
def test_joint_is_the_eager_joint_bit_for_bit(dtype, shape):
    """theta_joint without a gradient to record runs the kernel: the same joint to the bit
    (leading axes kept, clipped θ included); with one, it stays differentiable."""
    g = torch.Generator().manual_seed(len(shape))
    theta = torch.rand(shape, generator=g, dtype=torch.float64).to(dtype)
    theta.view(-1)[:9] = torch.tensor([0.0, 1.0, 1e-9, 1 - 1e-9, 0.5, 1e-6, 1 - 1e-6, 0.0, 1.0], dtype=dtype)
    bin_r, bin_c = torch.randint(0, 6, shape, generator=g), torch.randint(0, 3, shape, generator=g)
    got = theta_joint(theta, bin_r, bin_c, 6, 3)
    with fused.turned_off():
        want = theta_joint(theta, bin_r, bin_c, 6, 3)
    assert got.shape == (*shape[:-2], shape[-1], 6, 3, 2) and torch.equal(got, want)
    leaf = theta.clone().requires_grad_()
    assert theta_joint(leaf, bin_r, bin_c, 6, 3).grad_fn is not None
    assert torch.equal(fused.theta_joint(theta.reshape(-1, *shape[-2:]), bin_r.int().reshape(-1, *shape[-2:]),
                                         bin_c.short().reshape(-1, *shape[-2:]), 6, 3, THETA_CLIP),
                       want.reshape(-1, shape[-1], 6, 3, 2))  # other integer types of bins


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_settle_step_is_the_eager_sign_step(dtype):
    from infomorphic_core import hopfield

    g = torch.Generator().manual_seed(0)
    state = torch.where(torch.rand(3, 40, 9, generator=g) < 0.5, 1.0, -1.0).to(dtype)
    field = torch.randn(3, 40, 9, generator=g, dtype=dtype)
    field[field.abs() < 0.3] = 0.0
    field[0, 0, :4] = torch.tensor([float("nan"), -0.0, 1e-300 if dtype == torch.float64 else 1e-40, -1e-40])
    field[1, 2] = state[1, 2]  # a fixed point
    previous = torch.where(field > 0, 1.0, -1.0).to(dtype)  # where it equals the new state: a 2-cycle
    done = torch.zeros(3, 40, dtype=torch.bool)
    done[2, :5] = True
    expected = torch.where(done[..., None], state, hopfield.sign_keep(field, state))
    for first in (True, False):
        s, q, d = state.clone(), previous.clone(), done.clone()
        moving = fused.settle_step(field, s, q, d, first)
        assert torch.equal(s, expected)
        assert torch.equal(q[~done], state[~done]) and torch.equal(q[done], previous[done])
        fixed = (expected == state).all(-1)
        closed = fixed | (~torch.tensor(first) & (expected == previous).all(-1))
        assert torch.equal(d, done | closed) and moving == int((~d).sum())
        cycles = (expected == previous).all(-1) & ~fixed & ~done  # closed 2-cycles only
        assert bool(fixed[1, 2]) and cycles.any() and bool((d[cycles] == (not first)).all())


@needs_kernel
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_minover_kernel_is_the_eager_loop(dtype):
    from infomorphic_core import hopfield

    g = torch.Generator().manual_seed(1)
    for runs, m, n, iterations in ((3, 30, 20, 500), (2, 1, 5, 7), (1, 45, 20, 3000)):
        xi = torch.where(torch.rand(runs, m, n, generator=g) < 0.5, 1.0, -1.0).to(dtype)
        xi[0, -1] = xi[0, 0]  # a repeated pattern: ties in the least field
        fast = hopfield.krauth_mezard(xi, iterations)
        with fused.turned_off():
            slow = hopfield.krauth_mezard(xi, iterations)
        assert torch.equal(fast, slow) and fast.abs().max() > 0
