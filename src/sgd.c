/* minnorm — SGD: options shared by the three methods (sgd.h).  The kernel
 * and pcg loops are in src/sgd_kernel.c, the primal one in
 * src/sgd_primal.c. */
#include <string.h>
#include "minnorm/sgd.h"

static const char *const method_names[] = {"kernel", "pcg", "primal"};

mn_status mn_sgd_method_parse(const char *name, mn_sgd_method *m)
{
  for (int i = 0; i < 3; i++)
    if (!strcmp(name, method_names[i])) {
      *m = (mn_sgd_method)i;
      return MN_OK;
    }
  return mn_error_set(MN_ERR_ARG, "--method '%s': expected kernel, pcg or primal", name);
}

const char *mn_sgd_method_name(mn_sgd_method m)
{
  return (unsigned)m < 3 ? method_names[m] : "?";
}

mn_sgd_opts mn_sgd_opts_default(void)
{
  mn_sgd_opts o;
  memset(&o, 0, sizeof o);
  o.method = MN_SGD_KERNEL;
  o.kernel = mn_kernel_default();
  o.epochs = 10;
  o.ep = mn_eigenpro_opts_default();
  o.tol = 1e-10;
  o.seed = 1;
  o.eval_every = 1;
  return o;
}

const char *mn_sgd_opts_check(const mn_sgd_opts *o)
{
  if ((unsigned)o->method > MN_SGD_PRIMAL) return "--method: unknown method";
  const char *m = mn_kernel_check(&o->kernel);
  if (m) return m;
  if (o->epochs == 0) return "--epochs must be at least 1";
  if (o->ep.q && o->ep.s && o->ep.q >= o->ep.s)
    return "--eigenpro q must be smaller than the subsample --eigenpro-m";
  if (!(o->ep.eta >= 0)) return "--eta must be a non-negative number (0 = automatic)";
  if (!(o->tol > 0 && o->tol < 1)) return "--tol must be in (0, 1)";
  if (o->w0_kind && !(o->w0_scale > 0)) return "--w0 gaussian:S needs S > 0";
  if (o->w0_kind && o->method != MN_SGD_PRIMAL) return "--w0 applies to --method primal only";
  return NULL;
}
