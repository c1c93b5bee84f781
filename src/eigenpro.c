/* minnorm — EigenPro and the Nystrom preconditioner (eigenpro.h). */
#include <string.h>
#include "minnorm/eigenpro.h"
#include "minnorm/rng.h"

mn_eigenpro_opts mn_eigenpro_opts_default(void)
{
  mn_eigenpro_opts o;
  memset(&o, 0, sizeof o);
  o.seed = 1;
  return o;
}

/* Knuth's selection sampling (TAOCP 3.4.2, Algorithm S): row i is taken
 * with probability (still needed) / (still left), so exactly s rows are
 * taken, each s-subset equally likely, already in ascending order, with no
 * workspace. */
void mn_eigenpro_subsample(size_t n, size_t s, uint64_t seed, size_t *idx)
{
  mn_rng r;
  mn_rng_seed(&r, seed, MN_STREAM_EIGENPRO);
  size_t taken = 0;
  for (size_t i = 0; i < n && taken < s; i++)
    if (mn_rng_below(&r, n - i) < s - taken) idx[taken++] = i;
}
