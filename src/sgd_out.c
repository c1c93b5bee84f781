/* minnorm — minnorm sgd's CSV, JSON report and figures (sgd_out.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "minnorm/io.h"
#include "minnorm/plot.h"
#include "minnorm/sgd_out.h"

const char *mn_sgd_csv_header(void)
{
  return "epoch,passes,t_train,t_eval,train_loss,train_error,test_error,norm,rel_dist,"
         "rkhs_dist,agree,rel_residual";
}

static void csv_num(FILE *f, double v, int last)
{
  if (isfinite(v)) fprintf(f, "%.10g", v);
  fputc(last ? '\n' : ',', f);
}

void mn_sgd_csv_row(FILE *f, const mn_sgd_epoch *e)
{
  fprintf(f, "%zu,", e->epoch);
  csv_num(f, e->passes, 0);
  csv_num(f, e->t_train, 0);
  csv_num(f, e->t_eval, 0);
  csv_num(f, e->train_loss, 0);
  csv_num(f, e->train_error, 0);
  csv_num(f, e->test_error, 0);
  csv_num(f, e->norm, 0);
  csv_num(f, e->rel_dist, 0);
  csv_num(f, e->rkhs_dist, 0);
  csv_num(f, e->agree, 0);
  csv_num(f, e->rel_residual, 1);
}

mn_status mn_sgd_write_csv(const char *path, const mn_sgd_epoch *rows, size_t nrows)
{
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  FILE *f = mn_out_file(o);
  fprintf(f, "%s\n", mn_sgd_csv_header());
  for (size_t i = 0; i < nrows; i++) mn_sgd_csv_row(f, &rows[i]);
  return mn_out_commit(&o);
}

static void kv_num(FILE *f, const char *k, double v)
{
  fprintf(f, "  \"%s\": ", k);
  mn_json_num(f, v);
  fputs(",\n", f);
}

static void kv_str(FILE *f, const char *k, const char *v)
{
  fprintf(f, "  \"%s\": ", k);
  mn_json_str(f, v);
  fputs(",\n", f);
}

mn_status mn_sgd_write_json(const char *path, const mn_report_meta *meta,
                            const mn_sgd_opts *o, const mn_dataset *train,
                            const mn_dataset *test, const mn_sgd_result *r,
                            const mn_sgd_ref_info *ref, const mn_sgd_epoch *rows,
                            size_t nrows)
{
  mn_out *out;
  MN_TRY(mn_out_open(path, &out));
  FILE *f = mn_out_file(out);
  mn_report_json_head(f, meta, &o->kernel, train, test, r->n, r->m, r->d, r->c);
  kv_str(f, "method", mn_sgd_method_name(r->method));
  kv_num(f, "epochs", (double)r->epochs);
  kv_num(f, "batch", (double)r->batch);
  kv_num(f, "batch_critical", (double)r->batch_critical);
  kv_num(f, "eigenpro_q", (double)r->q);
  fprintf(f, "  \"eigenpro_auto\": %s,\n", o->ep.auto_q ? "true" : "false");
  kv_num(f, "subsample", (double)r->s);
  kv_num(f, "eta", r->eta);
  kv_num(f, "eta_max", r->eta_max);
  kv_num(f, "step_halvings", (double)r->step_halvings);
  kv_num(f, "lambda_1", r->lambda_1);
  kv_num(f, "lambda_q1", r->lambda_q1);
  fprintf(f, "  \"stored_kernel\": %s,\n", r->stored_kernel ? "true" : "false");
  kv_str(f, "kernel_rows_precision", r->tiles ? r->tiles : "double");
  if (r->method == MN_SGD_PCG) {
    kv_num(f, "tol", o->tol);
    fprintf(f, "  \"converged\": %s,\n", r->converged ? "true" : "false");
  }
  if (r->method == MN_SGD_PRIMAL) {
    kv_str(f, "w0", o->w0_kind ? "gaussian" : "zero");
    kv_num(f, "w0_scale", o->w0_kind ? o->w0_scale : 0);
    kv_num(f, "w_norm", r->w_norm);
    kv_num(f, "w_star_norm", r->w_star_norm);
    kv_num(f, "w_lim_norm", r->w_lim_norm);
  }
  fputs("  \"reference\": ", f);
  if (ref && ref->source) {
    fputs("{\"source\": ", f);
    mn_json_str(f, ref->source);
    fputs(", \"test_error\": ", f);
    mn_json_num(f, ref->test_error);
    fputs(", \"rkhs_norm\": ", f);
    mn_json_num(f, ref->norm);
    fputs(", \"rel_residual\": ", f);
    mn_json_num(f, ref->residual);
    fputs(", \"t_fit\": ", f);
    mn_json_num(f, ref->t_fit);
    fputs("},\n", f);
  } else {
    fputs("null,\n", f);
  }
  kv_num(f, "t_setup", r->t_setup);
  kv_num(f, "t_train", r->t_train);
  kv_num(f, "t_eval", r->t_eval);
  kv_num(f, "t_epoch_median", r->t_epoch);
  kv_num(f, "gemm_flops_per_epoch", r->gemm_flops);
  fputs("  \"final\": {", f);
  const mn_sgd_epoch *e = &r->last;
  const char *keys[] = {"train_loss", "train_error", "test_error", "norm", "rel_dist",
                        "rkhs_dist", "agree", "rel_residual"};
  const double vals[] = {e->train_loss, e->train_error, e->test_error, e->norm,
                         e->rel_dist,   e->rkhs_dist,   e->agree,      e->rel_residual};
  for (size_t k = 0; k < sizeof vals / sizeof *vals; k++) {
    fprintf(f, "%s\"%s\": ", k ? ", " : "", keys[k]);
    mn_json_num(f, vals[k]);
  }
  fputs("},\n  \"rows\": [\n", f);
  for (size_t i = 0; i < nrows; i++) {
    const mn_sgd_epoch *x = &rows[i];
    const double v[] = {x->passes, x->t_train, x->t_eval, x->train_loss, x->train_error,
                        x->test_error, x->norm, x->rel_dist, x->rkhs_dist, x->agree,
                        x->rel_residual};
    fprintf(f, "    [%zu", x->epoch);
    for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
      fputs(", ", f);
      mn_json_num(f, v[k]);
    }
    fputs(i + 1 < nrows ? "],\n" : "]\n", f);
  }
  fputs("  ],\n  \"row_fields\": [\"epoch\", \"passes\", \"t_train\", \"t_eval\", "
        "\"train_loss\", \"train_error\", \"test_error\", \"norm\", \"rel_dist\", "
        "\"rkhs_dist\", \"agree\", \"rel_residual\"]\n}\n",
        f);
  return mn_out_commit(&out);
}

/* gnuplot's log scale cannot show zeros: such points are left out. */
static void dat_pos(FILE *f, double v)
{
  if (isfinite(v) && v > 0) fprintf(f, " %.10g", v);
  else fputs(" NaN", f);
}

mn_status mn_sgd_plot(const char *path, const mn_sgd_epoch *rows, size_t nrows,
                      double ref_test_error, const char *xlabel, const char *title)
{
  if (!nrows) return mn_error_set(MN_ERR_ARG, "%s: nothing to plot", path);
  mn_plot *pl;
  MN_TRY(mn_plot_begin(path, 1000, 460, &pl));
  const char *dat;
  FILE *fd = mn_plot_data(pl, 0, &dat), *fg = mn_plot_script(pl);
  if (!fd) {
    mn_plot_abort(&pl);
    return MN_ERR_IO;
  }
  int has_dist = 0;
  double ymax = 0; /* the error panel's top: the start (chance level) would squash the rest */
  for (size_t i = 0; i < nrows; i++)
    if (rows[i].epoch > 0 || nrows == 1) {
      if (isfinite(rows[i].test_error) && rows[i].test_error > ymax) ymax = rows[i].test_error;
      if (isfinite(rows[i].train_error) && rows[i].train_error > ymax) ymax = rows[i].train_error;
    }
  if (isfinite(ref_test_error) && 2 * ref_test_error > ymax) ymax = 2 * ref_test_error;
  ymax = ymax > 0 ? 100 * 1.3 * ymax : 100;
  if (ymax > 100) ymax = 100;
  for (size_t i = 0; i < nrows; i++) {
    const mn_sgd_epoch *e = &rows[i];
    fprintf(fd, "%zu", e->epoch);
    dat_pos(fd, e->rel_dist);
    dat_pos(fd, e->rkhs_dist);
    dat_pos(fd, e->rel_residual);
    fprintf(fd, " %.10g %.10g\n", 100 * e->test_error, 100 * e->train_error);
    has_dist |= isfinite(e->rel_dist) && e->rel_dist > 0;
  }
  fprintf(fg, "set multiplot layout 1,2 title '%s'\nset grid\nset key bottom left box opaque\n",
          title ? title : "");
  fprintf(fg, "set xlabel '%s'\nset logscale y\nset format y '10^{%%L}'\n", xlabel);
  if (has_dist)
    fprintf(fg,
            "set ylabel 'distance to the exact solution'\n"
            "plot '%s' using 1:2 with linespoints lw 2 pt 7 title '||a - a*|| / ||a*||', "
            "'%s' using 1:3 with linespoints lw 2 pt 5 title 'RKHS distance / ||f*||', "
            "'%s' using 1:4 with linespoints lw 1 pt 6 title 'train residual'\n",
            dat, dat, dat);
  else
    fprintf(fg,
            "set ylabel 'relative training residual'\n"
            "plot '%s' using 1:4 with linespoints lw 2 pt 6 title 'train residual'\n",
            dat);
  fprintf(fg, "unset logscale y\nset format y '%%g'\nset ylabel 'error (%%), the start (chance) "
              "off the top'\nset yrange [0:%g]\nset key top right\n",
          ymax);
  if (isfinite(ref_test_error))
    fprintf(fg,
            "plot '%s' using 1:5 with linespoints lw 2 pt 7 title 'test error', "
            "'%s' using 1:6 with linespoints lw 1 pt 6 title 'train error', "
            "%g with lines dt 2 lw 2 lc rgb 'gray40' title 'exact solution (%.2f %%)'\n",
            dat, dat, 100 * ref_test_error, 100 * ref_test_error);
  else
    fprintf(fg,
            "plot '%s' using 1:5 with linespoints lw 2 pt 7 title 'test error', "
            "'%s' using 1:6 with linespoints lw 1 pt 6 title 'train error'\n",
            dat, dat);
  fprintf(fg, "unset multiplot\n");
  return mn_plot_finish(&pl);
}

size_t mn_sgd_epochs_to_fit(const mn_sgd_epoch *rows, size_t nrows)
{
  /* the first evaluated epoch from which the training error stays zero to
   * the end of the run (SGD at the edge of stability may lose a fit) */
  size_t first = 0;
  for (size_t i = 0; i < nrows; i++) {
    if (rows[i].epoch == 0) continue;
    if (rows[i].train_error == 0) {
      if (!first) first = rows[i].epoch;
    } else {
      first = 0;
    }
  }
  return first;
}

mn_status mn_sgd_sweep_plot(const char *path, const mn_sgd_curve *curves, size_t ncurves,
                            const char *title)
{
  if (!ncurves) return mn_error_set(MN_ERR_ARG, "%s: nothing to plot", path);
  mn_plot *pl;
  MN_TRY(mn_plot_begin(path, 1380, 460, &pl));
  const char *dl, *dp, *di;
  FILE *fl = mn_plot_data(pl, 0, &dl), *fp = mn_plot_data(pl, 1, &dp);
  FILE *fi = mn_plot_data(pl, 2, &di), *fg = mn_plot_script(pl);
  if (!fl || !fp || !fi) {
    mn_plot_abort(&pl);
    return MN_ERR_IO;
  }
  /* (a): one gnuplot data block per run, separated by two blank lines. */
  size_t epochs_true = 0, max_epochs = 1;
  for (size_t i = 0; i < ncurves; i++) {
    const mn_sgd_curve *cv = &curves[i];
    if (!cv->by_inputs && cv->p == 0) epochs_true = cv->epochs_to_fit;
    for (size_t k = 0; k < cv->nrows; k++) {
      fprintf(fl, "%zu", cv->rows[k].epoch);
      dat_pos(fl, cv->rows[k].train_loss);
      fputc('\n', fl);
      if (cv->rows[k].epoch > max_epochs) max_epochs = cv->rows[k].epoch;
    }
    fputs("\n\n", fl);
  }
  /* (b), (c): one line per run (level runs and input-mode runs apart): x,
   * epochs relative to the true labels' (absolute when the true labels
   * were not fit within the run; NaN if this run was not), test error,
   * "never fit" mark height, label. */
  const double unit = epochs_true ? (double)epochs_true : 1.0;
  double top = 1;
  for (size_t i = 0; i < ncurves; i++)
    if (curves[i].epochs_to_fit) {
      double rel = (double)curves[i].epochs_to_fit / unit;
      if (rel > top) top = rel;
    }
  size_t k_inputs = 0;
  for (size_t i = 0; i < ncurves; i++) {
    const mn_sgd_curve *cv = &curves[i];
    const double x = cv->by_inputs ? 1.2 + 0.15 * (double)k_inputs++ : cv->p;
    const double te = cv->nrows ? 100 * cv->rows[cv->nrows - 1].test_error : NAN;
    double rel = NAN, never = NAN;
    if (cv->epochs_to_fit) rel = (double)cv->epochs_to_fit / unit;
    else never = top * 1.1;
    /* column 6: where the label goes (gnuplot 5.4 crashes on a ternary
     * choosing it in the using spec) */
    fprintf(cv->by_inputs ? fi : fp, "%g %g %g %g \"%s\" %g\n", x, rel, te, never, cv->label,
            isfinite(rel) ? rel : never);
  }
  fprintf(fg, "set multiplot layout 1,3 title '%s'\nset grid\n", title ? title : "");
  fprintf(fg, "set key top right box opaque font ',8'\nset xlabel 'epoch'\n"
              "set ylabel 'training loss (1/n)||F - Y||^2'\nset logscale y\n"
              "set format y '10^{%%L}'\nset xrange [0:%zu]\nplot ",
          max_epochs);
  for (size_t i = 0; i < ncurves; i++)
    fprintf(fg, "%s'%s' index %zu using 1:2 with lines lw 2 title '%s'", i ? ", " : "", dl, i,
            curves[i].label);
  fprintf(fg, "\nunset logscale y\nset format y '%%g'\nset autoscale x\n"
              "set xrange [-0.05:%g]\nset key top left\n"
              "set xlabel 'label corruption p (input modes at the right)'\n"
              "set ylabel '%s'\n"
              "set yrange [0:%g]\n"
              "plot '%s' using 1:2 with linespoints lw 2 pt 7 title 'label corruption', "
              "'%s' using 1:2 with points pt 5 ps 1.5 title 'input modes', "
              "'%s' using 1:4 with points pt 6 ps 2 title 'not fit within the run', "
              "'%s' using 1:4 with points pt 6 ps 2 notitle, "
              "'%s' using 1:6:5 with labels offset 0,1 font ',8' notitle, "
              "'%s' using 1:6:5 with labels offset 0,1 font ',8' notitle\n",
          1.1 + 0.15 * (double)(k_inputs ? k_inputs : 0) + 0.1,
          epochs_true ? "epochs to zero training error / true labels"
                      : "epochs to zero training error (absolute)",
          top * 1.25, dp, di, dp, di, dp, di);
  fprintf(fg, "set ylabel 'test error (%%)'\nset yrange [0:100]\n"
              "plot '%s' using 1:3 with linespoints lw 2 pt 7 title 'label corruption', "
              "'%s' using 1:3 with points pt 5 ps 1.5 title 'input modes', "
              "'%s' using 1:3:5 with labels offset 0,1 font ',8' notitle, "
              "'%s' using 1:3:5 with labels offset 0,1 font ',8' notitle\n",
          dp, di, dp, di);
  fprintf(fg, "unset multiplot\n");
  return mn_plot_finish(&pl);
}
