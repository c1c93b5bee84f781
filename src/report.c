/* minnorm — the run report (JSON, written atomically) and the summary
 * table printed on stdout. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "minnorm/io.h"
#include "minnorm/report.h"
#include "minnorm/sysinfo.h"

#ifndef MINNORM_VERSION
#define MINNORM_VERSION "0.0.0"
#endif
#ifndef MINNORM_GIT_REV
#define MINNORM_GIT_REV "unknown"
#endif

const char *mn_version_string(void)
{
  return MINNORM_VERSION " (git " MINNORM_GIT_REV ")";
}

void mn_json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
    else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
    else fputc(ch, f);
  }
  fputc('"', f);
}

/* Numbers: JSON has no NaN, so unavailable values are null. */
void mn_json_num(FILE *f, double v)
{
  if (isfinite(v)) fprintf(f, "%.17g", v);
  else fputs("null", f);
}

static void json_kv_str(FILE *f, const char *k, const char *v, const char *sep)
{
  fprintf(f, "  \"%s\": ", k);
  mn_json_str(f, v);
  fputs(sep, f);
}

static void json_kv_num(FILE *f, const char *k, double v, const char *sep)
{
  fprintf(f, "  \"%s\": ", k);
  mn_json_num(f, v);
  fputs(sep, f);
}

static void json_files(FILE *f, const char *key, const mn_dataset *ds)
{
  fprintf(f, "  \"%s\": ", key);
  if (!ds) { fputs("null,\n", f); return; }
  fputs("{\"images\": ", f);
  mn_json_str(f, ds->path[0]);
  fputs(", \"images_md5\": ", f);
  mn_json_str(f, ds->md5[0]);
  fputs(", \"labels\": ", f);
  mn_json_str(f, ds->path[1]);
  fputs(", \"labels_md5\": ", f);
  mn_json_str(f, ds->md5[1]);
  fputs("},\n", f);
}

/* Users' own data (npy, libsvm): the original label value of each class,
 * the scaling, and the npy dtype or the libsvm index base. */
static void json_own_data(FILE *f, const mn_dataset *ds)
{
  if (!ds || (strcmp(ds->kind, "npy") && strcmp(ds->kind, "libsvm"))) return;
  if (ds->class_values) {
    fputs("  \"class_values\": [", f);
    for (int k = 0; k < ds->nclass; k++) {
      if (k) fputs(", ", f);
      mn_json_num(f, ds->class_values[k]);
    }
    fputs("],\n", f);
  }
  json_kv_str(f, "scale", mn_scale_kind_name(ds->scale), ",\n");
  if (!strcmp(ds->kind, "npy")) json_kv_str(f, "dtype", ds->dtype, ",\n");
  else fprintf(f, "  \"index_base\": %d,\n", ds->index_base);
}

void mn_report_json_head(FILE *f, const mn_report_meta *meta, const mn_kernel *k,
                         const mn_dataset *train, const mn_dataset *test, size_t n,
                         size_t n_test, size_t d, size_t c)
{
  char date[64];
  time_t now = time(NULL);
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  fputs("{\n", f);
  json_kv_str(f, "minnorm_version", MINNORM_VERSION, ",\n");
  json_kv_str(f, "git_revision", MINNORM_GIT_REV, ",\n");
  json_kv_str(f, "date", date, ",\n");
  json_kv_str(f, "command", meta->command, ",\n");
  json_kv_str(f, "data", meta->data_spec, ",\n");
  json_files(f, "train_files", train);
  /* A validation split reads no test file: its rows are training rows. */
  json_files(f, "test_files", meta->validate ? NULL : test);
  json_kv_str(f, "evaluation_set", meta->validate ? "validation" : "test", ",\n");
  if (meta->validate)
    fprintf(f, "  \"validate\": %zu,\n  \"validate_seed\": %llu,\n", meta->validate,
            (unsigned long long)meta->validate_seed);
  else
    fputs("  \"validate\": null,\n  \"validate_seed\": null,\n", f);
  char lname[64];
  mn_transform_labels_name(meta->tr, lname, sizeof lname);
  fprintf(f, "  \"seed\": %llu,\n", (unsigned long long)meta->tr->seed);
  json_kv_str(f, "labels", lname, ",\n");
  json_kv_str(f, "inputs", mn_inputs_kind_name(meta->tr->inputs), ",\n");
  json_kv_num(f, "labels_changed_fraction", meta->labels_changed, ",\n");
  json_kv_str(f, "features", meta->features ? meta->features : "none", ",\n");
  json_kv_num(f, "n", (double)n, ",\n");
  json_kv_num(f, "n_test", (double)n_test, ",\n");
  json_kv_num(f, "d", (double)d, ",\n");
  json_kv_num(f, "classes", (double)c, ",\n");
  json_own_data(f, train);
  fputs("  \"kernel\": {\"name\": ", f);
  mn_json_str(f, mn_kernel_kind_name(k->kind));
  if (k->kind == MN_KERNEL_GAUSSIAN) {
    fputs(", \"sigma\": ", f);
    mn_json_num(f, k->gamma > 0 ? sqrt(0.5 / k->gamma) : k->sigma);
    fputs(", \"gamma\": ", f);
    mn_json_num(f, mn_kernel_gamma(k));
  } else if (k->kind == MN_KERNEL_LAPLACIAN) {
    fputs(", \"sigma\": ", f);
    mn_json_num(f, k->sigma);
  } else if (k->kind == MN_KERNEL_POLYNORM) {
    fprintf(f, ", \"power\": %d", k->power);
  }
  fputs("},\n", f);
}

mn_status mn_report_write_json(const char *path, const mn_report_meta *meta,
                               const mn_fit_opts *o, const mn_dataset *train,
                               const mn_dataset *test, const mn_fit_result *r)
{
  mn_out *out;
  MN_TRY(mn_out_open(path, &out));
  mn_report_json_stream(mn_out_file(out), meta, o, train, test, r);
  return mn_out_commit(&out);
}

void mn_report_json_stream(FILE *f, const mn_report_meta *meta, const mn_fit_opts *o,
                           const mn_dataset *train, const mn_dataset *test,
                           const mn_fit_result *r)
{
  mn_report_json_head(f, meta, &o->kernel, train, test, r->n, r->n_test, r->d, r->c);
  json_kv_num(f, "lambda", o->solver.lambda, ",\n");
  json_kv_str(f, "solver_requested", mn_solver_kind_name(o->solver.kind), ",\n");
  json_kv_str(f, "solver", mn_solver_kind_name(r->solve.used), ",\n");
  json_kv_num(f, "rank", (double)r->solve.rank, ",\n");
  json_kv_num(f, "rcond_estimate", r->solve.rcond, ",\n");
  /* false only when --allow-unconverged kept a solve short of its target */
  fprintf(f, "  \"converged\": %s,\n", r->converged ? "true" : "false");
  if (r->solve.used == MN_SOLVER_CG) {
    json_kv_num(f, "cg_iterations", (double)r->solve.iters, ",\n");
    fprintf(f, "  \"cg_converged\": %s,\n", r->solve.converged ? "true" : "false");
  }
  if (r->solve.used == MN_SOLVER_MIXED || r->solve.used == MN_SOLVER_SCALAPACK_MIXED) {
    const mn_mixed_info *m = &r->mixed;
    fprintf(f,
            "  \"mixed\": {\"stored_k\": %s, \"refinement_steps\": %zu, \"pcg_steps\": %zu, "
            "\"switched_to_pcg\": %s, \"single_factor_failed\": %s, "
            "\"fell_back_to_double\": %s, \"converged\": %s, \"backward_error\": ",
            m->stored_k ? "true" : "false", m->refine_steps, m->pcg_steps,
            m->switched_to_pcg ? "true" : "false", m->single_failed ? "true" : "false",
            m->fell_back ? "true" : "false", m->converged ? "true" : "false");
    mn_json_num(f, m->backward_error);
    fputs("},\n", f);
  }
  if (o->cg_compare && r->solve.used != MN_SOLVER_CG) {
    fprintf(f, "  \"cg_compare\": {\"iterations\": %zu, \"converged\": %s, \"time\": ",
            r->cg_iters, r->cg_converged ? "true" : "false");
    mn_json_num(f, r->t_cg);
    fputs(", \"tol\": ", f);
    mn_json_num(f, mn_cg_tol(&o->solver));
    fputs(", \"alpha_relative_difference\": ", f);
    mn_json_num(f, r->cg_alpha_reldiff);
    fputs("},\n", f);
  }
  if (r->solve.used == MN_SOLVER_EIG) {
    json_kv_num(f, "eig_min", r->solve.eig_min, ",\n");
    json_kv_num(f, "eig_max", r->solve.eig_max, ",\n");
  }
  if (r->n_path) {
    fputs("  \"lambda_path\": [", f);
    for (size_t i = 0; i < r->n_path; i++) {
      const mn_lambda_point *p = &r->path[i];
      const char *keys[] = {"lambda", "test_error", "train_error", "rkhs_norm",
                            "relative_residual"};
      const double v[] = {p->lambda, p->test_error, p->train_error, p->rkhs_norm,
                          p->rel_residual};
      fputs(i ? ",\n    {" : "\n    {", f);
      for (int k = 0; k < 5; k++) {
        fprintf(f, "%s\"%s\": ", k ? ", " : "", keys[k]);
        mn_json_num(f, v[k]);
      }
      fprintf(f, ", \"failed\": %s}", p->failed ? "true" : "false");
    }
    fputs("],\n", f);
  }
  json_kv_num(f, "train_error", r->train_error, ",\n");
  json_kv_num(f, "test_error", r->test_error, ",\n");
  json_kv_num(f, "rkhs_norm", r->rkhs_norm, ",\n");
  json_kv_num(f, "rkhs_norm_quadratic", r->rkhs_norm_quad, ",\n");
  json_kv_num(f, "alpha_frobenius", r->alpha_fro, ",\n");
  json_kv_num(f, "relative_residual", r->rel_residual, ",\n");
  fputs("  \"timings\": {", f);
  const char *names[] = {"features", "gram", "factor", "solve", "residual", "predict", "total"};
  const double vals[] = {r->t_features, r->t_gram, r->t_factor, r->t_solve, r->t_residual,
                         r->t_predict, r->t_total};
  for (int i = 0; i < 7; i++) {
    fprintf(f, "%s\"%s\": ", i ? ", " : "", names[i]);
    mn_json_num(f, vals[i]);
  }
  fputs("},\n", f);
  json_kv_num(f, "kernel_matrix_bytes", (double)r->bytes_K, ",\n");
  json_kv_num(f, "peak_rss_bytes", (double)(r->dist.ranks ? r->dist.peak_rss_max
                                                          : mn_mem_peak_rss()), ",\n");
  if (r->dist.ranks) {
    const mn_dist_info *d = &r->dist;
    fprintf(f, "  \"distributed\": {\"ranks\": %d, \"grid\": [%d, %d], \"nb\": %d, "
               "\"ranks_per_node\": %d, \"plan_bytes_per_rank\": %zu, "
               "\"local_elements_max\": %zu, \"peak_rss_bytes_max\": %zu, "
               "\"peak_rss_bytes_sum\": %zu, \"communication_seconds_max\": ",
            d->ranks, d->nprow, d->npcol, d->nb, d->ranks_per_node, d->bytes_per_rank,
            d->local_elements, d->peak_rss_max, d->peak_rss_sum);
    mn_json_num(f, d->t_comm);
    fprintf(f, ", \"data\": \"%s\", \"phase_times\": \"maximum over ranks\"},\n",
            d->data_from ? d->data_from : "read");
  }
  json_kv_str(f, "blas", mn_blas_name(), ",\n");
  json_kv_num(f, "blas_threads", mn_blas_threads(), ",\n");
  if (meta->model_path) json_kv_str(f, "model", meta->model_path, "\n");
  else fputs("  \"model\": null\n", f);
  fputs("}\n", f);
}

void mn_report_kernel_desc(const mn_kernel *k, char *buf, size_t len)
{
  switch (k->kind) {
  case MN_KERNEL_GAUSSIAN:
    if (k->gamma > 0) snprintf(buf, len, "gaussian, gamma = %g", k->gamma);
    else snprintf(buf, len, "gaussian, sigma = %g", k->sigma);
    return;
  case MN_KERNEL_LAPLACIAN: snprintf(buf, len, "laplacian, sigma = %g", k->sigma); return;
  case MN_KERNEL_LINEAR: snprintf(buf, len, "linear"); return;
  case MN_KERNEL_POLYNORM: snprintf(buf, len, "polynorm, power = %d", k->power); return;
  }
  snprintf(buf, len, "unknown");
}

void mn_report_print_summary(FILE *f, const mn_report_meta *meta,
                             const mn_fit_opts *o, const mn_fit_result *r)
{
  char kdesc[96], mem[32], lname[64];
  mn_report_kernel_desc(&o->kernel, kdesc, sizeof kdesc);
  mn_format_bytes(mn_mem_peak_rss(), mem, sizeof mem);
  mn_transform_labels_name(meta->tr, lname, sizeof lname);
  fprintf(f, "minnorm fit  %s\n", mn_version_string());
  fprintf(f, "  %-22s %zu x %zu (%zu classes), %s %zu\n", "train", r->n, r->d, r->c,
          meta->validate ? "validation" : "test", r->n_test);
  if (meta->tr->labels != MN_LABELS_TRUE || meta->tr->inputs != MN_INPUTS_TRUE)
    fprintf(f, "  %-22s labels %s (%.1f %% changed), inputs %s, seed %llu\n", "randomization",
            lname, 100 * meta->labels_changed, mn_inputs_kind_name(meta->tr->inputs),
            (unsigned long long)meta->tr->seed);
  if (meta->features) fprintf(f, "  %-22s %s\n", "features", meta->features);
  fprintf(f, "  %-22s %s\n", "kernel", kdesc);
  fprintf(f, "  %-22s %s, lambda = %g", "solver", mn_solver_kind_name(r->solve.used),
          o->solver.lambda);
  if (r->solve.used == MN_SOLVER_EIG) fprintf(f, ", rank %zu", r->solve.rank);
  if (r->solve.used == MN_SOLVER_CG)
    fprintf(f, ", %zu iterations%s", r->solve.iters,
            r->solve.converged ? "" : " (NOT converged)");
  if (r->solve.used == MN_SOLVER_MIXED || r->solve.used == MN_SOLVER_SCALAPACK_MIXED) {
    const mn_mixed_info *m = &r->mixed;
    if (m->single_failed)
      fprintf(f, " (K kept in double): the single-precision factorization failed (K too "
                 "ill-conditioned), so the double one solved it, backward error %.1e",
              m->backward_error);
    else
      fprintf(f, " (K %s), %zu refinement + %zu PCG steps%s%s, backward error %.1e",
              m->stored_k ? "kept in double" : "from the data", m->refine_steps, m->pcg_steps,
              m->fell_back ? ", stalled: then the double factorization" : "",
              m->converged ? "" : " (NOT converged)", m->backward_error);
  }
  fputc('\n', f);
  if (!r->converged)
    fprintf(f, "  %-22s NO: the solve stopped short of its target, kept by "
               "--allow-unconverged\n", "converged");
  if (r->dist.ranks)
    fprintf(f, "  %-22s %d ranks, grid %d x %d, NB %d, %d per node\n", "distributed",
            r->dist.ranks, r->dist.nprow, r->dist.npcol, r->dist.nb, r->dist.ranks_per_node);
  fprintf(f, "  %-22s %.2f %%\n", "train error", 100 * r->train_error);
  const char *eval = meta->validate ? "validation error" : "test error";
  if (isfinite(r->test_error))
    fprintf(f, "  %-22s %.2f %%\n", eval, 100 * r->test_error);
  else
    fprintf(f, "  %-22s — (no test set)\n", eval);
  fprintf(f, "  %-22s %.4f\n", "RKHS norm", r->rkhs_norm);
  fprintf(f, "  %-22s %.4g\n", "||alpha||_F", r->alpha_fro);
  fprintf(f, "  %-22s %.2e\n", "relative residual", r->rel_residual);
  if (r->solve.rcond > 0) fprintf(f, "  %-22s %.2e\n", "rcond estimate", r->solve.rcond);
  if (o->cg_compare && r->solve.used != MN_SOLVER_CG)
    /* A measurement beside the result: CG short of its target (or even
     * diverging) is reported, not an error. */
    fprintf(f, "  %-22s %zu iterations%s, %.2f s, ||alpha_cg - alpha|| / ||alpha|| = %.1e%s\n",
            "conjugate gradients", r->cg_iters, r->cg_converged ? "" : " (NOT converged)", r->t_cg,
            r->cg_alpha_reldiff, isfinite(r->cg_alpha_reldiff) ? "" : " (not finite)");
  for (size_t i = 0; i < r->n_path; i++) {
    const mn_lambda_point *p = &r->path[i];
    if (p->failed)
      fprintf(f, "  %-22s %-10g failed (not positive definite, or not finite)\n",
              i ? "" : "lambda path", p->lambda);
    else
      fprintf(f, "  %-22s %-10g test error %.2f %%, RKHS norm %.4f, residual %.1e\n",
              i ? "" : "lambda path", p->lambda, 100 * p->test_error, p->rkhs_norm,
              p->rel_residual);
  }
  fprintf(f, "  %-22s ", "time (s)");
  if (r->t_features > 0) fprintf(f, "features %.2f, ", r->t_features);
  fprintf(f, "gram %.2f, factor %.2f, solve %.2f, residual %.2f, predict %.2f\n", r->t_gram, r->t_factor, r->t_solve, r->t_residual, r->t_predict);
  fprintf(f, "  %-22s %.2f s\n", "total", r->t_total);
  char kb[32];
  mn_format_bytes(r->bytes_K, kb, sizeof kb);
  if (r->dist.ranks) {
    char mx[32], sum[32];
    mn_format_bytes(r->dist.peak_rss_max, mx, sizeof mx);
    mn_format_bytes(r->dist.peak_rss_sum, sum, sizeof sum);
    fprintf(f, "  %-22s %s per rank at most, %s in all (local K %s per rank); phase "
               "times are the slowest rank's, %.2f s of them in reductions\n",
            "peak memory", mx, sum, kb, r->dist.t_comm);
  } else {
    fprintf(f, "  %-22s %s (kernel matrix %s)\n", "peak memory", mem, kb);
  }
}
