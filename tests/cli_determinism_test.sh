#!/usr/bin/env bash
# minnorm tests — same seed, same thread count (and rank count) -> the same
# bits, for every command, on tiny generated data (gen_idx: 200 training, 50
# test images).
#
# Usage: cli_determinism_test.sh PATH/TO/minnorm PATH/TO/gen_idx [MPI_RUN]
#
# Each command runs twice with the same flags, from two directories, with
# OPENBLAS_NUM_THREADS fixed (2, or 1 under mpirun); its outputs are
# compared byte for byte after removing what is a clock or a date:
#   fit           --save-alpha .npy, --save-pred, --save-model, --out JSON
#                 (gaussian, --solver cg, eig, mixed; --inputs random and
#                 --labels corrupt with a seed; --features rff and randconv)
#   sweep         --out CSV minus its t_* columns
#   sgd           kernel, pcg, primal: --save-alpha, --out CSV minus t_*
#                 columns, --report JSON
#   predict       --out predictions, --scores .npy
#   interpolants  --out JSON
#   fit on 2 ranks (mpirun -np 2, when MPI_RUN = tests/mpi_run.sh is given):
#                 --save-alpha, --save-pred, --out JSON
# JSON: the keys date, command, timings, t_*, seconds, peak_rss_bytes* and
# communication_seconds_max are dropped, and in sgd's rows the t_* fields.
set -u
bin=${1:?usage: cli_determinism_test.sh MINNORM GEN_IDX [MPI_RUN]}
gen=${2:?usage: cli_determinism_test.sh MINNORM GEN_IDX [MPI_RUN]}
mpirun_sh=${3:-}
py=/usr/bin/python3
. "$(dirname "$0")/cli_lib.sh" cli-determinism
export OPENBLAS_NUM_THREADS=2

data=$work/data
mkdir -p "$data"
"$gen" "$data" 200 50 || { echo "gen_idx failed"; exit 1; }
D=(--data "mnist:$data" --n 200 --n-test 50)

# Drops the clock columns (header t_*) of a CSV.
csv_strip() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) drop[i] = ($i ~ /^t_/) }
           { out = ""; for (i = 1; i <= NF; i++) if (!drop[i]) out = out $i ","; print out }' "$1"
}
# Drops clocks and dates from a JSON report (keys at any depth; sgd's rows
# by row_fields).
json_strip() {
  "$py" - "$1" <<'PY'
import json, re, sys
r = json.load(open(sys.argv[1]))
clock = re.compile(r"^(date|command|timings|t_.*|seconds|time|peak_rss_bytes.*|communication_seconds_max)$")
def strip(v):
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if not clock.match(k)}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
if isinstance(r, dict) and "row_fields" in r and "rows" in r:
    keep = [i for i, f in enumerate(r["row_fields"]) if not f.startswith("t_")]
    r["rows"] = [[row[i] for i in keep] for row in r["rows"]]
print(json.dumps(strip(r), sort_keys=True, indent=1))
PY
}

# A model file's members, meta.json without its date (a zip: the member's
# CRC would differ with the date).
mnm_strip() {
  "$py" - "$1" <<'PY'
import json, re, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in sorted(z.namelist()):
        b = z.read(name)
        if name == "meta.json":
            m = json.loads(b)
            m.pop("date", None)
            b = json.dumps(m, sort_keys=True).encode()
        sys.stdout.write("%s %s\n" % (name, b.hex()))
PY
}

# twice DESC CMD ARGS...: runs "$bin" (or the MPI wrapper when CMD is
# "mpi") in $work/r1 and $work/r2; output names are relative (a.npy, p.txt,
# m.mnm, r.json, o.csv, s.npy), so the command lines are the same.
twice() {
  local desc=$1 where
  shift
  ntest=$((ntest + 1))
  for where in r1 r2; do
    rm -rf "${work:?}/$where"
    mkdir -p "$work/$where"
    if [ "$1" = mpi ]; then
      (cd "$work/$where" && "$mpirun_sh" 120 2 "$bin" "${@:2}") >"$work/$where.out" 2>&1
    else
      (cd "$work/$where" && "$bin" "$@") >"$work/$where.out" 2>&1
    fi || { fail "$desc: exit $?: $(head -c 300 "$work/$where.out")"; return; }
  done
  local f diff=""
  for f in $(cd "$work/r1" && ls); do
    case "$f" in
      *.json) cmp -s <(json_strip "$work/r1/$f") <(json_strip "$work/r2/$f") || diff="$diff $f" ;;
      *.csv) cmp -s <(csv_strip "$work/r1/$f") <(csv_strip "$work/r2/$f") || diff="$diff $f" ;;
      *.mnm) cmp -s <(mnm_strip "$work/r1/$f") <(mnm_strip "$work/r2/$f") || diff="$diff $f" ;;
      *) cmp -s "$work/r1/$f" "$work/r2/$f" || diff="$diff $f" ;;
    esac
  done
  if [ -n "$diff" ]; then fail "$desc: differ:$diff"
  elif [ -z "$(ls "$work/r1")" ]; then fail "$desc: no outputs"
  else ok "$desc: $(cd "$work/r1" && ls | tr '\n' ' ')"
  fi
}

F=(--save-alpha a.npy --save-pred p.txt --out r.json --quiet)
twice "fit auto" fit "${D[@]}" "${F[@]}" --save-model m.mnm
twice "fit cg" fit "${D[@]}" "${F[@]}" --solver cg
twice "fit eig" fit "${D[@]}" "${F[@]}" --solver eig
twice "fit mixed from the data" fit "${D[@]}" "${F[@]}" --solver mixed --mixed-k data
twice "fit --inputs random --labels corrupt:0.3" fit "${D[@]}" "${F[@]}" --inputs random \
  --labels corrupt:0.3 --seed 11
# The comparison sees a difference where there is one: another seed.
ntest=$((ntest + 1))
(cd "$work/r1" && "$bin" fit "${D[@]}" "${F[@]}" --inputs random --labels corrupt:0.3 --seed 12) \
  >/dev/null 2>&1
if cmp -s "$work/r1/a.npy" "$work/r2/a.npy"; then fail "seeds 11 and 12 give the same alpha"
else ok "seeds 11 and 12 give different alphas"; fi
twice "fit --features rff:300" fit "${D[@]}" "${F[@]}" --features rff:300 --seed 3
twice "fit --features randconv:64" fit "${D[@]}" "${F[@]}" --features randconv:64 \
  --randconv-block 256 --seed 4
twice "sweep" sweep "${D[@]}" --corrupt 0,0.5 --seed 5 --out o.csv --quiet
twice "sgd kernel" sgd "${D[@]}" --epochs 3 --seed 6 --save-alpha a.npy --out o.csv \
  --report r.json --quiet
twice "sgd pcg" sgd "${D[@]}" --method pcg --epochs 5 --eigenpro 20 --seed 7 \
  --save-alpha a.npy --out o.csv --report r.json --quiet
twice "sgd primal" sgd "${D[@]}" --method primal --features rff:300 --epochs 3 --seed 8 \
  --save-alpha a.npy --out o.csv --report r.json --quiet
"$bin" fit "${D[@]}" --save-model "$work/model.mnm" --quiet || fail "fit for predict"
twice "predict" predict --model "$work/model.mnm" --data "mnist:$data" --out p.txt \
  --scores s.npy --quiet
twice "interpolants" interpolants --data "mnist:$data" --n 100 --n-test 30 --seed 9 \
  --out r.json --quiet
if [ -n "$mpirun_sh" ]; then
  twice "fit on 2 ranks (scalapack-mixed)" mpi fit "${D[@]}" "${F[@]}"
  twice "fit on 2 ranks (scalapack)" mpi fit "${D[@]}" "${F[@]}" --solver scalapack
fi

echo "cli_determinism: $((ntest - nfail))/$ntest passed"
[ "$nfail" -eq 0 ]
