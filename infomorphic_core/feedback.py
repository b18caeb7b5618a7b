"""Multi-layer perceptrons trained by backprop and by the rules that replace its backward pass,
batched over runs: the baselines of a deep network with local or top-down learning.

Every rule computes the output layer's gradient as backprop does, from the output error
e = softmax(z) − onehot(label) (the gradient of the mean cross-entropy, per sample), and differs
in the signal δ_l each hidden layer ℓ receives, its gradient then being δ_l ⊙ f'(a_l) times the
layer's input:

- ``backprop``: δ_l = W_{l+1}ᵀ (δ_{l+1} ⊙ f'(a_{l+1})), the exact gradient;
- ``feedback alignment`` (Lillicrap et al., Nat. Commun. 7, 13276, 2016): the same with a fixed
  random matrix B_{l+1} in place of W_{l+1}ᵀ;
- ``direct feedback alignment`` (Nøkland, NeurIPS 2016): δ_l = B_l e, the output error sent to
  every hidden layer through its own fixed random matrix;
- ``direct random target projection`` (Frenkel, Lefebvre and Bol, Front. Neurosci. 15, 629892,
  2021): δ_l = B_l onehot(label), the target instead of the error, so a hidden layer's update
  needs no forward pass to the output first;
- ``frozen``: hidden layers stay as drawn; only the output layer learns.

Weights and biases start as in ``torch.nn.Linear`` (uniform in ±1/√fan-in), the feedback
matrices uniform in ±1/√(their fan-in), each run from its own stream (seed + run). Adam updates
every trained parameter.
"""

from __future__ import annotations

import math

import torch

from . import rng
from .checks import integer, one_of

RULES = ("backprop", "feedback alignment", "direct feedback alignment", "direct random target projection",
         "frozen")
ACTIVATIONS = {
    "tanh": (torch.tanh, lambda a, h: 1 - h * h),
    "relu": (torch.relu, lambda a, h: (a > 0).to(a.dtype)),
}


class MLP:
    """``sizes[0]`` inputs → hidden layers → ``sizes[-1]`` outputs (logits), ``n_runs`` networks
    in one set of tensors.

    Examples
    --------
    >>> net = MLP((6, 5, 4, 3), "direct feedback alignment", n_runs=2)
    >>> x, labels = torch.randn(8, 6), torch.randint(0, 3, (2, 8))
    >>> loss = net.step(x, labels)
    >>> loss.shape, net.predict(x).shape
    (torch.Size([2]), torch.Size([2, 8]))
    """

    def __init__(self, sizes, rule: str, n_runs: int = 1, seed: int = 0, activation: str = "tanh",
                 lr: float = 1e-3, dtype: torch.dtype = torch.float32):
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least inputs and outputs, got {sizes}")
        for size in sizes:
            integer("sizes", size)
        one_of("rule", rule, RULES)
        one_of("activation", activation, tuple(ACTIVATIONS))
        self.sizes, self.rule, self.n_runs = sizes, rule, n_runs
        self.f, self.df = ACTIVATIONS[activation]

        def uniform(shape, fan_in, *key):
            bound = 1 / math.sqrt(fan_in)
            u = rng.per_run(lambda g: torch.rand(shape, generator=g, dtype=torch.float64), seed, n_runs, *key)
            return ((2 * u - 1) * bound).to(dtype)

        self.weights, self.biases = [], []
        for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
            self.weights.append(uniform((n_out, n_in), n_in, "weight", layer).requires_grad_(True))
            self.biases.append(uniform((n_out,), n_in, "bias", layer).requires_grad_(True))
        n_out, hidden = sizes[-1], sizes[1:-1]
        if rule == "feedback alignment":  # B_{l+1} in place of W_{l+1}ᵀ: [runs, n_l, n_{l+1}]
            self.feedback = [uniform((n, n_next), n_next, "feedback", layer)
                             for layer, (n, n_next) in enumerate(zip(hidden, sizes[2:]))]
        elif rule in ("direct feedback alignment", "direct random target projection"):  # [runs, n_l, n_out]
            self.feedback = [uniform((n, n_out), n_out, "feedback", layer) for layer, n in enumerate(hidden)]
        else:
            self.feedback = []
        trained = self.parameters() if rule != "frozen" else [self.weights[-1], self.biases[-1]]
        self.optimizer = torch.optim.Adam(trained, lr=lr)

    def parameters(self) -> list[torch.Tensor]:
        return [p for pair in zip(self.weights, self.biases) for p in pair]

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Drives a_l and outputs h_l of every layer for x [(runs,) samples, inputs]: the hidden
        layers' h = f(a), the last layer's h = a (the logits)."""
        drives, outputs = [], []
        h = x
        for layer, (w, b) in enumerate(zip(self.weights, self.biases)):
            a = torch.matmul(h, w.transpose(-1, -2)) + b[:, None, :]
            h = a if layer == len(self.weights) - 1 else self.f(a)
            drives.append(a)
            outputs.append(h)
        return drives, outputs

    def gradients(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[dict[int, tuple], torch.Tensor]:
        """The rule's gradient of every layer (layer -> (dW, db)) for x [(runs,) samples, inputs]
        and labels [runs, samples], and each run's mean cross-entropy [runs]. The output layer's
        is backprop's for every rule; ``frozen`` gives no hidden layer's."""
        with torch.no_grad():
            drives, outputs = self.forward(x)
            logits = outputs[-1]
            target = torch.nn.functional.one_hot(labels, self.sizes[-1]).to(logits.dtype)
            log_p = torch.log_softmax(logits, -1)
            loss = -(target * log_p).sum(-1).mean(-1)
            n = labels.shape[-1]
            error = (log_p.exp() - target) / n  # ∂(mean cross-entropy)/∂logits
            inputs = [x.expand(self.n_runs, *x.shape[-2:]) if x.dim() == 2 else x, *outputs[:-1]]
            grads = {}
            delta = error  # ∂loss/∂a of the layer being updated
            last = len(self.weights) - 1
            for layer in range(last, -1, -1):
                grads[layer] = (torch.matmul(delta.transpose(-1, -2), inputs[layer]), delta.sum(-2))
                if layer == 0 or self.rule == "frozen":
                    break
                h = layer - 1  # the hidden layer below
                if self.rule == "backprop":
                    signal = torch.matmul(delta, self.weights[layer])
                elif self.rule == "feedback alignment":
                    signal = torch.matmul(delta, self.feedback[h].transpose(-1, -2))
                elif self.rule == "direct feedback alignment":
                    signal = torch.matmul(error, self.feedback[h].transpose(-1, -2))
                else:  # direct random target projection: the target, not the error
                    signal = torch.matmul(target / n, self.feedback[h].transpose(-1, -2))
                delta = signal * self.df(drives[h], outputs[h])
        return grads, loss

    def step(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """One update of every run on its minibatch; returns each run's loss before it."""
        grads, loss = self.gradients(x, labels)
        self.optimizer.zero_grad()
        for layer, (dw, db) in grads.items():
            self.weights[layer].grad, self.biases[layer].grad = dw, db
        self.optimizer.step()
        return loss

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The class of largest logit [runs, samples]."""
        return self.forward(x)[1][-1].argmax(-1)
