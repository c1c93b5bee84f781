/* minnorm — a fit's model file, and predicting with a saved model: the
 * fit's input transform and feature map applied to new rows, then the
 * kernel against the centers through the same prediction paths the fit
 * uses (model.h's blocked predictor; for randconv, the kernel source's test
 * block). */
#include <stdlib.h>
#include <string.h>
#include "minnorm/fit.h"
#include "minnorm/gabor.h"
#include "minnorm/model.h"
#include "minnorm/model_file.h"
#include "minnorm/op.h"
#include "minnorm/randconv.h"
#include "minnorm/report.h"
#include "minnorm/rff.h"
#include "minnorm/solver.h"

void mn_model_file_of_fit(mn_model_file *m, const mn_fit_opts *o, const mn_pipeline *p,
                          const mn_transform *t, double labels_changed,
                          const mn_dataset *train, const mn_fit_result *res,
                          const double *alpha)
{
  memset(m, 0, sizeof *m);
  m->kernel = o->kernel;
  m->lambda = o->solver.lambda;
  m->pipe = *mn_pipeline_options(p);
  m->tr = *t;
  m->labels_changed = labels_changed;
  if (t->inputs == MN_INPUTS_GAUSSIAN) mn_pipeline_inputs_stats(p, &m->inputs_mean, &m->inputs_sd);
  snprintf(m->spec, sizeof m->spec, "%s", m->pipe.data ? m->pipe.data : "");
  m->pipe.data = m->spec;
  m->raw = (mn_dataset *)mn_pipeline_raw_meta(p, 0);
  const mn_dataset *rt = mn_pipeline_raw_meta(p, 1);
  m->n_test = res->n_test;
  memcpy(m->test_path, rt->path, sizeof m->test_path);
  memcpy(m->test_md5, rt->md5, sizeof m->test_md5);
  m->n = res->n;
  m->c = res->c;
  m->d = train->d;
  m->alpha = (double *)alpha;
  m->centers = train->x;
  snprintf(m->solver, sizeof m->solver, "%s", mn_solver_kind_name(res->solve.used));
  m->train_error = res->train_error;
  m->test_error = res->test_error;
  m->rkhs_norm = res->rkhs_norm;
  m->rel_residual = res->rel_residual;
}

/* Scores of the randconv model: rebuild the filters and whitening from the
 * stored training pixels (mn_randconv_create draws them from the training
 * set with the seed, so they have the fit's bits), then K(test, train) from
 * the same kernel source the fit used, and S = Kt alpha. */
static mn_status predict_randconv(const mn_model_file *m, const mn_dataset *ds, double *S,
                                  mn_progress *progress)
{
  mn_dataset train = *m->raw; /* the raw shape, pointing at the centers */
  train.n = m->n;
  train.d = m->d;
  train.x = m->centers;
  int32_t *y = calloc(m->n, sizeof *y);
  train.y = y;
  mn_randconv *rc = NULL;
  double *K = NULL, *Kt = NULL;
  mn_kernel_op *op = NULL;
  mn_pmat *view = NULL;
  mn_status s;
  if (!y) return mn_error_set(MN_ERR_NOMEM, "predict: out of memory");
  MN_TRY_GOTO(s, mn_randconv_create(&m->pipe.randconv, &train, &rc), done);
  mn_randconv_fit_ctx ctx;
  mn_kernel_source src;
  mn_randconv_kernel_source(rc, &train, ds, &ctx, &src);
  const size_t n = m->n, nt = ds->n;
  K = malloc((n * n + 1) * sizeof *K);
  Kt = malloc((nt * n + 1) * sizeof *Kt);
  if (!K || !Kt) {
    s = mn_error_set(MN_ERR_NOMEM, "predict: out of memory for the %zu x %zu random-feature "
                     "kernel (randconv models rebuild it)", n, n);
    goto done;
  }
  mn_fit_result res;
  memset(&res, 0, sizeof res);
  MN_TRY_GOTO(s, mn_pmat_wrap_dense(n, MN_PMAT_NB, K, n, &view), done);
  MN_TRY_GOTO(s, src.build(src.ctx, &m->kernel, view, Kt, &res, progress), done);
  MN_TRY_GOTO(s, mn_kernel_op_create_cross_dense(nt, n, Kt, nt, &op), done);
  mn_kernel_op_apply(op, m->c, m->alpha, n, S, nt, NULL);
done:
  mn_kernel_op_destroy(&op);
  mn_pmat_destroy(&view);
  mn_randconv_destroy(&rc);
  free(K);
  free(Kt);
  free(y);
  return s;
}

mn_load_opts mn_model_file_load_opts(const mn_model_file *m)
{
  const mn_dataset *raw = m->raw;
  mn_load_opts o = mn_load_opts_default();
  o.scale = raw->scale;
  o.nclass = raw->nclass;
  o.class_values = raw->class_values;
  o.scale_mean = raw->scale_mean;
  o.scale_sd = raw->scale_sd;
  o.scale_d = raw->scale_d;
  o.d = raw->d;
  o.allow_unlabeled = 1;
  return o;
}

mn_status mn_model_file_predict(const mn_model_file *m, const mn_dataset *data, int is_test,
                                int32_t *pred, double *scores, mn_progress *progress)
{
  const mn_dataset *raw = m->raw;
  const mn_features_kind fk = m->pipe.features;
  if (data->d != raw->d)
    return mn_error_set(MN_ERR_ARG, "predict: the data have %zu features per sample, the "
                        "model was fitted on %zu", data->d, raw->d);
  if ((fk == MN_FEATURES_GABOR || fk == MN_FEATURES_RANDCONV) &&
      (data->h != raw->h || data->w != raw->w || data->channels != raw->channels))
    return mn_error_set(MN_ERR_ARG, "predict: images of %zu x %zu x %zu, the model's feature "
                        "map was made for %zu x %zu x %zu", data->h, data->w, data->channels,
                        raw->h, raw->w, raw->channels);
  if (data->n == 0) return MN_OK;
  mn_dataset *ds = NULL, *feat = NULL;
  mn_gabor_plan *gp = NULL;
  mn_rff *rff = NULL;
  double *S = scores, *sq = NULL;
  mn_status s;
  MN_TRY(mn_dataset_copy(data, &ds));
  MN_TRY_GOTO(s, mn_transform_apply_inputs_set(&m->tr, m->inputs_mean, m->inputs_sd, ds,
                                               is_test), done);
  if (fk == MN_FEATURES_GABOR) {
    MN_TRY_GOTO(s, mn_gabor_plan_create(&m->pipe.gabor, raw->h, raw->w, raw->channels, &gp),
                done);
    MN_TRY_GOTO(s, mn_gabor_transform_progress(gp, ds, &feat, progress), done);
  } else if (fk == MN_FEATURES_RFF) {
    MN_TRY_GOTO(s, mn_rff_create(&m->pipe.rff, raw->d, &rff), done);
    MN_TRY_GOTO(s, mn_rff_transform(rff, ds, &feat, progress), done);
  }
  const mn_dataset *z = feat ? feat : ds;
  if (fk != MN_FEATURES_RANDCONV && z->d != m->d) {
    s = mn_error_set(MN_ERR_FORMAT, "predict: the feature map gives %zu features, the model's "
                     "centers have %zu", z->d, m->d);
    goto done;
  }
  if (!S && !(S = malloc(z->n * m->c * sizeof *S))) {
    s = mn_error_set(MN_ERR_NOMEM, "predict: out of memory for %zu rows", z->n);
    goto done;
  }
  if (fk == MN_FEATURES_RANDCONV) {
    MN_TRY_GOTO(s, predict_randconv(m, z, S, progress), done);
  } else {
    if (!(sq = malloc(m->n * sizeof *sq))) {
      s = mn_error_set(MN_ERR_NOMEM, "predict: out of memory");
      goto done;
    }
    mn_kernel_row_norms(m->n, m->d, m->centers, sq);
    mn_model mdl = {m->kernel, m->n, m->d, m->c, m->centers, sq, m->alpha};
    MN_TRY_GOTO(s, mn_model_predict_progress(&mdl, z->n, z->x, NULL, S, progress), done);
  }
  if (pred)
    for (size_t i = 0; i < z->n; i++) pred[i] = (int32_t)mn_argmax_strided(m->c, S + i, z->n);
done:
  if (S != scores) free(S);
  free(sq);
  mn_gabor_plan_destroy(&gp);
  mn_rff_destroy(&rff);
  mn_dataset_destroy(&feat);
  mn_dataset_destroy(&ds);
  return s;
}
