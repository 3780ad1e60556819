"""scikit-learn twin of bench/cluster.ts: the same three kernels on the same raw float32 files; prints one JSON line.

Run with /usr/bin/python3 (Debian's python3-sklearn). --knn-out gets the neighbour indices (int32, N x K,
self dropped) so the caller can check that both found the same neighbours.
"""
import argparse
import json
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

ap = argparse.ArgumentParser()
ap.add_argument("--blobs", required=True, help="float32 raw file, N x D")
ap.add_argument("--wide", required=True, help="float32 raw file, N x WIDE_D")
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--d", type=int, required=True)
ap.add_argument("--wide-d", type=int, required=True)
ap.add_argument("--k", type=int, required=True)
ap.add_argument("--iters", type=int, required=True)
ap.add_argument("--neighbours", type=int, required=True)
ap.add_argument("--pca-dim", type=int, required=True)
ap.add_argument("--kernels", default="kmeans,knn,pca")
ap.add_argument("--knn-out")
args = ap.parse_args()
kernels = args.kernels.split(",")
out = {"sklearn": sklearn.__version__, "numpy": np.__version__}


def timed(f):
    """{seconds} of one run of f, and its result."""
    t = time.perf_counter()
    result = f()
    return {"seconds": round(time.perf_counter() - t, 3)}, result


x = np.fromfile(args.blobs, dtype=np.float32).reshape(args.n, args.d)
if "kmeans" in kernels:
    timing, km = timed(lambda: KMeans(n_clusters=args.k, n_init=1, max_iter=args.iters, init="k-means++", algorithm="lloyd", tol=0, random_state=0).fit(x))
    out["kmeans"] = {**timing, "inertia": float(km.inertia_), "iters": int(km.n_iter_)}

if "knn" in kernels:
    K = args.neighbours
    out["knn"], (_, idx) = timed(lambda: NearestNeighbors(n_neighbors=K + 1, metric="cosine", algorithm="brute").fit(x).kneighbors(x))
    if args.knn_out:
        # Drop each row itself (or, if a duplicate outranked it, the last candidate).
        rows = np.arange(args.n)[:, None]
        keep = idx != rows
        keep[keep.all(axis=1), K] = False
        idx[keep].reshape(args.n, K).astype(np.int32).tofile(args.knn_out)

if "pca" in kernels:
    w = np.fromfile(args.wide, dtype=np.float32).reshape(args.n, args.wide_d)

    def pca(solver):
        # Fit, then project the data, as the TypeScript side does (fitPca + applyPca).
        p = PCA(args.pca_dim, whiten=True, svd_solver=solver).fit(w)
        p.transform(w)
        return p

    for solver in ["auto", "full"]:
        timing, p = timed(lambda: pca(solver))
        out["pca" if solver == "auto" else "pcaFull"] = {**timing, "solver": p._fit_svd_solver}

print(json.dumps(out))
