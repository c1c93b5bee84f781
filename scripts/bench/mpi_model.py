#!/usr/bin/python3
"""mpi_model.py — performance model of minnorm's distributed exact fit
(Gram build, ScaLAPACK Cholesky, triangular solves, iterative refinement),
calibrated by scripts/bench/run_mpi.sh on this machine.

  /usr/bin/python3 scripts/bench/mpi_model.py [--results DIR] [--reports a.json ...]
  /usr/bin/python3 scripts/bench/mpi_model.py --summary-only --results DIR
  /usr/bin/python3 scripts/bench/mpi_model.py --best-nb double --results DIR

DIR defaults to results/bench/mpi/latest (raw.txt written by run_mpi.sh: one
"key=value ..." line per measurement; the first bare word is the kind, e.g.
pdpotrf, dpotrf, dgemm).  Every calibration constant can be overridden on the
command line; the script prints what it used and where it came from.

Model (per rank, P ranks on a Pr x Pc grid, block size NB, kernel data n x d,
c right-hand sides; gamma = per-core GEMM rate, eff = fraction of it that the
local ScaLAPACK updates reach):
  Gram      2 n^2 d / P flops at gamma_d, plus n^2 / P entries (exp, clamp,
            store) at `entry_rate` per core.  Full local tiles: a block-cyclic
            rank owns tiles on both sides of the diagonal, no symmetry saving.
  factor    n^3 / (3 P) flops at eff * gamma, plus the critical path that the
            right-looking algorithm without look-ahead does not overlap:
            the NB x NB diagonal potrf (n NB^2 / 3 flops, one rank) and the
            panel trsm on one process column (n^2 NB / (2 Pr) flops, of which
            the 1/Pc share is already in n^3/(3P)), plus communication.
  words     at step k the panel (m_k = n - k NB rows, NB columns) is broadcast
            along the process rows (each rank receives m_k NB / Pr words) and its
            transpose along the process columns (m_k NB / Pc words); summing
            m_k NB over the n/NB steps gives n^2/2, so
               W = n^2/2 * (1/Pr [Pc>1] + 1/Pc [Pr>1])  words received per rank,
            the standard 2-D block-cyclic estimate (cf. the ScaLAPACK Users'
            Guide, Blackford et al. 1997, sec. 5.2, whose Cholesky volume term
            is C_v n^2 / sqrt(P) with C_v growing like log2 P for tree
            broadcasts).  With binomial-tree broadcasts the critical path carries
            W_tree = n^2/2 * (log2 Pc / Pr + log2 Pr / Pc), which is what is timed.
  messages  per step one broadcast of the diagonal block down the column, the
            panel along the row and its transpose down the column:
            M = (n / NB) * (log2 Pc + 2 log2 Pr) on the critical path.
  solves    pdpotrs with c columns: two triangular passes over the local
            factor (n^2/(2P) elements each), memory-bound at `mem_bw` per core,
            plus 2 (n/NB) (log2 Pr + log2 Pc) latencies.
  gram      the blocks on and below the block diagonal: n^2 d / P flops and
            n^2/(2P) kernel entries (all blocks, twice that, when the double
            local K is kept).
  refine    steps + 1 applies of the operator, each from the data the lower
            blocks rebuilt and used twice (n^2 d / P + n^2/(2P) entries +
            2 n^2 c / P, as mpi/dist_fit.c does), and as many single-precision
            solves; or from a stored double local K: n^2 / P elements read,
            memory-bound.
  memory    local K n^2/P * 4 bytes (single), 8 (double), 12 (single factor +
            stored double K), plus replicated data n d 8 and ~4 n c 8 (Y,
            alpha, residual, correction).
"""
import argparse
import collections
import glob
import json
import math
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- measurements --------------------------------------------------------------------------

def parse_raw(path):
    """Records of raw.txt: dict of key=value (numbers converted) + 'kind'.  Lines that
    run_mpi.sh marked contaminated=1 (other processes used the CPUs meanwhile) are kept
    here; prefer() drops them wherever a clean measurement of the same case exists."""
    recs = []
    for line in open(path):
        words = line.split()
        if not words or words[0] == "note":
            continue
        rec = {}
        for w in words:
            if "=" in w:
                k, v = w.split("=", 1)
                try:
                    rec[k] = int(v)
                except ValueError:
                    try:
                        rec[k] = float(v)
                    except ValueError:
                        rec[k] = v
            elif "kind" not in rec:
                rec["kind"] = w
        recs.append(rec)
    return recs


def notes(path):
    """The note lines, and how many result lines were dropped as contaminated."""
    lines = open(path).read().splitlines()
    out = [line.strip() for line in lines if line.startswith("note")]
    dropped = sum(1 for line in lines if "contaminated=1" in line and not line.startswith("note"))
    return out + ["note %d result line(s) marked contaminated (dropped where a clean repeat "
                  "exists)" % dropped]


FLAGGED = set()   # cases whose medians had to use contaminated lines


def prefer(rs, case):
    """The clean records of rs, or all of them (case noted in FLAGGED) if none is clean."""
    clean = [r for r in rs if r.get("contaminated") != 1]
    if clean or not rs:
        return clean
    FLAGGED.add(case)
    return rs


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def group(recs, **want):
    """Seconds of the records matching every key=value in want (clean ones if any)."""
    rs = [r for r in recs if "seconds" in r and all(r.get(k) == v for k, v in want.items())]
    return [r["seconds"] for r in prefer(rs, " ".join("%s=%s" % kv for kv in want.items()))]


class Summary:
    """Medians of the run_mpi.sh measurements."""

    def __init__(self, recs):
        self.recs = recs
        self.gemm = {}                               # (prec, threads) -> GF/s
        for prec, kind in (("double", "dgemm"), ("single", "sgemm")):
            for t in (1, 2):
                g = [r["gflops"] for r in prefer([r for r in recs if r.get("kind") == kind
                                                  and r.get("threads") == t], kind + str(t))]
                if g:
                    self.gemm[prec, t] = med(g)
        self.sweep = collections.defaultdict(dict)   # prec -> nb -> (s, n, reps)
        for r in recs:
            if r.get("tag") == "sweep" and "nb" in r:
                self.sweep[r["prec"]].setdefault(r["nb"], []).append(r)
        self.sweep = {p: {nb: (med([x["seconds"] for x in prefer(v, "sweep %s NB %d" % (p, nb))]),
                               v[0]["n"], len(prefer(v, "")))
                          for nb, v in d.items()} for p, d in self.sweep.items()}
        self.scale = collections.defaultdict(dict)   # prec -> ranks -> (s, n, nb, grid)
        for r in recs:
            if r.get("tag") == "scale" and "ranks" in r:
                self.scale[r["prec"]].setdefault(r["ranks"], []).append(r)
        self.scale = {p: {k: (med([x["seconds"] for x in prefer(v, "scale %s P=%d" % (p, k))]),
                              v[0]["n"], v[0]["nb"], v[0]["grid"])
                          for k, v in d.items()} for p, d in self.scale.items()}

    def best_nb(self, prec):
        d = self.sweep.get(prec, {})
        return min(d, key=lambda nb: d[nb][0]) if d else None

    def target(self, prec):
        """(lapack s, bind-core s, bind-none s, n, nb, reps) or None."""
        lk = "dpotrf" if prec == "double" else "spotrf"
        pk = "pdpotrf" if prec == "double" else "pspotrf"
        la = group(self.recs, tag="target", kind=lk)
        co = group(self.recs, tag="target-core", kind=pk)
        no = group(self.recs, tag="target-none", kind=pk)
        if not la or not (co or no):
            return None
        r = next(x for x in self.recs if x.get("tag") in ("target-core", "target-none")
                 and x.get("kind") == pk)
        return med(la), med(co), med(no), r["n"], r["nb"], min(len(la), len(co) or 99)


def gf(n, s):
    return n ** 3 / 3 / s / 1e9


def print_summary(S, raw_path):
    print("== summary of %s" % raw_path)
    for (prec, t), g in sorted(S.gemm.items()):
        print("  %sgemm, %d thread%s: %.1f GF/s (median)" % (prec[0], t, "s" if t > 1 else "", g))
    for prec in ("double", "single"):
        d = S.sweep.get(prec)
        if not d:
            continue
        best = S.best_nb(prec)
        n = d[best][1]
        print("  NB sweep, p%spotrf 1x2, n = %d (median of %d; time, GF/s, time / best):"
              % (prec[0], n, d[best][2]))
        for nb in sorted(d):
            print("    NB %4d  %8.3f s  %6.1f GF/s  %.3f%s" % (nb, d[nb][0], gf(n, d[nb][0]),
                  d[nb][0] / d[best][0], "  <- best" if nb == best else ""))
        others = sorted(d[nb][0] for nb in d if nb != best)
        if others:
            print("    best NB %d is %.1f %% faster than the runner-up" %
                  (best, 100 * (others[0] / d[best][0] - 1)))
    for prec in ("double", "single"):
        t = S.target(prec)
        if not t:
            continue
        la, co, no, n, nb, reps = t
        lk, pk = ("dpotrf", "pdpotrf") if prec == "double" else ("spotrf", "pspotrf")
        print("  target, n = %d, NB %d (median of %d): %s 2 threads %.2f s (%.1f GF/s); "
              % (n, nb, reps, lk, la, gf(n, la)))
        for name, s in (("bind-to core", co), ("bind-to none", no)):
            if s == s:
                print("    %s 1x2 %s: %.2f s (%.1f GF/s)  ratio %s/%s = %.3f  %s" %
                      (pk, name, s, gf(n, s), lk, pk, la / s,
                       "meets >= 0.9" if la / s >= 0.9 else "MISSES 0.9 by %.1f %%" %
                       (100 * (0.9 - la / s) / 0.9)))
    for prec in ("double", "single"):
        d = S.scale.get(prec)
        if not d:
            continue
        g1 = S.gemm.get((prec, 1))
        print("  strong scaling p%spotrf, n = %d, NB %d (P = 4 oversubscribed: 4 ranks on %d cores):"
              % (prec[0], d[min(d)][1], d[min(d)][2], os.cpu_count()))
        for P in sorted(d):
            s = d[P][0]
            line = "    P = %d (%s)  %7.3f s  %6.1f GF/s  speedup %.2f" % (
                P, d[P][3], s, gf(d[P][1], s), d[min(d)][0] / s)
            if g1:
                line += "  = %.2f x (min(P, cores) x 1-core %sgemm)" % (
                    gf(d[P][1], s) / (min(P, os.cpu_count()) * g1), prec[0])
            print(line)
    checks = [r for r in S.recs if r.get("kind") == "check"]
    for r in checks:
        if r.get("tag") == "check":
            print("  check: n = %d %s resid %.3g (LAPACK's own %.3g), factor rel. diff %.2g"
                  % (r["n"], r["prec"], r["resid"], r["lapack_resid"], r["factor_reldiff"]))
    fails = sum(1 for line in open(raw_path) if " FAIL" in line)
    worst = max((r["resid"] for r in checks), default=float("nan"))
    print("  factor checks (all tags): %d, failed: %d, worst scaled residual %.3g (pass < 30)"
          % (len(checks), fails, worst))
    for nt in notes(raw_path):
        print("  " + nt)
    for case in sorted(c for c in FLAGGED if c):
        print("  NOTE: no clean run of %s; its median uses runs during which other processes "
              "used CPU" % case)


# ---- the model ------------------------------------------------------------------------------

def grid(P):
    """Most square Pr x Pc = P with Pr <= Pc (as bench_pdpotrf and BLACS users pick)."""
    pr = max(d for d in range(1, int(math.isqrt(P)) + 1) if P % d == 0)
    return pr, P // pr


def numroc(n, nb, iproc, nprocs):
    """ScaLAPACK NUMROC (0-based process, source 0)."""
    nblocks = n // nb
    r = (nblocks // nprocs) * nb
    extra = nblocks % nprocs
    if iproc < extra:
        r += nb
    elif iproc == extra:
        r += n % nb
    return r


def lg(x):
    return math.log2(x) if x > 1 else 0.0


class Machine:
    """gamma_d/gamma_s: per-core GEMM GF/s; eff_d/eff_s: ScaLAPACK potrf fraction of it;
    entry_rate: kernel entries (exp, clamp, store) per s per core; mem_bw: bytes/s per core for
    memory-bound passes; cores: cores sharing the ranks (oversubscription); the network:
    bw_intra / bw_inter bytes/s per rank, lat_intra / lat_inter s; rpn ranks per node."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def factor_time(m, n, P, nb, prec, pr=None, pc=None):
    """Seconds of p?potrf and its parts on machine m (dict of components)."""
    if pr is None:
        pr, pc = grid(P)
    g = (m.gamma_d if prec == "double" else m.gamma_s) * 1e9
    e = m.eff_d if prec == "double" else m.eff_s
    es = 8 if prec == "double" else 4
    slow = max(1.0, P / m.cores)                # oversubscription: ranks share cores
    compute = n ** 3 / 3 / P / (e * g) * slow
    crit = (n * nb ** 2 / 3 + n ** 2 * nb / (2 * pr) * (1 - 1 / pc)) / (e * g) * slow
    # Which broadcast dimension leaves the node: ranks are row-major on the grid
    # (BLACS "Row"), rank = r * Pc + c, m.rpn consecutive ranks per node.
    row_intra = pc <= m.rpn and m.rpn % pc == 0
    col_intra = P <= m.rpn
    bw_row = m.bw_intra if row_intra else m.bw_inter
    bw_col = m.bw_intra if col_intra else m.bw_inter
    words_row = n ** 2 / 2 / pr * lg(pc)        # panel along process rows (tree)
    words_col = n ** 2 / 2 / pc * lg(pr)        # transposed panel down process columns
    comm = es * (words_row / bw_row + words_col / bw_col)
    msgs = n / nb * (lg(pc) + 2 * lg(pr))
    lat = (n / nb) * (lg(pc) * (m.lat_intra if row_intra else m.lat_inter) +
                      2 * lg(pr) * (m.lat_intra if col_intra else m.lat_inter))
    words = n ** 2 / 2 * ((1 / pr if pc > 1 else 0) + (1 / pc if pr > 1 else 0))
    # Lower bound: every word received once (pipelined broadcasts), no log factor.
    comm_lb = es * n ** 2 / 2 * ((1 / pr / bw_row if pc > 1 else 0) +
                                 (1 / pc / bw_col if pr > 1 else 0))
    return dict(compute=compute, crit=crit, comm=comm, lat=lat, comm_lb=comm_lb,
                total=compute + crit + comm + lat, words=words, msgs=msgs, pr=pr, pc=pc)


def fit_time(m, n, d, c, P, nb, solver, steps=3, n_test=10000, stored_k=False):
    """Per-phase seconds of the distributed fit: solver 'scalapack' (pdpotrf, double K) or
    'scalapack-mixed' (pspotrf + `steps` refinement steps, residuals from the data, or with
    stored_k from a stored double local K)."""
    pr, pc = grid(P)
    slow = max(1.0, P / m.cores)
    gd = m.gamma_d * 1e9
    # The Gram builds only the blocks on and below the block diagonal (what
    # p?potrf("L") reads: n^2 d / P flops), all of them when the double local
    # K is kept for the residuals (2 n^2 d / P).
    full = 2.0 if stored_k and solver != "scalapack" else 1.0
    gram = (full * n * n * d / P / gd + full * n * n / 2 / P / m.entry_rate) * slow
    # One apply of the operator from the data: the lower blocks rebuilt and
    # each used twice (n^2 d / P + 2 n^2 c / P flops).
    apply_data = (n * n * d / P / gd + n * n / 2 / P / m.entry_rate +
                  2 * n * n * c / P / gd) * slow
    prec = "double" if solver == "scalapack" else "single"
    es = 8 if prec == "double" else 4
    f = factor_time(m, n, P, nb, prec, pr, pc)
    lat = m.lat_inter if P > m.rpn else m.lat_intra
    one_solve = (2 * (n * n / 2 / P) * es / m.mem_bw * slow +
                 2 * (n / nb) * (lg(pr) + lg(pc)) * lat)
    # Refinement with `steps` steps applies the operator steps + 1 times (the
    # residual of every iterate, the last one included) and M^-1 as often.
    if solver == "scalapack":
        # pdpotrs once; K alpha for the report from the data (the factor
        # overwrote the lower blocks)
        residual, solve = apply_data, one_solve
    elif stored_k:
        res_step = n * n / P * 8 / m.mem_bw * slow
        residual = (steps + 1) * res_step
        solve = (1 + steps) * one_solve
    else:
        residual = (steps + 1) * apply_data
        solve = (1 + steps) * one_solve
    predict = (2 * n * n_test * d / P / gd + n * n_test / P / m.entry_rate) * slow
    t = dict(gram=gram, factor=f["total"], solve=solve, residual=residual, predict=predict)
    t["total"] = sum(t.values())
    mloc, nloc = numroc(n, nb, 0, pr), numroc(n, nb, 0, pc)
    kbytes = mloc * nloc * (8 if solver == "scalapack" else 12 if stored_k else 4)
    mem = kbytes + n * d * 8 + 4 * n * c * 8
    return t, f, dict(mem=mem, local=mloc * nloc, kbytes=kbytes)


# ---- calibration ----------------------------------------------------------------------------

def calibrate(S, args):
    """Machine for this box from the run_mpi.sh medians (or the command line)."""
    src = {}

    def pick(name, measured, default, how):
        v = getattr(args, name)
        if v is not None:
            src[name] = "command line"
            return v
        if measured is not None and measured == measured:
            src[name] = how
            return measured
        src[name] = "default (no measurement)"
        return default

    gd = pick("gamma_d", S.gemm.get(("double", 1)), 45.0, "1-thread dgemm n=4000, median")
    gs = pick("gamma_s", S.gemm.get(("single", 1)), 90.0, "1-thread sgemm n=4000, median")
    # Intra-node bandwidth: what the P = 2 run leaves over P = 1's time / 2.  On this box
    # ScaLAPACK on a 1x1 grid runs far below LAPACK (0.6 of dpotrf 1-thread), P = 2 is
    # superlinear and the excess negative, so no bandwidth can be extracted; then it is assumed.
    excess = {}
    for prec in ("double", "single"):
        d = S.scale.get(prec, {})
        if 2 in d and 1 in d:
            excess[prec] = d[2][0] - d[1][0] / 2
    if args.bw_intra is not None:
        bw, src["bw_intra"] = args.bw_intra, "command line"
    else:
        bw = 5e9
        src["bw_intra"] = ("assumed: P = 2 minus P = 1 / 2 = %s s (negative: superlinear), so "
                           "the P = 2 vs P = 1 runs do not isolate communication" %
                           ", ".join("%s %.2f" % kv for kv in sorted(excess.items())) or "n/a")
    m = Machine(gamma_d=gd, gamma_s=gs, eff_d=0.85, eff_s=0.85,
                entry_rate=args.entry_rate, mem_bw=args.mem_bw, cores=os.cpu_count(),
                rpn=os.cpu_count(), bw_intra=bw, bw_inter=bw, lat_intra=args.lat_intra,
                lat_inter=args.lat_intra)
    src["entry_rate"] = "assumed (README n=20,000 Gram: 3.28 s vs 2.55 s GEMM floor)"
    src["mem_bw"] = "assumed (README: c = 10 products at 6 GB/s on 2 cores)"
    # eff: from the P = 2 (1x2) run, the distributed configuration, after its modelled
    # communication and latency: T2 = (n^3/6 + critical-path flops) / (eff gamma) + comm.
    for prec, g in (("double", gd), ("single", gs)):
        name = "eff_" + prec[0]
        d = S.scale.get(prec, {})
        if getattr(args, name) is not None:
            setattr(m, name, getattr(args, name))
            src[name] = "command line"
        elif 2 in d:
            s2, n, nb, _ = d[2]
            setattr(m, name, 1.0)
            f = factor_time(m, n, 2, nb, prec, 1, 2)
            setattr(m, name, (f["compute"] + f["crit"]) / (s2 - f["comm"] - f["lat"]))
            src[name] = ("P = 2 (1x2) p%spotrf, n = %d, NB %d, minus modelled comm "
                         "(P = 1 is not used: ScaLAPACK 1x1 is anomalously slow)" % (prec[0], n, nb))
        else:
            src[name] = "default (no measurement)"
    return m, src


def print_machine(m, src):
    print("== calibration (this box)")
    rows = [("gamma_d", "%.1f GF/s per core" % m.gamma_d), ("gamma_s", "%.1f GF/s per core" % m.gamma_s),
            ("eff_d", "%.3f" % m.eff_d), ("eff_s", "%.3f" % m.eff_s),
            ("entry_rate", "%.3g entries/s per core" % m.entry_rate),
            ("mem_bw", "%.3g B/s per core" % m.mem_bw),
            ("bw_intra", "%.3g B/s per rank" % m.bw_intra)]
    for k, v in rows:
        print("  %-10s %-28s from %s" % (k, v, src.get(k, "")))


def validate(S, m):
    print("== validation: predicted / measured factorization on this box (%d cores)" % m.cores)
    cases = []
    for prec in ("double", "single"):
        for P, (s, n, nb, g) in sorted(S.scale.get(prec, {}).items()):
            pr, pc = map(int, g.split("x"))
            note = {1: "prediction; ScaLAPACK 1x1 is slow here", 2: "calibrates eff"}.get(
                P, "prediction")
            if P > m.cores:
                note += ", oversubscribed"
            cases.append((prec, n, nb, P, pr, pc, s, note))
        t = S.target(prec)
        if t:
            la, co, no, n, nb, _ = t
            cases.append((prec, n, nb, 2, 1, 2, co if co == co else no,
                          "prediction at the target n"))
    for prec, n, nb, P, pr, pc, s, note in cases:
        f = factor_time(m, n, P, nb, prec, pr, pc)
        print("  p%spotrf n=%d NB=%d P=%d (%dx%d): predicted %.2f s (compute %.2f, critical "
              "path %.2f, comm %.2f), measured %.2f s, ratio %.3f  [%s]" %
              (prec[0], n, nb, P, pr, pc, f["total"], f["compute"], f["crit"], f["comm"], s,
               f["total"] / s, note))
    for prec in ("double", "single"):
        t = S.target(prec)
        if t:
            la, co, no, n, nb, _ = t
            g = m.gamma_d if prec == "double" else m.gamma_s
            print("  LAPACK %spotrf 2 threads n=%d: %.2f s = %.3f of 2 x 1-core %sgemm"
                  % (prec[0], n, la, gf(n, la) / (2 * g), prec[0]))


def validate_reports(paths, m, args):
    print("== validation of whole fits (minnorm fit --out reports)")
    for p in paths:
        try:
            r = json.load(open(p))
            t = r["timings"]
            n = int(r["n"])
            dist = r.get("distributed") or {}
            P = int(dist.get("ranks", 1))
            g = dist.get("grid") or list(grid(P))
            nb = int(dist.get("nb", args.nb))
            solver = r.get("used") or r.get("solver") or "scalapack"
            if solver not in ("scalapack", "scalapack-mixed"):
                solver = "scalapack-mixed" if "mixed" in str(solver) else "scalapack"
            d = int(r.get("d", args.d))
            c = int(r.get("classes", args.c))
            mixed = r.get("mixed") or {}
            steps = int(mixed.get("refinement_steps", args.steps))
            stored_k = bool(mixed.get("stored_k", False))
            n_test = int(r.get("n_test", args.n_test))
        except (OSError, KeyError, ValueError, TypeError) as e:
            print("  %s: skipped (%s: %s)" % (p, type(e).__name__, e))
            continue
        # A rank with t BLAS threads on free cores runs t times the 1-thread rates.
        threads = int(r.get("blas_threads", 1) or 1)
        ppr = max(1, min(threads, m.cores // P))
        mm = Machine(**m.__dict__)
        for k in ("gamma_d", "gamma_s", "entry_rate", "mem_bw"):
            setattr(mm, k, getattr(m, k) * ppr)
        pred, _, _ = fit_time(mm, n, d, c, P, nb, solver, steps, n_test, stored_k)
        pred["factor"] = factor_time(mm, n, P, nb, "double" if solver == "scalapack" else "single",
                                     int(g[0]), int(g[1]))["total"]
        print("  %s: %s n=%d d=%d c=%d P=%d grid %sx%s NB=%d, %d BLAS thread(s)/rank, %d "
              "refinement steps%s" % (os.path.basename(p), solver, n, d, c, P, g[0], g[1], nb,
                                      threads, steps if "mixed" in solver else 0,
                                      " (stored double K)" if stored_k else ""))
        if not t.get("residual") and pred["residual"]:
            # the report folds the refinement residuals into "solve"
            pred["solve"] += pred.pop("residual")
            print("    (report has no residual time: solve below = solves + refinement residuals)")
        for k in ("gram", "factor", "solve", "residual", "predict", "total"):
            if t.get(k) and k in pred:
                print("    %-8s predicted %8.2f s  measured %8.2f s  ratio %.2f" %
                      (k, pred[k], t[k], pred[k] / t[k]))


def cluster(m, args):
    n, d, c = 60000, 784, 10
    print("== prediction: MNIST fit n = %d, d = %d, c = %d, %d refinement steps (mixed)"
          % (n, d, c, args.steps))
    scale = args.cluster_core_scale
    cm = Machine(**m.__dict__)
    cm.gamma_d, cm.gamma_s = m.gamma_d * scale, m.gamma_s * scale
    cm.mem_bw = args.cluster_mem_bw
    cm.rpn, cm.cores = 24, 10 ** 9
    cm.bw_intra = m.bw_intra
    cm.bw_inter = args.ib_gbit * 1e9 / 8 / 24        # node injection shared by 24 ranks
    cm.lat_inter = args.ib_lat
    print("  assumed: 24 cores/node, 1 rank per core, 1 BLAS thread; per-core GEMM = %.2f x this "
          "box's (%.1f / %.1f GF/s d/s); eff as measured here (%.2f / %.2f); "
          "entries %.3g/s/core; memory-bound passes %.3g B/s/core;" %
          (scale, cm.gamma_d, cm.gamma_s, cm.eff_d, cm.eff_s, cm.entry_rate, cm.mem_bw))
    print("  interconnect (assumption): %.0f Gb/s InfiniBand shared by 24 ranks (%.2f GB/s per "
          "rank), %.1f us latency; intra-node %.2f GB/s per rank (assumed), %.1f us"
          % (args.ib_gbit, cm.bw_inter / 1e9, cm.lat_inter * 1e6, cm.bw_intra / 1e9,
             cm.lat_intra * 1e6))
    print("  seconds per phase; (comm) = the factor's tree-broadcast + latency part, "
          "[lb] = its pipelined lower bound;")
    print("  words/rank = n^2/2 (1/Pr + 1/Pc), msgs/rank = (n/NB)(log2 Pc + 2 log2 Pr), NB = %d"
          % args.nb)
    print("  %-16s %5s %6s %6s %7s %7s %6s %6s %6s %7s %7s %8s %9s %8s %6s" % (
        "solver", "nodes", "grid", "gram", "factor", "(comm)", "[lb]", "solve", "resid",
        "predict", "total", "mem/rank", "words", "msgs", "2^31"))
    for solver in ("scalapack-mixed", "scalapack"):
        for nodes in (4, 16, 64):
            P = 24 * nodes
            t, f, mem = fit_time(cm, n, d, c, P, args.nb, solver, args.steps, args.n_test)
            pr, pc = f["pr"], f["pc"]
            print("  %-16s %5d %6s %6.1f %7.1f %7.2f %6.2f %6.2f %6.1f %7.1f %7.1f %5.2f GB "
                  "%9.3g %8.0f %6s" % (
                      solver, nodes, "%dx%d" % (pr, pc), t["gram"], t["factor"],
                      f["comm"] + f["lat"], f["comm_lb"], t["solve"], t["residual"],
                      t["predict"], t["total"], mem["mem"] / 1e9, f["words"], f["msgs"],
                      "ok" if mem["local"] < 2 ** 31 else "NO"))
    # One node for the paper's comparison: 24 cores, LAPACK-like efficiency, no network.
    one = Machine(**cm.__dict__)
    one.bw_inter = one.bw_intra
    t1, _, _ = fit_time(one, n, d, c, 24, args.nb, "scalapack", 0, args.n_test)
    t1m, _, _ = fit_time(one, n, d, c, 24, args.nb, "scalapack-mixed", args.steps, args.n_test)
    print("  paper (Zhang et al.): 'under 3 minutes on one 24-core, 256 GB workstation' "
          "(conventional LAPACK call, double);")
    print("  this model on 1 such node (24 ranks): double %.0f s (factor %.0f s), mixed %.0f s "
          "(factor %.0f s)" % (t1["total"], t1["factor"], t1m["total"], t1m["factor"]))
    print("  32-bit local index limit (local array < 2^31 elements), n = %d:" % n)
    for nodes in (1, 4, 16, 64):
        for rpn, what in ((24, "1 rank/core"), (1, "1 rank/node")):
            P = nodes * rpn
            pr, pc = grid(P)
            loc = numroc(n, args.nb, 0, pr) * numroc(n, args.nb, 0, pc)
            print("    %2d node%s, %-11s P = %4d (%dx%d): largest local array %.3g elements %s"
                  % (nodes, "s" if nodes > 1 else " ", what, P, pr, pc, loc,
                     "< 2^31, holds" if loc < 2 ** 31 else ">= 2^31, FAILS"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default=os.path.join(ROOT, "results/bench/mpi/latest"),
                    help="run_mpi.sh output directory (holds raw.txt)")
    ap.add_argument("--reports", nargs="*", default=[], help="minnorm fit --out JSON reports")
    ap.add_argument("--summary-only", action="store_true", help="print the measurement summary")
    ap.add_argument("--best-nb", choices=("double", "single"), help="print the sweep's best NB")
    for k in ("gamma_d", "gamma_s", "eff_d", "eff_s", "bw_intra"):
        ap.add_argument("--" + k.replace("_", "-"), dest=k, type=float,
                        help="override the measured value")
    ap.add_argument("--entry-rate", type=float, default=1.4e8, help="kernel entries/s per core")
    ap.add_argument("--mem-bw", type=float, default=3e9, help="B/s per core, memory-bound passes")
    ap.add_argument("--lat-intra", type=float, default=0.5e-6, help="s, intra-node latency")
    ap.add_argument("--ib-gbit", type=float, default=100.0, help="Gb/s per node (assumed)")
    ap.add_argument("--ib-lat", type=float, default=1.5e-6, help="s, inter-node latency (assumed)")
    ap.add_argument("--cluster-core-scale", type=float, default=1.0,
                    help="cluster per-core GEMM rate / this box's")
    ap.add_argument("--cluster-mem-bw", type=float, default=4e9,
                    help="B/s per core on a full 24-core node (assumed)")
    ap.add_argument("--nb", type=int, default=128,
                    help="block size for predictions (default 128, minnorm's --nb default)")
    ap.add_argument("--steps", type=int, default=3, help="refinement steps (mixed)")
    ap.add_argument("--d", type=int, default=784)
    ap.add_argument("--c", type=int, default=10)
    ap.add_argument("--n-test", type=int, default=10000)
    args = ap.parse_args()
    raw = os.path.join(args.results, "raw.txt")
    recs = parse_raw(raw) if os.path.exists(raw) else []
    S = Summary(recs)
    if args.best_nb:
        nb = S.best_nb(args.best_nb)
        if nb is None:
            sys.exit("mpi_model.py: no %s sweep in %s" % (args.best_nb, raw))
        print(nb)
        return
    if recs:
        print_summary(S, raw)
    else:
        print("mpi_model.py: no measurements in %s; using defaults / command line" % raw)
    if args.summary_only:
        return
    m, src = calibrate(S, args)
    print_machine(m, src)
    validate(S, m)
    if args.reports:
        validate_reports(args.reports, m, args)
    else:
        print("== validation of whole fits: no --reports given, skipped")
    cluster(m, args)


if __name__ == "__main__":
    main()
