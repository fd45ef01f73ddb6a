"""Optimal transport: exact Earth Mover's distance, Monge assignment, W_p between sample sets.

Kantorovich's problem between masses a (n,) and b (m,) with ground cost C (n, m):

    EMD(a, b; C) = min_gamma sum_ij gamma_ij C_ij   over gamma >= 0, gamma 1 = a, gamma^T 1 = b

(Kantorovich 1942; Rubner et al. 2000 for the name), solved exactly by POT's network
simplex (Bonneel et al. 2011), never stopped early in silence. Between sample sets,
W_p(P, Q) = EMD(a, b; d^p)^(1/p) (Villani 2008; Arjovsky et al. 2017, eq. 1): `wasserstein`
solves it on the dense cost matrix below 4e6 pairs and, from there on, on a sparse
candidate graph that grows until reduced costs over all n * m pairs certify the optimum
(LP duality; k-d tiles skip the pairs whose bounds rule them out), in O(n + m + edges)
memory: two 50,000-point samples of 8 Gaussians in 2-D in 115 s of one core and 1.2 GiB,
where the dense simplex would need ~110 GiB (benchmarks/transport_bench.py). Monge's
problem (n unit masses to n unit masses) is an assignment problem (Kuhn 1955), solved by
scipy's `linear_sum_assignment`. Approximations: sliced Wasserstein (Rabin et al. 2011;
Bonneel et al. 2015) and entropic transport by Sinkhorn's iterations (Cuturi 2013).

Modules: `inputs` (the checks shared by every solver), `exact` (Earth Mover's distance,
Monge assignment), `sample_sets` (ground costs, W_p, 1-D by sorting), `sparse` (W_p on a
certified sparse candidate graph), `sliced`, `entropic` (Sinkhorn), `memory` (what a solve
needs against what is available: a solve that cannot fit is refused before it starts).

Every input is checked before it reaches a solver: a bad value raises `WganError` with a
message that names it.
"""
from __future__ import annotations

from .entropic import sinkhorn
from .exact import (AssignmentResult, TransportResult, TransportWarning, earth_movers_distance,
                    exact_solver_iterations, monge_assignment)
from .inputs import Metric, check_cost, check_masses
from .sample_sets import ground_cost, transport_plan, wasserstein, wasserstein_1d
from .sliced import random_directions, sliced_wasserstein
from .sparse import SparseTransportResult, sparse_wasserstein

__all__ = ["AssignmentResult", "Metric", "SparseTransportResult", "TransportResult", "TransportWarning",
           "check_cost", "check_masses", "earth_movers_distance", "exact_solver_iterations", "ground_cost",
           "monge_assignment", "random_directions", "sinkhorn", "sliced_wasserstein", "sparse_wasserstein",
           "transport_plan", "wasserstein", "wasserstein_1d"]
