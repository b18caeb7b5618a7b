"""Fused CPU kernels, compiled on first use where a C compiler is present: the sx-PID on full
tables, the learning step's binning and score, a step of the memory test's sign dynamics, and
the minover (Krauth–Mézard) rule's loop.

Eager PyTorch makes one pass over memory per operation: :func:`~infomorphic_core.pid.sx_pid`
needs about fifteen on 20×20×2 tables, :func:`~infomorphic_core.pid.sx_pid_lattice` well over a
hundred on three-source tables. The kernels (``sx_pid.c``) read each table once and do the rest
in the CPU cache, with vectorised logarithms: about 3 one-pass equivalents for the bivariate
sx-PID of 10⁴ tables of 20×20×2, about 14 for the 18 atoms of 10³ tables of 20×20×20×2
(``make bench``, the book's Performance page). They sum in double, also for float32 tables, so
their float32 atoms are closer to the exact ones than the eager path's.

Both functions use them for CPU tensors when no gradient is recorded (and, for ``sx_pid``, no
local atoms are asked for); otherwise, or when the library cannot be built (no compiler, no
glibc vector maths), the eager path runs, which gives the same atoms to float rounding.

The learning step (:func:`~infomorphic_core.gradient.closed_form_gradient`) is a few large matrix
products and about a hundred operations on tensors of a few thousand entries, each of which
costs eager PyTorch more in dispatch than in arithmetic. Two kernels take most of them:
:func:`bin_indices` gives :meth:`~infomorphic_core.estimate.Binning.indices` bit for bit, and
:func:`score_step` builds the θ-weighted joints (:func:`theta_joint` alone, for evaluations)
and each sample's score. The bins and the joints are the eager path's bit for bit; the score
follows the eager operations in their order and precision, so that it differs from the eager
one only in the order of a few sums and the last bit of a logarithm, as two of PyTorch's CPU
math paths differ (tests/test_fused.py). A score in double would be more exact (the float32
gradient of an MNIST-sized layer is off by up to 2·10⁻³ of its largest entry against float64,
the score in double by at most 1.2·10⁻⁵), but following the eager operations keeps the kernel
checkable against them one by one, and the trained numbers of the fused and the eager paths
(which runs where no compiler is) as close as those of two math paths.

The memory test's dynamics (:func:`~infomorphic_core.hopfield.settle`) makes
five passes per step besides its matrix product (sign, two comparisons with the last two states,
a selection, the bookkeeping); :func:`settle_step` makes one, in place. Its states are ±1, so it
is exact.

The kernels are built without floating-point contraction (``-ffp-contract=off``): every product
and sum is rounded as written, on every CPU.

``INFOMORPHIC_FUSED=0`` turns all kernels off; ``CC`` chooses the compiler. The library is built
with ``-march=native`` against glibc's vector logarithms (libmvec), or with scalar ones where the
C library has none (musl, macOS; :func:`status` says which), and kept in the cache folder under
``kernels/uid-UID``, which only its user may write: a library is code, so one that another user
owns or could replace is neither built nor loaded (the eager path runs, and :func:`status` says
why). Its name hashes the CPU, the source, the compiler and the flags; a new build removes the
older builds of the same CPU, and a cache shared between machines keeps one build per CPU.

The signatures take ``int64_t`` sizes and indices (torch's ``int64``) on every platform.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import logging
import math
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

from .io import default_dir

SOURCE = Path(__file__).with_name("sx_pid.c")
ENV = "INFOMORPHIC_FUSED"
_FLAGS = ["-O3", "-march=native", "-fopenmp-simd", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off",
          "-fPIC", "-shared"]
if platform.machine() in ("x86_64", "AMD64"):
    _FLAGS.append("-mprefer-vector-width=512")  # gcc's default on AVX-512 machines is 256
# glibc's vector logarithms where the C library has them; elsewhere (musl, macOS) the same source
# builds with scalar ones
_LINKS = (["-DINFOMORPHIC_LIBMVEC", "-lmvec", "-lm"], ["-lm"])
# below this many table entries per thread (128 tables of 20×20×2) a second thread costs more
# than it saves
_MIN_ENTRIES_PER_THREAD = 100_000

_log = logging.getLogger(__name__)
_state: dict = {}


def _cpu_id() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() + platform.machine()
    return "\n".join(line for line in lines if line.startswith(("model name", "flags")))


def _uid() -> int | None:
    return os.getuid() if hasattr(os, "getuid") else None


def kernels_dir() -> Path:
    """Where this user's builds live: a folder of the cache that only this user can write (a
    shared cache holds one per user); refused, with the reason, when another user could."""
    uid = _uid()
    folder = default_dir() / "kernels" / (f"uid-{uid}" if uid is not None else "user")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _private(folder)
    return folder


def _private(path: Path) -> None:
    """Refuse to load code from ``path`` when someone else owns it or could write it."""
    if _uid() is None:  # no POSIX owners (Windows): the user's own cache folder is trusted
        return
    mode = path.stat()
    if mode.st_uid != _uid() or mode.st_mode & 0o022:
        raise PermissionError(f"{path} is owned or writable by another user; the kernels are not "
                              f"built or loaded from there")


def _build() -> ctypes.CDLL:
    compiler = os.environ.get("CC") or shutil.which("cc") or "gcc"
    source = SOURCE.read_bytes()
    folder = kernels_dir()
    cpu = hashlib.sha256(_cpu_id().encode()).hexdigest()[:8]
    errors = []
    for libs in _LINKS:
        build = hashlib.sha256(b"\0".join([source, " ".join([compiler] + _FLAGS + libs).encode()])).hexdigest()[:12]
        target = folder / f"sx_pid-{cpu}-{build}.so"
        try:
            if not target.exists():
                # build under a private name, then rename: parallel workers never load a half-written file
                with tempfile.TemporaryDirectory(dir=folder) as tmp:
                    built = Path(tmp) / target.name
                    defines = [a for a in libs if a.startswith("-D")]
                    subprocess.run([compiler, *_FLAGS, *defines, str(SOURCE), "-o", str(built),
                                    *[a for a in libs if a not in defines]], check=True,
                                   capture_output=True, timeout=120)
                    os.replace(built, target)
            _private(target)
            lib = ctypes.CDLL(str(target))
        except (OSError, subprocess.SubprocessError) as error:
            errors.append(error)
            continue
        _state["build"] = "glibc's vector maths" if "-lmvec" in libs else "scalar logarithms (no libmvec)"
        # earlier builds for this CPU (another source or compiler) are never loaded again
        for old in folder.glob(f"sx_pid-{cpu}-*.so"):
            if old != target:
                with contextlib.suppress(OSError):
                    old.unlink()
        break
    else:
        raise errors[-1]
    long, pointer = ctypes.c_int64, ctypes.c_void_p  # int64_t in the C signatures
    for dtype in ("f32", "f64"):
        for name, argtypes in (("sx_pid", [pointer] + [long] * 4 + [pointer] * 2),
                               ("sx_red_lattice", [pointer] + [long] * 6 + [pointer] * 3)):
            fn = getattr(lib, f"{name}_{dtype}")
            fn.argtypes, fn.restype = argtypes, None
        fn = getattr(lib, f"bins_{dtype}")
        real = ctypes.c_float if dtype == "f32" else ctypes.c_double
        fn.argtypes, fn.restype = [pointer] + [long] * 5 + [real, real] + [pointer] * 2, long
        fn = getattr(lib, f"score_step_{dtype}")
        fn.argtypes, fn.restype = [pointer] * 5 + [long] * 5 + [pointer, real, real] + [pointer] * 4, long
        fn = getattr(lib, f"settle_step_{dtype}")
        fn.argtypes, fn.restype = [pointer] * 4 + [long] * 3, long
        fn = getattr(lib, f"score_samples_{dtype}")
        fn.argtypes, fn.restype = [pointer] * 4 + [long] * 5 + [pointer, long, pointer, long] + [pointer] * 2 + [
            real] + [pointer] * 3, long
        fn = getattr(lib, f"minover_{dtype}")
        fn.argtypes, fn.restype = [pointer] * 2 + [long] * 4 + [pointer] * 2, None
    return lib


def library() -> ctypes.CDLL | None:
    """The compiled kernel, built on the first call; ``None`` where it is turned off or cannot be
    built (:func:`status` says why)."""
    if "lib" not in _state:
        _state["lib"], _state["why"] = None, f"turned off ({ENV}=0)"
        if os.environ.get(ENV, "1") != "0":
            try:
                lib = _build()
                _state["lib"], _state["why"] = lib, f"compiled, with {_state['build']}"
            except (OSError, subprocess.SubprocessError, AttributeError) as error:
                detail = getattr(error, "stderr", b"") or b""
                _state["why"] = f"unavailable: {error} {detail.decode(errors='replace')[-300:]}".strip()
                # silent here (a page or a test would show a warning as debris); the command line
                # says it once (notice()), the Performance page prints status()
                _log.info("sx_pid uses the eager path: %s", _state["why"])
    return _state["lib"]


def notice() -> str | None:
    """One line for a command's user when the kernels could not be used although they were not
    turned off (the results then come from the eager path, slower, under their own cache key);
    ``None`` otherwise."""
    library()
    if _state["lib"] is None and os.environ.get(ENV, "1") != "0":
        return f"note: the fused kernels are {_state['why']}; the eager path runs ({ENV}=0 silences this)"
    return None


def _required() -> ctypes.CDLL:
    """The library, for the kernels' callers (which check ``applies*`` first)."""
    lib = library()
    if lib is None:
        raise RuntimeError(f"the fused kernels are not available: {status()}")
    return lib


def status() -> str:
    """``"compiled, with …"`` (glibc's vector maths or scalar logarithms), or why the eager path
    is used."""
    library()
    return _state["why"]


@contextlib.contextmanager
def turned_off():
    """Within the block, every caller takes the eager path (for comparisons); nests."""
    _state["off"] = _state.get("off", 0) + 1
    try:
        yield
    finally:
        _state["off"] -= 1


def active() -> bool:
    """Whether the kernels are used here: built, and not inside :func:`turned_off`."""
    return not _state.get("off") and library() is not None


def reset() -> None:
    """Forget the loaded kernel, so that the next call builds or looks it up again (tests)."""
    _state.clear()


def _takes(t: torch.Tensor, min_dim: int) -> bool:
    """What every kernel needs of its main input: a float32/64 CPU tensor of at least ``min_dim``
    axes and no gradient to record, and the kernels in use."""
    return (t.device.type == "cpu" and t.dtype in (torch.float32, torch.float64) and t.dim() >= min_dim
            and not (t.requires_grad and torch.is_grad_enabled()) and active())


def applies(p: torch.Tensor, pointwise: bool) -> bool:
    """Whether :func:`sx_pid` on ``p`` can use the kernel."""
    return not pointwise and p.numel() > 0 and _takes(p, 3)


BIN_METHODS = {"adaptive": 0, "minmax": 1, "fixed": 2}


def bin_indices(x: torch.Tensor, method: str, n_bins: int, interval: tuple | None = None) -> torch.Tensor:
    """:meth:`~infomorphic_core.estimate.Binning.indices` of CPU tensors ``x`` [..., samples,
    neurons] for the methods of :data:`BIN_METHODS`, bit for bit, in one pass for the range and
    one for the indices."""
    lib = _required()
    *_, n_samples, n_neurons = x.shape
    flat = x.detach().reshape(-1, n_samples, n_neurons).contiguous()
    out = torch.empty(flat.shape, dtype=torch.long)
    low, high = interval if method == "fixed" else (0.0, 1.0)
    fn = lib.bins_f32 if x.dtype == torch.float32 else lib.bins_f64
    work = torch.empty(2 * n_neurons, dtype=x.dtype)
    if flat.numel() and fn(flat.data_ptr(), flat.shape[0], n_samples, n_neurons, BIN_METHODS[method], n_bins,
                           low, high - low, out.data_ptr(), work.data_ptr()):
        raise ValueError("cannot bin NaN or infinite values")
    return out.reshape(x.shape)


def applies_bins(x: torch.Tensor, method: str) -> bool:
    """Whether :func:`bin_indices` applies to ``x`` binned by ``method``."""
    return method in BIN_METHODS and _takes(x, 2)


def applies_step(theta: torch.Tensor) -> bool:
    """Whether the closed-form gradient on ``theta`` [runs, samples, neurons] can use
    :func:`score_step`."""
    return theta.dim() == 3 and theta.numel() > 0 and _takes(theta, 3)


def applies_joint(theta: torch.Tensor) -> bool:
    """Whether :func:`theta_joint` applies to ``theta`` [..., samples, neurons] (no gradient to
    record)."""
    return theta.numel() > 0 and _takes(theta, 2)


def sx_pid(p: torch.Tensor, threads: int | None = None) -> torch.Tensor:
    """Atoms [..., 5] (unq_R, unq_C, red, syn, res) of CPU tables ``p[..., n1, n2, nt]``, split over
    ``threads`` (default: torch's thread count); each table's result does not depend on it."""
    return atoms_and_checks(p, threads)[0]


def atoms_and_checks(p: torch.Tensor, threads: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`sx_pid`'s atoms, with each table's total and smallest entry (shaped like the leading
    axes) from the same pass, for :func:`~infomorphic_core.pid.as_pmf`'s checks."""
    n1, n2, nt = p.shape[-3:]
    work = 2 * n1 * n2 * nt + 2 * n1 * n2 + (n1 + n2) * nt + n1 + n2 + nt
    out = _run("sx_pid", p, 3, 7, work, (n1, n2, nt), threads)
    return out[..., :5], out[..., 5], out[..., 6]


def lattice_and_checks(p: torch.Tensor, spec: tuple, n_nodes: int, n_sources: int, threads: int | None = None):
    """The shared-exclusion redundancy of each of the ``n_nodes`` nodes of a lattice over two or
    three sources (``spec``: per node the mask of its sources, its number of inclusion-exclusion
    terms, then sign and source mask of each), H(T), each table's total and its smallest entry, for tables
    ``p[..., d_1, ..., d_k, nt]``; as :func:`~infomorphic_core.pid.sx_pid_lattice` computes them."""
    dims = p.shape[-n_sources - 1:-1] + (1,) * (3 - n_sources)
    nt = p.shape[-1]
    cells = dims[0] * dims[1] * dims[2]
    work = sum((dims[0] if B & 1 else 1) * (dims[1] if B & 2 else 1) * (dims[2] if B & 4 else 1)
               for B in range(8)) * (nt + 1) + nt * cells
    spec_array = torch.tensor(spec, dtype=torch.long)
    out = _run("sx_red_lattice", p, n_sources + 1, n_nodes + 3, work,
               (*dims, nt, n_nodes, spec_array.data_ptr()), threads)
    return out[..., :n_nodes], out[..., n_nodes], out[..., n_nodes + 1], out[..., n_nodes + 2]


def _run(name: str, p: torch.Tensor, table_dims: int, n_out: int, work_size: int, args: tuple,
         threads: int | None) -> torch.Tensor:
    """Call kernel ``name`` on the tables of ``p`` (its last ``table_dims`` axes), split over
    ``threads`` (default: torch's thread count); each table's result does not depend on it."""
    lib = _required()
    batch = p.shape[:-table_dims]
    p = p.detach().contiguous()
    n = batch.numel()
    out = torch.empty(batch + (n_out,), dtype=p.dtype)
    if n > 0:
        fn = getattr(lib, f"{name}_f32" if p.dtype == torch.float32 else f"{name}_f64")
        table, flat = p.reshape(n, -1), out.reshape(n, n_out)

        def part(lo: int, hi: int) -> None:
            work = torch.empty(work_size, dtype=p.dtype)
            fn(table[lo].data_ptr(), hi - lo, *args, flat[lo].data_ptr(), work.data_ptr())

        threads = max(1, min(threads or torch.get_num_threads(), p.numel() // _MIN_ENTRIES_PER_THREAD))
        if threads == 1:
            part(0, n)
        else:  # ctypes releases the GIL during the call
            cuts = [n * k // threads for k in range(threads + 1)]
            list(_pool(threads).map(part, cuts[:-1], cuts[1:]))
    return out


def _pool(threads: int) -> ThreadPoolExecutor:
    # a forked child inherits the pool but not its threads: it gets a pool of its own
    if _state.get("pool_size", 0) < threads or _state.get("pool_pid") != os.getpid():
        _state["pool"] = ThreadPoolExecutor(threads, thread_name_prefix="sx_pid")
        _state["pool_size"], _state["pool_pid"] = threads, os.getpid()
    return _state["pool"]


def score_step(theta: torch.Tensor, bin_r: torch.Tensor, bin_c: torch.Tensor, da_dr: torch.Tensor,
               da_dc: torch.Tensor, n_r: int, n_c: int, coefficients: torch.Tensor, clip: float,
               threads: int | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The closed-form gradient's middle part for CPU tensors [runs, samples, neurons]: the
    θ-weighted joints p [runs, neurons, n_r, n_c, 2] (:func:`~infomorphic_core.estimate.theta_joint`),
    and f_r, f_c [runs, samples, neurons]: each sample's score F(r̃, c̃) / N
    (:func:`~infomorphic_core.gradient.pid_score` of the goal whose classical coefficients are
    ``coefficients`` [runs, 5]) times θ(1 − θ) (zero where θ is clipped) times ∂A/∂r, ∂A/∂c.
    The runs are split over ``threads``; each run's result does not depend on it."""
    return _step(theta, bin_r, bin_c, n_r, n_c, clip, (da_dr, da_dc, coefficients), threads)


def theta_joint(theta: torch.Tensor, bin_r: torch.Tensor, bin_c: torch.Tensor, n_r: int, n_c: int,
                clip: float, threads: int | None = None) -> torch.Tensor:
    """:func:`~infomorphic_core.estimate.theta_joint` of CPU tensors [runs, samples, neurons], bit
    for bit, in one pass (:func:`score_step` without the score)."""
    return _step(theta, bin_r, bin_c, n_r, n_c, clip, None, threads)[0]


def _step(theta, bin_r, bin_c, n_r, n_c, clip, score, threads):
    lib = _required()
    dtype = theta.dtype
    runs, n_samples, n_neurons = theta.shape
    theta = theta.detach().contiguous()
    # the kernel reads 64-bit indices (.long() of an int64 tensor is the tensor itself)
    bin_r, bin_c = (b.long().expand(theta.shape).contiguous() for b in (bin_r, bin_c))
    p = torch.empty(runs, n_neurons, n_r, n_c, 2, dtype=dtype)
    if score is None:
        da_dr = da_dc = f_r = f_c = coefficients = None
    else:
        da_dr, da_dc = (d.to(dtype).expand(theta.shape).contiguous() for d in score[:2])
        coefficients = score[2].to(torch.float64).expand(runs, 5).contiguous()
        f_r, f_c = torch.empty_like(theta), torch.empty_like(theta)
    fn = lib.score_step_f32 if dtype == torch.float32 else lib.score_step_f64
    lo, hi = (float(torch.tensor(v, dtype=dtype)) for v in (clip, 1 - clip))

    def part(a: int, b: int) -> int:
        work = torch.empty(3 * n_neurons * n_r * n_c + 5 * (n_r + n_c), dtype=dtype)
        at = [None if t is None else t[a].data_ptr() for t in (theta, bin_r, bin_c, da_dr, da_dc, coefficients,
                                                                p, f_r, f_c)]
        return fn(*at[:5], b - a, n_samples, n_neurons, n_r, n_c, at[5], lo, hi, *at[6:], work.data_ptr())

    threads = max(1, min(threads or torch.get_num_threads(), runs, theta.numel() // _MIN_ENTRIES_PER_THREAD))
    cuts = [runs * k // threads for k in range(threads + 1)]
    bad = part(0, runs) if threads == 1 else sum(_pool(threads).map(part, cuts[:-1], cuts[1:]))
    if bad:
        raise ValueError(f"{bad} bin indices lie outside the {n_r}×{n_c} grid")
    return p, f_r, f_c


def applies_samples(theta: torch.Tensor) -> bool:
    """Whether :func:`score_samples` takes ``theta``."""
    return theta.numel() > 0 and _takes(theta, 1)


def score_samples(theta: torch.Tensor, bins, n_bins, members, signs, coefficients: torch.Tensor, c_h: float,
                  neurons_last: bool = False, threads: int | None = None) -> torch.Tensor:
    """Each sample's score of a lattice goal (:func:`~infomorphic_core.three_source.goal_score`)
    for CPU tensors ``theta`` (clipped) and ``bins`` (one per source), each [..., samples], or
    with ``neurons_last`` [..., samples, neurons] as a layer computes them (no transposed copies);
    ``members`` (per source set, 0/1 per source) and ``signs`` (per node, one per set) the
    lattice's unions, ``coefficients`` its c_α. The tables are split over ``threads``; each
    table's score does not depend on it."""
    lib = _required()
    dtype = theta.dtype
    theta = theta.detach().contiguous()
    inner = theta.shape[-1] if neurons_last else 1
    n_samples = theta.shape[-2] if neurons_last else theta.shape[-1]
    n = theta.numel() // n_samples
    bins = [b.long().expand(theta.shape).contiguous() for b in bins] + [None] * (3 - len(bins))
    members = torch.tensor(members, dtype=torch.long)
    signs = torch.tensor(signs, dtype=dtype)
    coefficients = coefficients.to(dtype).contiguous()
    cells = sum(math.prod(k for k, m in zip(n_bins, row) if m) for row in members.tolist())
    n_bins = torch.tensor(n_bins, dtype=torch.long)
    out = torch.empty_like(theta)
    fn = lib.score_samples_f32 if dtype == torch.float32 else lib.score_samples_f64
    pointers = [None if b is None else b.data_ptr() for b in bins]

    def part(a: int, b: int) -> int:
        work = torch.zeros(2 * cells + (4 * len(members) + 6) * n_samples, dtype=dtype)
        code = torch.empty(len(members) * n_samples, dtype=torch.long)
        return fn(theta.data_ptr(), *pointers, a, b, n_samples, inner, len(n_bins), n_bins.data_ptr(),
                  len(members), members.data_ptr(), len(signs), signs.data_ptr(), coefficients.data_ptr(), c_h,
                  out.data_ptr(), work.data_ptr(), code.data_ptr())

    if n:
        threads = max(1, min(threads or torch.get_num_threads(), n, theta.numel() // _MIN_ENTRIES_PER_THREAD))
        cuts = [n * k // threads for k in range(threads + 1)]
        bad = part(0, n) if threads == 1 else sum(_pool(threads).map(part, cuts[:-1], cuts[1:]))
        if bad:
            raise ValueError(f"{bad} bin indices lie outside their sources' {tuple(n_bins.tolist())} bins")
    return out


def applies_settle(field: torch.Tensor, state: torch.Tensor) -> bool:
    """Whether :func:`settle_step` takes ``field`` and ``state`` [..., patterns, units]."""
    return _takes(field, 2) and state.dtype == field.dtype and field.is_contiguous() and state.is_contiguous()


def settle_step(field: torch.Tensor, state: torch.Tensor, previous: torch.Tensor, done: torch.Tensor,
                first: bool) -> int:
    """One step of the sign dynamics, in place, for the patterns not ``done`` (bool, [...,
    patterns]): ``state`` ← sign(``field``), kept where the field is 0 or NaN; ``previous`` ←
    the old state; a pattern is done at a fixed point or, unless ``first``, a closed 2-cycle.
    Returns the number of patterns not done."""
    lib = _required()
    fn = lib.settle_step_f32 if field.dtype == torch.float32 else lib.settle_step_f64
    return fn(field.data_ptr(), state.data_ptr(), previous.data_ptr(), done.data_ptr(), done.numel(),
              field.shape[-1], int(first))


def applies_minover(patterns: torch.Tensor) -> bool:
    """Whether :func:`minover_counts` takes ``patterns`` [runs, patterns, N]."""
    return _takes(patterns, 3)


def minover_counts(xi: torch.Tensor, overlap: torch.Tensor, iterations: int) -> torch.Tensor:
    """The minover rule's counts [runs, N, patterns] (how often each neuron picked each pattern)
    for ``xi`` [runs, N, patterns] (ξ_i^μ) and ``overlap`` [runs, patterns, patterns]; as
    :func:`~infomorphic_core.hopfield.krauth_mezard`'s loop, exactly."""
    lib = _required()
    runs, n, m = xi.shape
    xi, overlap = xi.contiguous(), overlap.to(xi.dtype).contiguous()
    counts, work = torch.empty_like(xi), torch.empty(m, dtype=xi.dtype)
    fn = lib.minover_f32 if xi.dtype == torch.float32 else lib.minover_f64
    if counts.numel():
        fn(xi.data_ptr(), overlap.data_ptr(), runs, n, m, iterations, counts.data_ptr(), work.data_ptr())
    return counts
