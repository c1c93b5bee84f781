/* minnorm tests — prints the bytes each route needs, from mn_fit_plan_ex
 * itself, so that the CLI tests can set MINNORM_MEMORY_LIMIT between the
 * thresholds without restating the memory model.
 *
 *   plan_helper N C  ->  "chol B\nmixed-stored B\npacked B\nmixed B\n"
 * (mixed-stored: mixed with the double K kept; mixed: K from the data).
 */
#include <stdio.h>
#include <stdlib.h>

#include "minnorm/fit.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: plan_helper N C\n");
    return 2;
  }
  size_t n = strtoul(argv[1], NULL, 10), c = strtoul(argv[2], NULL, 10);
  const mn_solver_kind kinds[3] = {MN_SOLVER_CHOL, MN_SOLVER_MIXED, MN_SOLVER_PACKED};
  size_t stored = 0;
  for (int k = 0; k < 3; ++k) {
    mn_solver_opts o = mn_solver_opts_default();
    o.kind = kinds[k];
    mn_fit_planned p;
    if (mn_fit_plan_ex(&o, n, c, (size_t)1 << 60, &p) != MN_OK) {
      fprintf(stderr, "plan_helper: %s\n", mn_error_message());
      return 1;
    }
    if (kinds[k] == MN_SOLVER_MIXED) stored = p.bytes;
    printf("%s %zu\n", kinds[k] == MN_SOLVER_MIXED ? "mixed-stored" : mn_solver_kind_name(kinds[k]),
           p.bytes);
  }
  /* mixed from the data: an explicit mixed one byte below the stored need. */
  mn_solver_opts o = mn_solver_opts_default();
  o.kind = MN_SOLVER_MIXED;
  mn_fit_planned p;
  if (mn_fit_plan_ex(&o, n, c, stored - 1, &p) != MN_OK || p.stored_k) {
    fprintf(stderr, "plan_helper: mixed from the data: %s\n", mn_error_message());
    return 1;
  }
  printf("mixed %zu\n", p.bytes);
  return 0;
}
