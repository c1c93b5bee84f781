/* minnorm — EigenPro and the Nystrom preconditioner (eigenpro.h). */
#include <string.h>
#include "minnorm/eigenpro.h"

mn_eigenpro_opts mn_eigenpro_opts_default(void)
{
  mn_eigenpro_opts o;
  memset(&o, 0, sizeof o);
  o.seed = 1;
  return o;
}
