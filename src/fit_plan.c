/* minnorm — the fit's memory plan: which solver runs for n samples and c
 * classes within a budget, and the advice when none fits (see fit.h). */
#include <stdio.h>
#include <string.h>
#include "minnorm/fit.h"
#include "minnorm/op.h"
#include "minnorm/packed.h"
#include "minnorm/sysinfo.h"
#include "fit_internal.h"

/* The routes a fit can take; `auto` tries the first three in order. */
typedef struct { mn_solver_kind kind; int stored; } route;
static const route AUTO_ORDER[3] = {
  {MN_SOLVER_MIXED, 1}, {MN_SOLVER_PACKED, 0}, {MN_SOLVER_MIXED, 0}};

size_t mn_fit_route_bytes(mn_solver_kind kind, int stored, size_t n, size_t c)
{
  /* alpha, Y, K alpha, train predictions, squared norms, diagK. */
  const size_t base = (4 * n * c + 3 * n) * sizeof(double);
  const size_t el = mn_pmat_elements(n, MN_PMAT_NB);
  /* The data operator's scratch (any d), and the iterative drivers' work:
   * PCG's four n x c blocks + the preconditioner's n x c floats. */
  const size_t op = mn_kernel_op_data_scratch(n, 0);
  const size_t drivers = 4 * n * c * sizeof(double) + n * c * sizeof(float) + n * sizeof(double);
  const size_t gather = mn_kernel_op_stored_scratch(n);
  switch (kind) {
  case MN_SOLVER_EIG: return 2 * n * n * sizeof(double) + base;
  case MN_SOLVER_PACKED: return el * sizeof(double) + base + op + drivers;
  case MN_SOLVER_MIXED: {
    const size_t gram = mn_pmat_gram_scratch(n, MN_PMAT_NB, MN_PREC_SINGLE);
    if (stored) /* double K + its single copy; the data operator only after a
                   fallback to the double factorization */
      return el * (sizeof(double) + sizeof(float)) + base + drivers + gather + op;
    return el * sizeof(float) + base + drivers + op + gram;
  }
  default: return n * n * sizeof(double) + base + drivers;
  }
}

size_t mn_fit_largest_n(size_t (*need)(size_t n, const void *ctx), const void *ctx,
                        size_t avail, size_t hi)
{
  size_t lo = 0;
  while (lo < hi) {
    size_t mid = lo + (hi - lo + 1) / 2;
    if (need(mid, ctx) <= avail) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

typedef struct { route r; size_t c; } plan_need;

static size_t plan_bytes(size_t n, const void *ctx)
{
  const plan_need *p = ctx;
  return mn_fit_route_bytes(p->r.kind, p->r.stored, n, p->c);
}

static size_t max_n_for(route r, size_t c, size_t avail)
{
  plan_need pn = {r, c};
  return mn_fit_largest_n(plan_bytes, &pn, avail, 1u << 22);
}

/* "use --n N or less" with the largest N that fits under any of `routes`,
 * or a plain statement when not even n = 1 fits.  Static buffer. */
static const char *smaller_n_advice(const route *routes, int nroutes, size_t c, size_t avail)
{
  static _Thread_local char buf[96];
  size_t best = 0;
  for (int i = 0; i < nroutes; i++) {
    size_t m = max_n_for(routes[i], c, avail);
    if (m > best) best = m;
  }
  if (best == 0) snprintf(buf, sizeof buf, "not even n = 1 fits; raise --max-memory");
  else snprintf(buf, sizeof buf, "use --n %zu or less", best);
  return buf;
}

static const char *route_name(route r)
{
  if (r.kind == MN_SOLVER_MIXED) return r.stored ? "mixed (K kept in double)" : "mixed (K from the data)";
  return mn_solver_kind_name(r.kind);
}

static int fits(size_t bytes, size_t avail) { return !avail || bytes <= avail; }

mn_status mn_fit_plan_ex(const mn_solver_opts *o, size_t n, size_t c, size_t avail,
                         mn_fit_planned *plan)
{
  char need[3][32], have[32];
  for (int i = 0; i < 3; i++)
    mn_format_bytes(plan_bytes(n, &(plan_need){AUTO_ORDER[i], c}), need[i], sizeof need[i]);
  mn_format_bytes(avail, have, sizeof have);
  if (o->kind == MN_SOLVER_MIXED) {
    /* Stored K when it fits, else from the data (unless --mixed-k says). */
    const int hi = o->mixed_k == MN_MIXED_K_DATA ? 0 : 1;
    const int lo = o->mixed_k == MN_MIXED_K_STORED ? 1 : 0;
    for (int st = hi; st >= lo; st--) {
      plan->kind = MN_SOLVER_MIXED;
      plan->stored_k = st;
      plan->bytes = mn_fit_route_bytes(MN_SOLVER_MIXED, st, n, c);
      if (fits(plan->bytes, avail)) return MN_OK;
    }
  } else if (o->kind != MN_SOLVER_AUTO) {
    plan->kind = o->kind;
    plan->stored_k = 0;
    plan->bytes = mn_fit_route_bytes(o->kind, 0, n, c);
    if (fits(plan->bytes, avail)) return MN_OK;
  }
  if (o->kind != MN_SOLVER_AUTO) {
    /* The routes this kind may take (an explicit mixed: both forms unless
     * --mixed-k fixes one). */
    route self[2] = {{o->kind, o->kind == MN_SOLVER_MIXED && o->mixed_k != MN_MIXED_K_DATA},
                     {o->kind, 0}};
    const int nself = o->kind == MN_SOLVER_MIXED && o->mixed_k == MN_MIXED_K_AUTO ? 2 : 1;
    char b[32];
    mn_format_bytes(plan->bytes, b, sizeof b);
    for (int i = 0; i < 3; i++)
      if (plan_bytes(n, &(plan_need){AUTO_ORDER[i], c}) <= avail &&
          AUTO_ORDER[i].kind != o->kind)
        return mn_error_set(MN_ERR_TOO_BIG,
                            "n = %zu: the %s solver needs %s but only %s is available; "
                            "%s, or --solver %s (needs %s)",
                            n, mn_solver_kind_name(o->kind), b, have,
                            smaller_n_advice(self, nself, c, avail),
                            mn_solver_kind_name(AUTO_ORDER[i].kind), need[i]);
    return mn_error_set(MN_ERR_TOO_BIG,
                        "n = %zu: the %s solver needs %s but only %s is available; %s", n,
                        mn_solver_kind_name(o->kind), b, have,
                        smaller_n_advice(self, nself, c, avail));
  }
  for (int i = 0; i < 3; i++) {
    plan->kind = AUTO_ORDER[i].kind;
    plan->stored_k = AUTO_ORDER[i].stored;
    plan->bytes = plan_bytes(n, &(plan_need){AUTO_ORDER[i], c});
    if (fits(plan->bytes, avail)) return MN_OK;
  }
  return mn_error_set(MN_ERR_TOO_BIG,
                      "n = %zu: the kernel matrix needs %s as %s, %s %s or %s as %s, but only "
                      "%s is available; %s",
                      n, need[0], route_name(AUTO_ORDER[0]), need[1],
                      route_name(AUTO_ORDER[1]), need[2], route_name(AUTO_ORDER[2]), have,
                      smaller_n_advice(AUTO_ORDER, 3, c, avail));
}

mn_status mn_fit_plan(const mn_solver_opts *o, size_t n, size_t c, size_t avail,
                      mn_solver_kind *kind, size_t *bytes)
{
  mn_fit_planned p;
  mn_status s = mn_fit_plan_ex(o, n, c, avail, &p);
  *kind = p.kind;
  *bytes = p.bytes;
  return s;
}
