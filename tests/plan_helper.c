/* minnorm tests — prints the bytes each solver needs, from mn_fit_plan
 * itself, so that the CLI tests can set MINNORM_MEMORY_LIMIT between the
 * thresholds without restating the memory model.
 *
 *   plan_helper N C    ->  "chol BYTES\npacked BYTES\nmixed BYTES\n"
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
  const mn_solver_kind kinds[3] = {MN_SOLVER_CHOL, MN_SOLVER_PACKED, MN_SOLVER_MIXED};
  for (int k = 0; k < 3; ++k) {
    mn_solver_opts o = mn_solver_opts_default();
    o.kind = kinds[k];
    mn_solver_kind got;
    size_t bytes;
    if (mn_fit_plan(&o, n, c, (size_t)1 << 60, &got, &bytes) != MN_OK) {
      fprintf(stderr, "plan_helper: %s\n", mn_error_message());
      return 1;
    }
    printf("%s %zu\n", mn_solver_kind_name(kinds[k]), bytes);
  }
  return 0;
}
