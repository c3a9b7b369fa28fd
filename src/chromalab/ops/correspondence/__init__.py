"""Dense correspondence between feature maps: exact (chunked matrix products) and PatchMatch.

Definitions (shared by every function here, and by any faster kernel that implements this interface):

- Features ``feat`` are (B, C, H, W) float tensors. Each position's C-vector is L2-normalised first
  (``F.normalize(feat, dim=1, eps=1e-8)``), so an all-zero vector stays zero.
- The **patch similarity** between target position p = (y, x) and reference position q = (v, u) is

      S(p, q) = 1/9 * sum over offsets o in {-1, 0, 1}^2 of  < f_t(p + o), f_r(q + o) >

  where positions outside either map read as zero vectors (zero padding). S lies in [-1, 1]; it reaches 1
  only for interior positions whose 3x3 patches agree exactly (border patches have fewer terms, so their
  maximum is below 1).
- A match field ``index`` is (B, H, W) long holding the flat reference index ``v * Wr + u`` of the chosen
  reference position for every target position; ``similarity`` is (B, H, W) float32 = S(p, index[p]).
- ``match_exact`` returns, for every p, argmax_q S(p, q) (the first maximum in flat order on ties).
  ``match_patchmatch`` approximates it with random init, propagation and random search.
"""

from __future__ import annotations

import torch

from chromalab.ops.correspondence.common import (
    PATCH,
    Match,
    Matches,
    cycle_consistent,
    normalize_features,
    patch_similarity,
    upsample_index,
    warp,
)
from chromalab.ops.correspondence.exact import match_exact
from chromalab.ops.correspondence.patchmatch import match_patchmatch

__all__ = ["Match", "Matches", "match_exact", "match_patchmatch", "match_both", "patch_similarity",
           "warp", "cycle_consistent", "normalize_features", "upsample_index"]
__all__ += ["PATCH"]


def match_both(feat_t: torch.Tensor, feat_r: torch.Tensor, method: str = "exact", tol: float = 1.0,
               **kwargs) -> Matches:
    """Match in both directions with ``method`` ("exact" or "patchmatch"; ``kwargs`` go to it) and the
    cycle-consistency mask. Shapes: forward (B, H, W), backward (B, Hr, Wr), consistent (B, H, W)."""
    fn = {"exact": match_exact, "patchmatch": match_patchmatch}.get(method)
    if fn is None:
        raise ValueError(f"unknown correspondence method {method!r}; use 'exact' or 'patchmatch'")
    fwd = fn(feat_t, feat_r, **kwargs)
    bwd = fn(feat_r, feat_t, **kwargs)
    return Matches(fwd, bwd, cycle_consistent(fwd.index, bwd.index, feat_r.shape[-1], tol))

