/* minnorm — sweep output: CSV rows and the gnuplot figure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minnorm/io.h"
#include "minnorm/plot.h"
#include "minnorm/sweep.h"

const char *mn_sweep_csv_header(void)
{
  return "labels,p,inputs,labels_changed,train_error,test_error,rkhs_norm,alpha_fro,"
         "rel_residual,rcond,t_gram,t_factor,t_solve,t_residual,t_predict,t_total,"
         "cg_iters,cg_converged,t_cg,cg_alpha_reldiff,converged";
}

static void csv_num(FILE *f, double v)
{
  if (isfinite(v)) fprintf(f, ",%.10g", v);
  else fputs(",", f);
}

void mn_sweep_csv_row(FILE *f, const mn_sweep_row *row)
{
  char lname[64];
  const mn_fit_result *r = &row->r;
  mn_transform_labels_name(&row->tr, lname, sizeof lname);
  fprintf(f, "%s,%g,%s", lname, row->tr.p, mn_inputs_kind_name(row->tr.inputs));
  const double v[] = {row->changed, r->train_error, r->test_error, r->rkhs_norm,
                      r->alpha_fro, r->rel_residual, r->solve.rcond, r->t_gram,
                      r->t_factor, r->t_solve, r->t_residual, r->t_predict, r->t_total};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) csv_num(f, v[i]);
  if (r->cg_iters) {
    fprintf(f, ",%zu,%d", r->cg_iters, r->cg_converged);
    csv_num(f, r->t_cg);
    csv_num(f, r->cg_alpha_reldiff);
  } else {
    fputs(",,,,", f);
  }
  fprintf(f, ",%d\n", r->converged);
}

mn_status mn_sweep_write_csv(const char *path, const mn_sweep_row *rows, size_t nrows)
{
  mn_out *o;
  MN_TRY(mn_out_open(path, &o));
  FILE *f = mn_out_file(o);
  fprintf(f, "%s\n", mn_sweep_csv_header());
  for (size_t i = 0; i < nrows; i++) mn_sweep_csv_row(f, &rows[i]);
  return mn_out_commit(&o);
}

mn_status mn_sweep_plot(const char *path, const mn_sweep_row *rows, size_t nrows,
                        size_t nclass, const char *title)
{
  size_t n_levels = 0, n_inputs = 0;
  for (size_t i = 0; i < nrows; i++) {
    n_levels += !rows[i].by_inputs;
    n_inputs += rows[i].by_inputs != 0;
  }
  int panels = (n_levels ? 2 : 0) + (n_inputs ? 1 : 0);
  if (panels == 0) return mn_error_set(MN_ERR_ARG, "%s: nothing to plot", path);
  mn_plot *pl;
  MN_TRY(mn_plot_begin(path, 460 * panels, 480, &pl));
  const char *dat_p = NULL, *dat_i = NULL;
  FILE *fp = mn_plot_data(pl, 0, &dat_p), *fi = mn_plot_data(pl, 1, &dat_i);
  FILE *fg = mn_plot_script(pl);
  if (!fp || !fi) {
    mn_plot_abort(&pl);
    return MN_ERR_IO;
  }
  /* Level rows in increasing p (selection order: a handful of rows), so
   * the lines run left to right. */
  for (double last = -1;;) {
    const mn_sweep_row *next = NULL;
    for (size_t i = 0; i < nrows; i++)
      if (!rows[i].by_inputs && rows[i].tr.p > last && (!next || rows[i].tr.p < next->tr.p))
        next = &rows[i];
    if (!next) break;
    for (size_t i = 0; i < nrows; i++) {
      const mn_sweep_row *r = &rows[i];
      if (r->by_inputs || r->tr.p != next->tr.p) continue;
      fprintf(fp, "%g %g %g %g\n", r->tr.p, 100 * r->r.test_error, r->r.rkhs_norm,
              100 * r->r.train_error);
    }
    last = next->tr.p;
  }
  size_t k = 0;
  for (size_t i = 0; i < nrows; i++) {
    const mn_sweep_row *r = &rows[i];
    if (r->by_inputs)
      fprintf(fi, "%zu \"%s\" %g %g\n", k++, mn_inputs_kind_name(r->tr.inputs),
              100 * r->r.test_error, r->r.rkhs_norm);
  }
  double chance = 100.0 * (1.0 - 1.0 / (double)(nclass ? nclass : 1));
  fprintf(fg, "set multiplot layout 1,%d title '%s'\n", panels, title ? title : "");
  fprintf(fg, "set grid\nset key bottom right box opaque\n");
  if (n_levels) {
    fprintf(fg,
            "set xlabel 'label corruption p'\nset ylabel 'test error (%%)'\n"
            "set xrange [-0.05:1.05]\nset yrange [0:100]\n"
            "plot '%s' using 1:2 with linespoints lw 2 pt 7 title 'test error', "
            "'%s' using 1:4 with linespoints lw 1 pt 6 title 'train error', "
            "%g with lines dt 2 lw 2 lc rgb 'gray40' title 'chance'\n",
            dat_p, dat_p, chance);
    fprintf(fg,
            "set ylabel 'RKHS norm sqrt(trace(Y^T alpha))'\nset autoscale y\n"
            "set yrange [0:*]\n"
            "plot '%s' using 1:3 with linespoints lw 2 pt 7 lc rgb 'dark-red' title 'min-norm'\n",
            dat_p);
  }
  if (n_inputs) {
    fprintf(fg,
            "set xlabel 'inputs'\nset ylabel 'RKHS norm'\nset y2label 'test error (%%)'\n"
            "set xrange [-0.6:%g]\nset autoscale y\nset yrange [0:*]\nset y2range [0:100]\n"
            "set ytics nomirror\nset y2tics\nset style fill solid 0.5\nset boxwidth 0.4\n"
            "plot '%s' using ($1-0.2):4:xtic(2) with boxes lc rgb 'dark-red' title 'norm', "
            "'%s' using ($1+0.2):3 axes x1y2 with boxes lc rgb 'steelblue' title 'test error'\n",
            (double)n_inputs - 0.4, dat_i, dat_i);
  }
  fprintf(fg, "unset multiplot\n");
  return mn_plot_finish(&pl);
}
