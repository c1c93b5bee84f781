/* minnorm bench — primal SGD on random Fourier features of MNIST (the
 * measurement of the sgd-primal issue): n training images, rff:D features
 * (sigma), the linear kernel's exact alpha* once (mn_fit_run, auto solver),
 * then SGD from W0 = 0 and from W0 ~ N(0, w0^2), each for `epochs` epochs,
 * printing every evaluated point and, at the end of each run, the first
 * evaluated epoch (and its training time) from which ||W - W*|| / ||W*||
 * and ||W - W_lim|| / ||W_lim|| stay <= 1e-3.  q (a number or "auto") and
 * s: EigenPro on the features (--eigenpro, --eigenpro-m; q = 0: plain
 * SGD); b: the batch (0 = auto); runs: "both", "zero" or "w0".  Not run by
 * ctest.
 *   minnorm-bench-sgd-primal DIR [n D sigma n_test epochs eval_every w0 q s b runs]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/fit.h"
#include "minnorm/pipeline.h"
#include "minnorm/sgd.h"
#include "minnorm/sysinfo.h"

#define TARGET 1e-3

typedef struct {
  const char *label;
  size_t hit_star, hit_lim;  /* first epoch from which the distance stays <= TARGET */
  double t_star, t_lim;      /* its training seconds                             */
} watch;

static void track(double dist, const mn_sgd_epoch *e, size_t *hit, double *t)
{
  if (dist <= TARGET) {
    if (!*hit) {
      *hit = e->epoch;
      *t = e->t_train;
    }
  } else {
    *hit = 0;
  }
}

static void monitor(void *ctx, const mn_sgd_epoch *e)
{
  watch *w = ctx;
  printf("%s epoch %4zu  train %.2f s  loss %.3e  train err %.4f  test err %.4f  agree %.4f  "
         "||W|| %.6f  W-W_lim %.3e  W-W* %.3e\n", w->label, e->epoch, e->t_train,
         e->train_loss, e->train_error, e->test_error, e->agree, e->norm, e->rel_dist,
         e->rkhs_dist);
  track(e->rkhs_dist, e, &w->hit_star, &w->t_star);
  track(e->rel_dist, e, &w->hit_lim, &w->t_lim);
  fflush(stdout);
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: %s MNIST_DIR [n D sigma n_test epochs eval_every w0 q|auto s b "
                    "both|zero|w0]\n", argv[0]);
    return 2;
  }
  char spec[2048];
  snprintf(spec, sizeof spec, "mnist:%s", argv[1]);
  size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 5000;
  size_t D = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
  double sigma = argc > 4 ? atof(argv[4]) : 5;
  size_t n_test = argc > 5 ? strtoul(argv[5], NULL, 10) : 1000;
  size_t epochs = argc > 6 ? strtoul(argv[6], NULL, 10) : 50;
  size_t every = argc > 7 ? strtoul(argv[7], NULL, 10) : 5;
  double w0 = argc > 8 ? atof(argv[8]) : 0.1;
  const char *qa = argc > 9 ? argv[9] : "0";
  size_t s_sub = argc > 10 ? strtoul(argv[10], NULL, 10) : 0;
  size_t batch = argc > 11 ? strtoul(argv[11], NULL, 10) : 0;
  const char *runs = argc > 12 ? argv[12] : "both";
  const int auto_q = !strcmp(qa, "auto");
  const size_t q = auto_q ? 0 : strtoul(qa, NULL, 10);

  mn_pipeline_opts po = mn_pipeline_opts_default();
  po.data = spec;
  po.n = n;
  po.n_test = n_test;
  po.features = MN_FEATURES_RFF;
  po.rff.D = D;
  po.rff.sigma = sigma;
  po.single_run = 1;
  mn_pipeline *p = NULL;
  mn_dataset *tr = NULL, *te = NULL;
  mn_transform t = mn_transform_default();
  double changed, t0 = mn_time_now();
  if (mn_pipeline_create(&po, &p) || mn_pipeline_run(p, &t, &tr, &te, &changed, NULL)) {
    fprintf(stderr, "%s\n", mn_error_message());
    return 1;
  }
  printf("features rff(D=%zu,sigma=%g): %zu x %zu train, %zu test, %.1f s\n", D, sigma, tr->n,
         tr->d, te->n, mn_time_now() - t0);

  mn_fit_opts fo = mn_fit_opts_default();
  fo.kernel.kind = MN_KERNEL_LINEAR;
  mn_model mdl;
  mn_fit_result fr;
  int32_t *pred = malloc(te->n * sizeof *pred);
  t0 = mn_time_now();
  if (mn_fit_run(&fo, tr, te, &mdl, &fr, pred)) {
    fprintf(stderr, "%s\n", mn_error_message());
    return 1;
  }
  printf("reference: linear kernel, solver %s, %.1f s, test error %.4f, ||f*|| %.6f, "
         "residual %.2e, rcond %.2e\n", mn_solver_kind_name(fr.solve.used),
         mn_time_now() - t0, fr.test_error, fr.rkhs_norm, fr.rel_residual, fr.solve.rcond);
  mn_sgd_reference ref = {mdl.alpha, pred, fr.test_error, fr.rkhs_norm, NULL};

  double *W = malloc(D * (size_t)tr->nclass * sizeof *W);
  for (int run = 0; run < 2; run++) {
    if ((run == 0 && !strcmp(runs, "w0")) || (run == 1 && !strcmp(runs, "zero"))) continue;
    watch w = {run ? "w0 " : "0  ", 0, 0, 0, 0};
    mn_sgd_opts o = mn_sgd_opts_default();
    o.method = MN_SGD_PRIMAL;
    o.kernel.kind = MN_KERNEL_LINEAR;
    o.epochs = epochs;
    o.eval_every = every;
    o.monitor = monitor;
    o.monitor_ctx = &w;
    o.ep.q = q;
    o.ep.auto_q = auto_q;
    o.ep.s = s_sub;
    o.ep.batch = batch;
    o.w0_kind = run;
    o.w0_scale = run ? w0 : 0;
    mn_sgd_result r;
    if (mn_sgd_primal_run(&o, tr, te, &ref, W, NULL, &r)) {
      fprintf(stderr, "%s\n", mn_error_message());
      return 1;
    }
    printf("%s: q %zu, s %zu, batch %zu (b* %zu), eta %.4g, eta_max %.4g, lambda_1 %.4g, "
           "lambda_q+1 %.4g, setup %.1f s, train %.1f s, eval %.1f s, median epoch %.3f s, "
           "||W|| %.6f ||W*|| %.6f ||W_lim|| %.6f\n", run ? "from W0 gaussian" : "from 0", r.q,
           r.s, r.batch, r.batch_critical, r.eta, r.eta_max, r.lambda_1, r.lambda_q1,
           r.t_setup, r.t_train, r.t_eval, r.t_epoch, r.w_norm, r.w_star_norm, r.w_lim_norm);
    printf("%s: to %g: ||W - W*|| / ||W*|| at epoch %zu (%.1f s), ||W - W_lim|| / ||W_lim|| "
           "at epoch %zu (%.1f s) (0: not reached)\n", run ? "from W0 gaussian" : "from 0",
           TARGET, w.hit_star, w.t_star, w.hit_lim, w.t_lim);
    fflush(stdout);
  }
  free(W);
  free(pred);
  mn_model_release(&mdl);
  mn_dataset_destroy(&tr);
  mn_dataset_destroy(&te);
  mn_pipeline_destroy(&p);
  return 0;
}
