/* minnorm — sweep output: CSV rows and the gnuplot figure. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "minnorm/io.h"
#include "minnorm/sweep.h"

const char *mn_sweep_csv_header(void)
{
  return "labels,p,inputs,labels_changed,train_error,test_error,rkhs_norm,alpha_fro,"
         "rel_residual,rcond,t_gram,t_factor,t_solve,t_residual,t_predict,t_total,"
         "cg_iters,cg_converged,t_cg,cg_alpha_reldiff";
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
  fputc('\n', f);
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

/* Runs "gnuplot SCRIPT" and waits; stdout/stderr of gnuplot go to /dev/null
 * except that failure is reported by exit status. */
static mn_status run_gnuplot(const char *script, const char *png)
{
  pid_t pid = fork();
  if (pid < 0) return mn_error_set(MN_ERR_IO, "%s: cannot start gnuplot: %s", png, strerror(errno));
  if (pid == 0) {
    FILE *devnull = freopen("/dev/null", "w", stdout);
    (void)devnull;
    execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0)
    return mn_error_set(MN_ERR_IO, "%s: waiting for gnuplot failed", png);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return mn_error_set(MN_ERR_IO,
                        "%s: gnuplot not found (install Debian's gnuplot-nox, or run scripts/setup.sh)",
                        png);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return mn_error_set(MN_ERR_IO, "%s: gnuplot failed (exit status %d)", png,
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  return MN_OK;
}

mn_status mn_sweep_plot(const char *path, const mn_sweep_row *rows, size_t nrows,
                        size_t nclass, const char *title)
{
  char dir[] = "/tmp/minnorm-plot-XXXXXX";
  if (!mkdtemp(dir)) return mn_error_set(MN_ERR_IO, "%s: cannot create a temporary directory", path);
  char dat_p[64], dat_i[64], gp[64], tmp_png[1200];
  snprintf(dat_p, sizeof dat_p, "%s/levels.dat", dir);
  snprintf(dat_i, sizeof dat_i, "%s/inputs.dat", dir);
  snprintf(gp, sizeof gp, "%s/plot.gp", dir);
  snprintf(tmp_png, sizeof tmp_png, "%s.tmp.%ld.png", path, (long)getpid());
  mn_status s = MN_OK;
  FILE *fp = fopen(dat_p, "w"), *fi = fopen(dat_i, "w"), *fg = fopen(gp, "w");
  size_t n_levels = 0, n_inputs = 0;
  if (!fp || !fi || !fg) {
    s = mn_error_set(MN_ERR_IO, "%s: cannot write gnuplot input in %s", path, dir);
    goto done;
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
      n_levels++;
    }
    last = next->tr.p;
  }
  for (size_t i = 0; i < nrows; i++) {
    const mn_sweep_row *r = &rows[i];
    if (r->by_inputs) {
      fprintf(fi, "%zu \"%s\" %g %g\n", n_inputs, mn_inputs_kind_name(r->tr.inputs),
              100 * r->r.test_error, r->r.rkhs_norm);
      n_inputs++;
    }
  }
  int panels = (n_levels ? 2 : 0) + (n_inputs ? 1 : 0);
  if (panels == 0) {
    s = mn_error_set(MN_ERR_ARG, "%s: nothing to plot", path);
    goto done;
  }
  double chance = 100.0 * (1.0 - 1.0 / (double)(nclass ? nclass : 1));
  fprintf(fg, "set terminal pngcairo size %d,480 enhanced font 'Sans,11'\n", 460 * panels);
  fprintf(fg, "set output '%s'\n", tmp_png);
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
  fprintf(fg, "unset multiplot\nset output\n");
  if (fclose(fp) | fclose(fi) | fclose(fg)) {
    fp = fi = fg = NULL;
    s = mn_error_set(MN_ERR_IO, "%s: cannot write gnuplot input in %s", path, dir);
    goto done;
  }
  fp = fi = fg = NULL;
  s = run_gnuplot(gp, path);
  if (s == MN_OK && rename(tmp_png, path) != 0)
    s = mn_error_set(MN_ERR_IO, "%s: cannot rename into place: %s", path, strerror(errno));
done:
  if (fp) fclose(fp);
  if (fi) fclose(fi);
  if (fg) fclose(fg);
  remove(tmp_png);
  remove(dat_p);
  remove(dat_i);
  remove(gp);
  rmdir(dir);
  return s;
}
