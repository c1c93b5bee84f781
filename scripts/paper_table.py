#!/usr/bin/python3
"""paper_table.py MODE DIR MANIFEST OUT — the table of scripts/reproduce_paper.sh.

Reads the manifest (one tab-separated line per row: row, run, status, launch,
command) and the JSON reports DIR/<run>.json, DIR/<run>.time ("wall_seconds
maxrss_KiB") and DIR/<run>.cmd, and writes OUT (through a temporary file and a
rename): provenance, the exact-fit table, the SGD table and one section per
row with its command, time and memory.  A number is printed only when the
row's status is ok or reused and its report holds it; otherwise the row says
why it has none.  Settings come from the environment (RC_F, ...).  Standard
library only.
"""
import datetime
import hashlib
import json
import math
import os
import platform
import socket
import subprocess
import sys

# The paper's values (Zhang et al.; /work/shared/design/NUMERICS.md).
# row: (what, paper test error, paper RKHS norm)
PAPER = {
    "mnist-pixels": ("MNIST pixels, Gaussian kernel, λ = 0", "1.2 %", "≈ 220"),
    "mnist-gabor": ("MNIST Gabor wavelet features, λ = 0", "0.6 %", "≈ 390"),
    "cifar-pixels": ("CIFAR-10 pixels, Gaussian kernel, λ = 0", "46 %", "—"),
    "cifar-randconv": ("CIFAR-10 random conv. features, λ = 0", "17 % (32,000 filters)", "—"),
    "cifar-randconv-ridge": ("CIFAR-10 random conv. features, ℓ2 ridge",
                             "15 % (λ not stated)", "—"),
    "mnist-random-labels": ("MNIST pixels, random labels", "train 0 %, test ≈ 90 % (chance)", "—"),
    "cifar-random-labels": ("CIFAR-10 pixels, random labels", "train 0 %, test ≈ 90 % (chance)",
                            "—"),
    "mnist-corrupt-20": ("MNIST pixels, labels corrupted p = 0.2", "train 0 %; no kernel number",
                         "—"),
    "mnist-corrupt-40": ("MNIST pixels, labels corrupted p = 0.4", "train 0 %; no kernel number",
                         "—"),
    "mnist-corrupt-60": ("MNIST pixels, labels corrupted p = 0.6", "train 0 %; no kernel number",
                         "—"),
    "mnist-corrupt-80": ("MNIST pixels, labels corrupted p = 0.8", "train 0 %; no kernel number",
                         "—"),
    "sgd-mnist": ("MNIST pixels: kernel SGD (EigenPro) vs the exact α*",
                  "SGD from 0 → the min-norm solution (no number)", "—"),
    "sgd-cifar": ("CIFAR-10 pixels: kernel SGD (EigenPro) vs the exact α*",
                  "SGD from 0 → the min-norm solution (no number)", "—"),
}
FULL_N = {"mnist": 60000, "cifar10": 50000}
DATA_FILES = {
    "mnist": ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte"],
    "cifar10": ["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"],
}


def pct(x):
    return "%.2f %%" % (100.0 * x)


def num(x, digits=4):
    if x is None:
        return "—"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return "{:,.0f}".format(x)
    return "%.*g" % (digits, x)


def sci(x):
    return "—" if x is None else "%.1e" % x


def gb(b):
    if b is None:
        return "—"
    return "%.2f GB" % (b / 1e9) if b >= 1e8 else "%.0f MB" % (b / 1e6)


def secs(s):
    if s is None:
        return "—"
    return "%.1f s" % s if s < 100 else "%.0f s (%.1f min)" % (s, s / 60)


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def finite(*xs):
    return all(isinstance(x, (int, float)) and math.isfinite(x) for x in xs)


class Row:
    def __init__(self, line, d):
        self.row, self.run, self.status, self.launch, self.cmd = line.rstrip("\n").split("\t")
        self.what, self.paper_err, self.paper_norm = PAPER[self.row]
        self.report = os.path.join(d, self.run + ".json")
        self.log = os.path.join(d, self.run + ".log")
        self.r = None
        self.why = None        # why there is no number
        self.wall = self.maxrss = None
        if self.status in ("ok", "reused"):
            try:
                with open(self.report) as f:
                    self.r = json.load(f)
            except (OSError, ValueError) as e:
                self.why = "FAILED: report unreadable (%s)" % e
            try:
                with open(os.path.join(d, self.run + ".time")) as f:
                    w = f.read().split()
                self.wall = float(w[0])
                self.maxrss = int(w[1]) * 1024 if len(w) > 1 else None
            except (OSError, ValueError, IndexError):
                pass
        elif self.status == "failed":
            self.why = "FAILED (log: `%s`)" % self.log
        elif self.status == "stale":
            self.why = "stale: the report's command differs from this script's (rerun with --only %s)" % self.row
        else:
            self.why = "not run"
        if self.r is not None:
            self.check()

    def check(self):
        """Refuses a report that does not hold the row's numbers."""
        r = self.r
        if self.row.startswith("sgd-"):
            fin, ref = r.get("final") or {}, r.get("reference") or {}
            ok = finite(fin.get("test_error"), fin.get("norm"), fin.get("rel_dist"),
                        ref.get("test_error"), ref.get("rkhs_norm"))
        elif self.row == "cifar-randconv-ridge":
            lam = float(os.environ.get("RC_LAMBDA", "nan"))
            pts = [p for p in r.get("lambda_path", []) if not p.get("failed")
                   and math.isclose(p.get("lambda", math.nan), lam, rel_tol=1e-12)]
            ok = len(pts) == 1 and finite(pts[0].get("test_error"), pts[0].get("rkhs_norm"))
            self.point = pts[0] if ok else None
            if not ok:
                self.why = "FAILED: no successful λ = %s point in the report" % lam
                self.r = None
                return
        else:
            ok = r.get("converged") is True and finite(r.get("test_error"), r.get("train_error"),
                                                       r.get("rkhs_norm"))
        if not ok:
            self.why = "FAILED: the report lacks the numbers or says not converged (`%s`)" % self.report
            self.r = None

    # ---- what the row shows -------------------------------------------------
    def dataset(self):
        return "cifar10" if "cifar10:" in self.r.get("data", "") else "mnist"

    def scale(self, mode):
        r = self.r
        n = r["n"]
        s = "n = {:,}".format(n)
        if r.get("features", "").startswith("randconv:"):
            s += ", F = {:,}".format(int(r["features"].split(":")[1]))
        if self.row.startswith("sgd-"):
            s += ", %d epochs" % r["epochs"]
        if r.get("n_test") != 10000:
            s += ", n_test = {:,}".format(r.get("n_test", 0))
        small = n < FULL_N[self.dataset()]
        if mode == "quick":
            return "quick (scaled down): " + s
        return "full: " + s + (" (smaller than the paper's)" if small else "")

    def time(self):
        r = self.r
        if self.row.startswith("sgd-"):
            # The script's wall clock (the report's phases overlap: set-up includes
            # the first evaluation); their sum when there is none.
            t = self.wall if self.wall is not None else sum(
                r.get(k) or 0 for k in ("t_setup", "t_train", "t_eval"))
        else:
            t = (r.get("timings") or {}).get("total")
        return t

    def memory(self):
        r = self.r
        dist = r.get("distributed")
        if dist:
            return "%s per rank, %s in all" % (gb(dist.get("peak_rss_bytes_max")),
                                             gb(dist.get("peak_rss_bytes_sum")))
        if "peak_rss_bytes" in r:
            return gb(r["peak_rss_bytes"])
        return gb(self.maxrss) + " (GNU time)" if self.maxrss else "—"

    def launched(self):
        d = self.r.get("distributed")
        if d:
            return "mpirun, %d ranks (%d × %d)" % (d["ranks"], d["grid"][0], d["grid"][1])
        if "blas_threads" in self.r:
            return "1 process, %d BLAS threads" % self.r["blas_threads"]
        return "1 process"


def md5(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def provenance(mode, rows, root):
    env = os.environ
    out = []
    rev = sh("git", "-C", root, "rev-parse", "HEAD")
    dirty = sh("git", "-C", root, "status", "--porcelain", "--untracked-files=no")
    out.append("* date: %s" % datetime.datetime.now(datetime.timezone.utc)
               .strftime("%Y-%m-%d %H:%M:%S UTC"))
    out.append("* git revision: `%s`%s (branch `%s`)" % (
        rev or "unknown", " **dirty** (uncommitted changes to tracked files, as git describe --dirty)" if dirty else "",
        sh("git", "-C", root, "rev-parse", "--abbrev-ref", "HEAD")))
    revs = sorted({r.r.get("git_revision", "?") for r in rows if r.r})
    if revs:
        out.append("* revisions in the reports: %s" % ", ".join("`%s`" % v for v in revs))
    out.append("* mode: **%s**%s" % (mode, " — every row is scaled down (n ≤ 10,000), not the paper's size"
                                     if mode == "quick" else ""))
    ranks = int(env.get("RANKS", "0"))
    out.append("* ranks: %s" % ("mpirun -np %d for the fits that support it (see each row's "
                                "\"run on\"), one BLAS thread per rank" % ranks if ranks > 1
                                else "none (every run is one process)"))
    seeds = sorted({r.r.get("seed") for r in rows if r.r})
    out.append("* seed: `--seed %s` on every run (reports: %s)" % (
        env.get("SEED", "?"), ", ".join(str(s) for s in seeds) or "—"))
    blas = sorted({r.r.get("blas") for r in rows if r.r and r.r.get("blas")})
    threads = sorted({r.r.get("blas_threads") for r in rows if r.r and "blas_threads" in r.r})
    out.append("* BLAS (from the reports): %s; BLAS threads: %s (OPENBLAS_NUM_THREADS=%s)" % (
        "; ".join("`%s`" % b for b in blas) or "—",
        ", ".join(str(t) for t in threads) or "—", env.get("OPENBLAS_NUM_THREADS", "unset")))
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 2**20)
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    out.append("* machine: `%s`, %s, nproc %d, memory %s, %s %s" % (
        socket.gethostname(), cpu or platform.machine(), os.cpu_count() or 0, mem,
        platform.system(), platform.release()))
    out.append("* settings: RC_F=%s RC_FLAGS=\"%s\" RC_SIGMA=%s RC_LAMBDA=%s QUICK_N=%s "
               "QUICK_RC_F=%s MPI_TIMEOUT=%s" % tuple(env.get(k, "") for k in (
                   "RC_F", "RC_FLAGS", "RC_SIGMA", "RC_LAMBDA", "QUICK_N", "QUICK_RC_F",
                   "MPI_TIMEOUT")))
    # Data: md5 of every file, checked against scripts/fetch_data.sh's list.
    data = env.get("DATA", "data")
    try:
        with open(os.path.join(root, "scripts", "fetch_data.sh")) as f:
            known = f.read()
    except OSError:
        known = ""
    out.append("* data (md5; ✓ = the sum in scripts/fetch_data.sh):")
    for ds, files in DATA_FILES.items():
        for name in files:
            p = os.path.join(data, ds, name)
            if os.path.isfile(p):
                m = md5(p)
                out.append("  * `%s/%s` `%s` %s" % (ds, name, m, "✓" if m in known
                                                     else "**not the fetched file**"))
            else:
                out.append("  * `%s/%s` missing" % (ds, name))
    return out


def main():
    mode, d, manifest, dest = sys.argv[1:5]
    root = os.getcwd()
    with open(manifest) as f:
        rows = [Row(line, d) for line in f if line.strip()]
    L = ["# Zhang et al. (2017/2021), kernel experiments: the paper beside minnorm (%s)" % mode, "",
         "Written by `scripts/reproduce_paper.sh --%s`; every number below is read from the "
         "JSON report named in its row's section (`%s/`)." % (mode, d), "",
         "## Provenance", ""]
    L += provenance(mode, rows, root)
    L += ["", "## Exact kernel fits", "",
          "Test error on the full 10,000-image test set; RKHS norm = sqrt(trace(Yᵀα)) for one-hot "
          "Y (the paper does not state its convention nor its feature scaling, so norms compare "
          "only roughly). The paper's randomization tests report networks; for the kernel it "
          "states that it fits them exactly, and chance is 90 %.", "",
          "| row | what | scale | run on | paper: test error | minnorm: test error | train error "
          "| paper: norm | RKHS norm | rel. residual | time | peak memory |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    nscale = "quick (scaled down)" if mode == "quick" else "full"
    for x in rows:
        if x.row.startswith("sgd-"):
            continue
        if x.r is None:
            L.append("| `%s` | %s | %s | %s | %s | %s | — | %s | — | — | — | — |" % (
                x.row, x.what, nscale, x.launch, x.paper_err, x.why, x.paper_norm))
            continue
        r = x.r
        if x.row == "cifar-randconv-ridge":
            p = x.point
            te, tr, nm, res = p["test_error"], p["train_error"], p["rkhs_norm"], p["relative_residual"]
            what = "%s, λ = %g (RC_LAMBDA: the best ridge on a validation split of the training set, README; never the test set)" % (
                x.what, p["lambda"])
            tm, mem = "(the λ = 0 run)", "(the λ = 0 run)"
        else:
            te, tr, nm, res = r["test_error"], r["train_error"], r["rkhs_norm"], r.get("relative_residual")
            what = x.what
            if r.get("features", "none") != "none":
                what += " (`%s`, σ = %g)" % (r["features"], r["kernel"].get("sigma", float("nan")))
            else:
                what += " (σ = %g)" % r["kernel"].get("sigma", float("nan"))
            if r.get("labels", "true") != "true":
                what += ", labels changed: %s" % pct(r.get("labels_changed_fraction", 0))
            tm, mem = secs(x.time()), x.memory()
        L.append("| `%s` | %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s |" % (
            x.row, what, x.scale(mode), x.launched(), x.paper_err, pct(te), pct(tr),
            x.paper_norm, num(nm), sci(res), tm, mem))
    L += ["", "## SGD against the exact solution", "",
          "`minnorm sgd --method kernel --eigenpro 160 --compare MODEL`: SGD from α = 0 on the same "
          "kernel, measured against the exact α* that the pixel row above saved (its model file).", "",
          "| row | scale | run on | paper | SGD test error | exact α*: test error | SGD norm | exact norm "
          "| ‖α − α*‖/‖α*‖ | RKHS distance / ‖f*‖ | test predictions = α*'s | η halvings | time | peak memory |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for x in rows:
        if not x.row.startswith("sgd-"):
            continue
        if x.r is None:
            L.append("| `%s` | %s | %s | %s | %s | — | — | — | — | — | — | — | — | — |" % (
                x.row, nscale, x.launch, x.paper_err, x.why))
            continue
        r, f, ref = x.r, x.r["final"], x.r["reference"]
        L.append("| `%s` | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            x.row, x.scale(mode), x.launched(), x.paper_err, pct(f["test_error"]),
            pct(ref["test_error"]), num(f["norm"]), num(ref["rkhs_norm"]), num(f["rel_dist"], 3),
            num(f.get("rkhs_dist"), 3), pct(f["agree"]) if finite(f.get("agree")) else "—",
            r.get("step_halvings", "—"), secs(x.time()), x.memory()))
    L += ["", "## Runs", "",
          "Per row: the exact command (run from the repository root), where its report and log are, "
          "and what it took. Wall time is the script's clock around the command (set-up and data "
          "loading included); phase times are the report's."]
    for x in rows:
        L += ["", "### `%s` — %s" % (x.row, x.status), ""]
        if x.row == "cifar-randconv-ridge":
            L.append("The `--lambda-path` point of the `cifar-randconv` run (one more factorization "
                     "of the same K; no run of its own).")
            if x.r is None:
                L.append("")
                L.append("No number: %s." % x.why)
            continue
        L += ["```sh", x.cmd, "```", ""]
        if x.r is None:
            L.append("No number: %s." % x.why if "log:" in x.why
                     else "No number: %s. Log: `%s`." % (x.why, x.log))
            continue
        r = x.r
        L.append("* report `%s` (written %s by revision `%s`), log `%s`" % (
            x.report, r.get("date", "?"), r.get("git_revision", "?"), x.log))
        if x.row.startswith("sgd-"):
            L.append("* %s; batch %s, η %s (η_max %s), q %s, subsample %s, K's rows %s, "
                     "reference `%s`" % (x.launched(), r.get("batch"), num(r.get("eta")),
                                         num(r.get("eta_max")), r.get("eigenpro_q"),
                                         r.get("subsample"), r.get("kernel_rows_precision"),
                                         (r.get("reference") or {}).get("source")))
            L.append("* time: set-up %s, training %s (median epoch %s), evaluation %s; wall %s" % (
                secs(r.get("t_setup")), secs(r.get("t_train")), secs(r.get("t_epoch_median")),
                secs(r.get("t_eval")), secs(x.wall)))
        else:
            t = r.get("timings") or {}
            L.append("* %s; solver `%s` (asked `%s`), n = {:,}, n_test = {:,}, rcond %s".format(
                r["n"], r["n_test"]) % (x.launched(), r.get("solver"), r.get("solver_requested"),
                                        sci(r.get("rcond_estimate"))))
            L.append("* time: %s; total %s; wall %s" % (
                ", ".join("%s %s" % (k, secs(v)) for k, v in t.items()
                          if k != "total" and isinstance(v, (int, float)) and v > 0),
                secs(t.get("total")), secs(x.wall)))
            for p in r.get("lambda_path", []):
                L.append("* λ = %g: test error %s, norm %s%s" % (
                    p["lambda"], "—" if p.get("failed") else pct(p["test_error"]),
                    "—" if p.get("failed") else num(p["rkhs_norm"]),
                    " (failed)" if p.get("failed") else ""))
        L.append("* peak memory: %s%s" % (x.memory(), "; GNU time's maxrss %s" % gb(x.maxrss)
                                          if x.maxrss and "peak_rss_bytes" in r else ""))
    tmp = dest + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write("\n".join(L) + "\n")
    os.replace(tmp, dest)


if __name__ == "__main__":
    main()
