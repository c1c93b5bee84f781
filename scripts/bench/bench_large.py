#!/usr/bin/python3
"""bench_large.py - the body of scripts/bench/run_large.sh (issue: the full
60,000 x 60,000 MNIST system on one machine).

For each n: one `minnorm fit --solver packed` and one `--solver mixed`
(serially), then from their JSON reports:
  packed factor rate  (n^3/3 / t_factor) / dgemm rate      target >= 0.7
  single factor rate  (n^3/3 / t_factor) / sgemm rate      target >= 0.85
  mixed whole run     t_total / (n^3/3 / sgemm rate)       target <= 1.5 (n = 60000)
  peak RSS            peak_rss / (kernel bytes + data)      target <= 1.1
and how closely the two solvers agree (max relative alpha difference,
fraction of identical test predictions).  GEMM rates come from
minnorm-bench-gemm in the same run.  Reports, never asserts.
Existing reports can be reused with --reuse N:PACKED.json,MIXED.json (a
60k pair takes ~20 minutes to recompute).
"""
import argparse, json, os, re, statistics, subprocess, sys

D, C = 784, 10

def gemm_rates(build):
    out = subprocess.run([os.path.join(build, "scripts/bench/minnorm-bench-gemm"), "4000", "5"],
                         check=True, capture_output=True, text=True).stdout
    rates = {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+) ([\d.]+) GF/s", out, re.M)}
    blas = re.search(r"^blas (.*)$", out, re.M).group(1)
    return rates["dgemm"] * 1e9, rates["sgemm"] * 1e9, blas

def run_fit(build, data, n, solver, outdir):
    base = os.path.join(outdir, f"fit-{n}-{solver}")
    cmd = [os.path.join(build, "minnorm"), "fit", "--data", f"mnist:{data}", "--n", str(n),
           "--solver", solver, "--quiet", "--out", base + ".json",
           "--save-model", base + ".npy", "--save-pred", base + ".pred"]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    return base

def agreement(pbase, mbase):
    import numpy as np
    a, b = np.load(pbase + ".npy"), np.load(mbase + ".npy")
    rel = float(np.max(np.abs(a - b)) / np.max(np.abs(a)))
    pa = open(pbase + ".pred").read().split()
    pb = open(mbase + ".pred").read().split()
    same = sum(x == y for x, y in zip(pa, pb)) / max(1, len(pa))
    return rel, same

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reuse", action="append", default=[],
                    help="N:PACKED_BASE,MIXED_BASE (paths without .json)")
    ap.add_argument("sizes", nargs="*", type=int)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    dg, sg, blas = gemm_rates(a.build)
    print(f"dgemm {dg/1e9:.1f} GF/s, sgemm {sg/1e9:.1f} GF/s   ({blas})")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')} "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '')}")
    runs = {}
    for spec in a.reuse:
        n, paths = spec.split(":", 1)
        p, m = paths.split(",")
        runs[int(n)] = (p, m)
    for n in a.sizes:
        runs[n] = (run_fit(a.build, a.data, n, "packed", a.out),
                   run_fit(a.build, a.data, n, "mixed", a.out))
    rows = []
    for n in sorted(runs):
        p, m = runs[n]
        jp, jm = json.load(open(p + ".json")), json.load(open(m + ".json"))
        flops = n ** 3 / 3
        data_bytes = (jp["n"] + jp["n_test"]) * D * 8
        rel, same = agreement(p, m)
        rows.append((n,
                     flops / jp["timings"]["factor"] / dg,
                     flops / jm["timings"]["factor"] / sg,
                     jm["timings"]["total"] / (flops / sg),
                     jp["peak_rss_bytes"] / (jp["kernel_matrix_bytes"] + data_bytes),
                     jm["peak_rss_bytes"] / (jm["kernel_matrix_bytes"] + data_bytes),
                     jp["timings"]["total"], jm["timings"]["total"],
                     jp["test_error"], jm["test_error"], rel, same,
                     jm["mixed"]["refinement_steps"], jm["mixed"]["pcg_steps"]))
    print()
    print("     n | packed factor | single factor | mixed total | peak RSS / (K + data) |"
          " total s        | test error %    | alpha rel diff | same pred | refine+pcg")
    print("       |   / dgemm     |   / sgemm     | / n^3/3/sgemm | packed   mixed       |"
          " packed  mixed  | packed  mixed   |                |           |")
    for r in rows:
        print(f"{r[0]:6d} | {r[1]:13.3f} | {r[2]:13.3f} | {r[3]:13.3f} | {r[4]:6.3f}  {r[5]:6.3f}"
              f"        | {r[6]:6.0f} {r[7]:6.0f}  | {100*r[8]:6.2f} {100*r[9]:6.2f}  |"
              f" {r[10]:14.2e} | {r[11]:9.4f} | {r[12]}+{r[13]}")
    print("targets: packed factor >= 0.7 x dgemm, single factor >= 0.85 x sgemm, "
          "mixed total <= 1.5 x n^3/3/sgemm at n = 60000, peak RSS <= 1.1 x (K + data)")

if __name__ == "__main__":
    main()
