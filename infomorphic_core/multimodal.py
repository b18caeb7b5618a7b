"""Image–sound pairs for the multimodal chapter, and the linear learners and probe its codes are
measured with.

Pairs: each MNIST image gets an utterance from the spoken-digit corpus
(:mod:`infomorphic_core.audio`), drawn with a seed from the speakers of its split (training
images: the training speakers; test images: the held-out ones), by one of :data:`PAIRINGS`:

- ``"class"``: an utterance of the image's digit;
- ``"shuffled"``: an utterance of any digit (the control: sound and image share nothing);
- ``"instance"``: an utterance of the image's digit whose speaking rate follows the image's ink
  (within its digit, the lightest third of the images gets the slowest rate, the heaviest the
  fastest), so that image and sound share a continuous latent beyond the label.

Learners on the training pairs, each giving a map of the image to ``k`` numbers: canonical
correlation analysis (:func:`cca`), a linear two-tower contrastive encoder (:func:`infonce`),
principal components (:func:`pca`). The probe
(:func:`probe`): multinomial logistic regression from a code to the digit, fitted on the
training images' codes and scored on the test images'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import Corpus

PAIRINGS = ("class", "shuffled", "instance")


def pair(digits: np.ndarray, corpus: Corpus, heldout: bool, pairing: str = "class", seed: int = 0,
         ink: np.ndarray | None = None) -> np.ndarray:
    """The corpus index of the utterance paired with each image of ``digits`` (see the module's
    docstring); ``ink`` (each image's total ink) is needed by the ``"instance"`` pairing."""
    if pairing not in PAIRINGS:
        raise ValueError(f"pairing must be one of {PAIRINGS}, got {pairing!r}")
    g = np.random.default_rng([seed, int(heldout), PAIRINGS.index(pairing)])
    pool = np.flatnonzero(corpus.heldout == heldout)
    if pairing == "shuffled":
        return pool[g.integers(len(pool), size=len(digits))]
    out = np.empty(len(digits), dtype=np.int64)
    if pairing == "class":
        for d in range(10):
            mine, candidates = np.flatnonzero(digits == d), pool[corpus.digit[pool] == d]
            out[mine] = candidates[g.integers(len(candidates), size=len(mine))]
        return out
    if ink is None:
        raise ValueError("the instance pairing needs each image's ink")
    rates = np.unique(corpus.rate)
    for d in range(10):
        mine = np.flatnonzero(digits == d)
        rank = np.argsort(np.argsort(ink[mine], kind="stable"), kind="stable")
        level = rank * len(rates) // len(mine)  # equal shares of the digit's images per rate
        for k, rate in enumerate(rates):
            who = mine[level == k]
            candidates = pool[(corpus.digit[pool] == d) & (corpus.rate[pool] == rate)]
            out[who] = candidates[g.integers(len(candidates), size=len(who))]
    return out


@dataclass(frozen=True)
class Linear:
    """x ↦ (x − mean) @ weights: a learned linear code of ``k`` numbers."""

    mean: np.ndarray
    weights: np.ndarray  # [inputs, k]
    correlations: np.ndarray | None = None  # canonical correlations (CCA only)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) @ self.weights


def cca(x: np.ndarray, a: np.ndarray, k: int, ridge: float = 1e-3) -> tuple[Linear, Linear]:
    """Linear CCA of paired samples ``x`` [n, p] and ``a`` [n, q]: the maps of each side onto its
    first ``k`` canonical variates (unit variance, uncorrelated, the i-th of x correlating with
    the i-th of a by the i-th canonical correlation). ``ridge`` (times each covariance's mean
    variance) regularises the covariances, which pixel data leaves singular."""
    return cca_ridges(x, a, k, (ridge,))[0]


def cca_ridges(x: np.ndarray, a: np.ndarray, k: int, ridges) -> list[tuple[Linear, Linear]]:
    """:func:`cca` at each of ``ridges``, each covariance decomposed once (a ridge shifts its
    eigenvalues only)."""
    mx, ma = x.mean(0), a.mean(0)
    xc, ac = x - mx, a - ma
    n = len(x)

    def spectrum(z):
        c = z.T @ z / n
        values, vectors = np.linalg.eigh(c)
        return values, vectors, np.trace(c) / len(c)

    (vx, ex, sx), (va, ea, sa) = spectrum(xc), spectrum(ac)
    cross = xc.T @ ac / n
    out = []
    for ridge in ridges:
        wx = ex / np.sqrt(vx + ridge * sx) @ ex.T
        wa = ea / np.sqrt(va + ridge * sa) @ ea.T
        u, s, vt = np.linalg.svd(wx @ cross @ wa, full_matrices=False)
        out.append((Linear(mx, wx @ u[:, :k], s[:k]), Linear(ma, wa @ vt.T[:, :k], s[:k])))
    return out


def infonce(x: np.ndarray, a: np.ndarray, k: int, epochs: int = 20, batch: int = 256, lr: float = 1e-2,
            temperature: float = 0.1, seed: int = 0) -> tuple[Linear, Linear]:
    """A linear two-tower encoder trained by InfoNCE (van den Oord et al. 2018) on paired samples:
    each side mapped to ``k`` numbers, normalised to unit length; for every pair of a
    minibatch, the cross-entropy of picking its partner among the minibatch's others by the
    cosine similarity over ``temperature``, both directions averaged. Adam, ``epochs`` passes
    in a seeded order. Returns the maps (before the normalisation)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    mx, ma = x.mean(0), a.mean(0)
    xt = torch.as_tensor(x - mx, dtype=torch.float32)
    at = torch.as_tensor(a - ma, dtype=torch.float32)
    wx = torch.nn.Parameter(torch.randn(x.shape[1], k, generator=g) / np.sqrt(x.shape[1]))
    wa = torch.nn.Parameter(torch.randn(a.shape[1], k, generator=g) / np.sqrt(a.shape[1]))
    optimizer = torch.optim.Adam([wx, wa], lr=lr)
    targets = torch.arange(batch)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for start in range(0, len(x) - batch + 1, batch):
            idx = order[start:start + batch]
            u = torch.nn.functional.normalize(xt[idx] @ wx, dim=-1)
            v = torch.nn.functional.normalize(at[idx] @ wa, dim=-1)
            logits = u @ v.T / temperature
            loss = 0.5 * (torch.nn.functional.cross_entropy(logits, targets)
                          + torch.nn.functional.cross_entropy(logits.T, targets))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return Linear(mx, wx.detach().double().numpy()), Linear(ma, wa.detach().double().numpy())


def pca(x: np.ndarray, k: int) -> Linear:
    """The first ``k`` principal components of ``x`` (projections, not whitened)."""
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return Linear(mean, vt[:k].T)


def probe(train: np.ndarray, train_digits: np.ndarray, test: np.ndarray, test_digits: np.ndarray) -> float:
    """Test accuracy of a multinomial logistic regression (standardised codes, scikit-learn's
    default L2 penalty) from code to digit."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scale = StandardScaler().fit(train)
    model = LogisticRegression(max_iter=2000).fit(scale.transform(train), train_digits)
    return float(model.score(scale.transform(test), test_digits))
