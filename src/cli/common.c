/* minnorm CLI — shared options. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "minnorm/sysinfo.h"
#include "common.h"
#include "opts.h"

void cli_common_defaults(cli_common *c)
{
  memset(c, 0, sizeof *c);
  c->pipe = mn_pipeline_opts_default();
  c->fit = mn_fit_opts_default();
  c->tr = mn_transform_default();
  c->dist = mn_dist_opts_default();
}

int cli_common_flag(int argc, char **argv, int *i, cli_common *c)
{
  const char *v;
  int r;
  if (!strcmp(argv[*i], "--quiet")) { c->quiet = 1; return 1; }
  if (!strcmp(argv[*i], "--cg")) { c->fit.cg_compare = 1; return 1; }
  if (!strcmp(argv[*i], "--allow-unconverged")) { c->fit.allow_unconverged = 1; return 1; }
  if (!strcmp(argv[*i], "--progress")) { c->progress = 1; return 1; }
  if (!strcmp(argv[*i], "--randconv-standardize")) { c->pipe.randconv.standardize = 1; return 1; }
#define FLAG(name) ((r = cli_flag(argc, argv, i, name, &v)) != 0)
#define OK(expr) return (r < 0 || (expr)) ? -1 : 1
  if (FLAG("--data")) OK((c->pipe.data = v, 0));
  if (FLAG("--scale")) OK(mn_scale_kind_parse(v, &c->pipe.scale));
  if (FLAG("--n-test")) OK((c->n_test_given = 1, cli_size("--n-test", v, &c->pipe.n_test)));
  if (FLAG("--validate")) {
    if (r < 0 || cli_size("--validate", v, &c->pipe.validate)) return -1;
    if (c->pipe.validate == 0) {
      mn_error_set(MN_ERR_ARG, "--validate must be at least 1 (leave it out to evaluate on the "
                               "test set)");
      return -1;
    }
    return 1;
  }
  if (FLAG("--validate-seed")) {
    unsigned long long s;
    if (r < 0 || cli_u64("--validate-seed", v, &s)) return -1;
    c->pipe.validate_seed = s;
    c->validate_seed_given = 1;
    return 1;
  }
  if (FLAG("--n")) OK(cli_size("--n", v, &c->pipe.n));
  if (FLAG("--kernel")) OK(mn_kernel_kind_parse(v, &c->fit.kernel.kind));
  if (FLAG("--sigma")) OK(cli_double("--sigma", v, &c->fit.kernel.sigma));
  if (FLAG("--gamma")) {
    if (r < 0 || cli_double("--gamma", v, &c->fit.kernel.gamma)) return -1;
    if (!(c->fit.kernel.gamma > 0)) {
      mn_error_set(MN_ERR_ARG, "--gamma must be a positive number");
      return -1;
    }
    return 1;
  }
  if (FLAG("--power")) OK(cli_int("--power", v, &c->fit.kernel.power));
  if (FLAG("--lambda")) OK(cli_double("--lambda", v, &c->fit.solver.lambda));
  if (FLAG("--lambda-path"))
    OK(cli_double_list("--lambda-path", v, MN_LAMBDA_PATH_MAX, c->fit.lambda_path,
                       &c->fit.n_lambda_path));
  if (FLAG("--solver")) OK(mn_solver_kind_parse(v, &c->fit.solver.kind));
  if (FLAG("--mixed-k")) OK(mn_mixed_k_parse(v, &c->fit.solver.mixed_k));
  if (FLAG("--rcond")) OK(cli_double("--rcond", v, &c->fit.solver.rcond));
  if (FLAG("--tol")) OK(cli_double("--tol", v, &c->fit.solver.tol));
  if (FLAG("--maxit")) OK(cli_size("--maxit", v, &c->fit.solver.maxit));
  if (FLAG("--features")) {
    if (r < 0) return -1;
    c->pipe.features = MN_FEATURES_NONE;
    if (!strcmp(v, "none")) return 1;
    if (!strcmp(v, "gabor")) {
      c->pipe.features = MN_FEATURES_GABOR;
      return 1;
    }
    if (!strncmp(v, "randconv:", 9)) {
      c->pipe.features = MN_FEATURES_RANDCONV;
      OK(cli_size("--features randconv:F", v + 9, &c->pipe.randconv.filters));
    }
    if (!strncmp(v, "rff:", 4)) {
      c->pipe.features = MN_FEATURES_RFF;
      OK(cli_size("--features rff:D", v + 4, &c->pipe.rff.D));
    }
    mn_error_set(MN_ERR_ARG, "--features '%s': expected none, gabor, randconv:F or rff:D", v);
    return -1;
  }
  if (FLAG("--gabor-scales")) OK(cli_int("--gabor-scales", v, &c->pipe.gabor.J));
  if (FLAG("--gabor-orientations")) OK(cli_int("--gabor-orientations", v, &c->pipe.gabor.L));
  if (FLAG("--randconv-patch")) OK(cli_size("--randconv-patch", v, &c->pipe.randconv.patch));
  if (FLAG("--randconv-filters"))
    OK(mn_randconv_source_parse(v, &c->pipe.randconv.source));
  if (FLAG("--randconv-bias")) OK(cli_double("--randconv-bias", v, &c->pipe.randconv.bias));
  if (FLAG("--randconv-zca")) OK(cli_double("--randconv-zca", v, &c->pipe.randconv.zca_eps));
  if (FLAG("--randconv-pool")) OK(cli_size("--randconv-pool", v, &c->pipe.randconv.pool));
  if (FLAG("--randconv-block")) OK(cli_size("--randconv-block", v, &c->pipe.randconv.block));
  if (FLAG("--randconv-pooling")) OK(mn_randconv_pooling_parse(v, &c->pipe.randconv.pooling));
  if (FLAG("--randconv-precision"))
    OK(mn_randconv_precision_parse(v, &c->pipe.randconv.precision));

  if (FLAG("--labels")) OK(mn_transform_parse_labels(v, &c->tr));
  if (FLAG("--inputs")) OK(mn_transform_parse_inputs(v, &c->tr));
  if (FLAG("--seed")) {
    unsigned long long s;
    if (r < 0 || cli_u64("--seed", v, &s)) return -1;
    c->tr.seed = s;
    return 1;
  }
  if (FLAG("--nb")) {
    size_t nb = 0;
    if (r < 0 || cli_size("--nb", v, &nb)) return -1;
    if (nb < 1 || nb > 4096) {
      mn_error_set(MN_ERR_ARG, "--nb must be between 1 and 4096");
      return -1;
    }
    c->dist.nb = (int)nb;
    return 1;
  }
  if (FLAG("--mpi-data")) {
    if (r < 0) return -1;
    if (!strcmp(v, "read")) c->dist.bcast_data = 0;
    else if (!strcmp(v, "bcast")) c->dist.bcast_data = 1;
    else {
      mn_error_set(MN_ERR_ARG, "--mpi-data '%s': expected read or bcast", v);
      return -1;
    }
    return 1;
  }
  if (FLAG("--max-memory")) {
    if (r < 0) return -1;
    if (mn_parse_bytes(v, &c->fit.max_memory)) {
      mn_error_set(MN_ERR_ARG, "--max-memory '%s': expected a size such as 800M or 20G", v);
      return -1;
    }
    return 1;
  }
#undef FLAG
#undef OK
  return 0;
}

int cli_common_check(cli_common *c)
{
  c->pipe.randconv.seed = c->tr.seed;
  if (!c->validate_seed_given) c->pipe.validate_seed = c->tr.seed;
  if (c->pipe.validate && c->n_test_given) {
    mn_error_set(MN_ERR_ARG, "--n-test does not apply with --validate: the %zu validation rows "
                             "replace the test set", c->pipe.validate);
    return -1;
  }
  if (!c->pipe.validate && c->validate_seed_given) {
    mn_error_set(MN_ERR_ARG, "--validate-seed needs --validate V");
    return -1;
  }
  if (c->pipe.features == MN_FEATURES_RFF) {
    /* The features' Gaussian bandwidth is the kernel's --sigma / --gamma.
     * With a kernel other than the Gaussian on top (the natural one is
     * linear), --gamma then belongs to the features alone. */
    c->pipe.rff.sigma = c->fit.kernel.sigma;
    c->pipe.rff.gamma = c->fit.kernel.gamma;
    c->pipe.rff.seed = c->tr.seed;
    if (c->fit.kernel.kind != MN_KERNEL_GAUSSIAN) c->fit.kernel.gamma = 0;
  }
  /* The plan takes this process's budget as given: --max-memory per
   * process (rank), and the node's free memory divided among the ranks
   * that share it. */
  if (mn_mem_env_check()) return -1;
  c->fit.max_memory = mn_mem_budget(c->fit.max_memory, mn_dist_ranks_per_node());
  c->fit.spill_dir = getenv("TMPDIR");
  c->pipe.max_memory = mn_mem_physical();
  /* Under mpirun with several ranks (or --solver scalapack*), the fit runs
   * on the distributed backend (collective: every rank gets here). */
  if (mn_dist_fit_backend(&c->dist, c->fit.solver.kind, &c->fit.backend)) return -1;
  if (c->fit.backend && c->pipe.features == MN_FEATURES_RANDCONV && !c->dist_randconv) {
    mn_error_set(MN_ERR_ARG, "--features randconv:F runs on several ranks only in `minnorm "
                             "fit`; run this command without mpirun, or with -np 1");
    return -1;
  }
  if (c->pipe.data && mn_dataset_spec_check(c->pipe.data)) return -1;
  /* --data first: without it nothing else matters. */
  const char *bad = c->pipe.data ? mn_fit_opts_check(&c->fit) : NULL;
  if (!bad) bad = mn_pipeline_opts_check(&c->pipe);
  if (bad) {
    mn_error_set(MN_ERR_ARG, "%s", bad);
    return -1;
  }
  return 0;
}

const char *cli_common_features_name(const cli_common *c)
{
  static char buf[128];
  const mn_randconv_opts *r = &c->pipe.randconv;
  if (c->pipe.features == MN_FEATURES_RANDCONV)
    snprintf(buf, sizeof buf, "randconv(F=%zu,k=%zu,%s,bias=%g,zca=%g,pool=%zu%s%s%s)",
             r->filters, r->patch, mn_randconv_source_name(r->source), r->bias, r->zca_eps,
             r->pool, r->pooling == MN_RANDCONV_POOL_SUM ? ",sum" : "",
             r->standardize ? ",standardized" : "",
             r->precision == MN_RANDCONV_DOUBLE ? ",double" : "");
  else if (c->pipe.features == MN_FEATURES_RFF && c->pipe.rff.gamma > 0)
    snprintf(buf, sizeof buf, "rff(D=%zu,gamma=%g)", c->pipe.rff.D, c->pipe.rff.gamma);
  else if (c->pipe.features == MN_FEATURES_RFF)
    snprintf(buf, sizeof buf, "rff(D=%zu,sigma=%g)", c->pipe.rff.D, c->pipe.rff.sigma);
  else if (c->pipe.features == MN_FEATURES_GABOR)
    snprintf(buf, sizeof buf, "gabor(J=%d,L=%d)", c->pipe.gabor.J, c->pipe.gabor.L);
  else
    return "none";
  return buf;
}

void cli_common_help(FILE *f)
{
  fputs(
"data:\n"
"  --data KIND:PATH     dataset, one of:\n"
"                       mnist:DIR    official IDX names, plain or .gz (train\n"
"                                    and t10k files from DIR)\n"
"                       cifar10:DIR  official binary batches, data_batch_*.bin\n"
"                                    and test_batch.bin\n"
"                       npy:TRAIN_X.npy,TRAIN_Y.npy[,TEST_X.npy,TEST_Y.npy]\n"
"                                    X (n,d), (n,h,w) or (n,h,w,c) of uint8,\n"
"                                    float32 or float64, C or Fortran order;\n"
"                                    y 1-D integer (or bool) labels, or (n,c)\n"
"                                    one-hot rows\n"
"                       libsvm:TRAIN[,TEST]  LIBSVM/svmlight text \"label\n"
"                                    idx:val ...\"; '#' comments, blank lines\n"
"                                    and qid: tokens ignored; indices 1-based\n"
"                                    unless a 0 index appears in either file\n"
"                                    (then 0-based); d = the largest index\n"
"                       Without test files the test set is empty.  Labels\n"
"                       (npy integer, libsvm) map to classes 0..c-1 by their\n"
"                       sorted distinct values in the whole training file (the\n"
"                       JSON report lists them as class_values); test labels\n"
"                       must be among them; at least 2 classes\n"
"  --scale S            none | 255 | standardize (default per source: 255 for\n"
"                       mnist, cifar10 and uint8 npy X, i.e. pixels / 255;\n"
"                       none for float npy X and libsvm).  none: the file's\n"
"                       values (mnist, cifar10: bytes 0..255); standardize:\n"
"                       per feature (x - mean) / sd of the training rows loaded\n"
"                       (population sd; sd 0 -> 1), test scaled with them\n"
"  --n N                first N training samples (default 10000; 0 = all)\n"
"  --n-test N           first N test samples (default 0 = all)\n"
"  --validate V         tune without the test set: V rows of the training file,\n"
"                       drawn at random (by --validate-seed) before --n, any\n"
"                       randomization or feature map, are the evaluation set\n"
"                       instead of the test file (which is not read); --n\n"
"                       then takes the first N of the other rows (file\n"
"                       order), so the two never share a row, and the split\n"
"                       does not depend on --n.  test_error in the outputs is\n"
"                       then the validation error (the JSON report says\n"
"                       \"evaluation_set\": \"validation\").  Needs V >= 1 and\n"
"                       V + N <= the training rows; not with --n-test.\n"
"                       standardize uses the N training rows' statistics\n"
"  --validate-seed S    seed of the validation split (default: --seed)\n"
"features (applied after the randomization, before the kernel):\n"
"  --features F         none | gabor | randconv:F | rff:D (default none: raw\n"
"                       pixels)\n"
"                       gabor: low-pass + modulus of Morlet wavelets,\n"
"                       Gaussian-pooled; randconv:F (fit; sgd --method primal\n"
"                       computes them explicitly): F random\n"
"                       k x k filters on contrast-normalized, ZCA-whitened\n"
"                       patches, max(0, +-z - bias), averaged over pool x pool\n"
"                       regions: 2 pool^2 F features, never stored (K is\n"
"                       accumulated over blocks of filters); dense solvers only;\n"
"                       under mpirun (fit only) scalapack, each rank building\n"
"                       its own blocks of K from every training image's\n"
"                       features;\n"
"                       rff:D: D random Fourier features of the Gaussian\n"
"                       kernel of bandwidth --sigma (or --gamma; Rahimi &\n"
"                       Recht 2007), sqrt(2/D) cos(omega.x + b), omega ~\n"
"                       N(0, I/sigma^2), b ~ U[0, 2 pi), drawn with --seed;\n"
"                       stored (n x D doubles); with --kernel linear, K\n"
"                       approximates the Gaussian's\n"
"  --gabor-scales J     wavelet scales (default 3)\n"
"  --gabor-orientations L  orientations (default 8)\n"
"  --randconv-filters S patches | gaussian (default patches: whitened random\n"
"                       training patches; gaussian: N(0, I) directions)\n"
"  --randconv-patch K   filter side in pixels (default 6)\n"
"  --randconv-bias B    rectifier threshold (default 0.5)\n"
"  --randconv-zca E     whitening regularizer (default 0.1)\n"
"  --randconv-pool Q    pooling grid Q x Q (default 2)\n"
"  --randconv-pooling P avg | sum over each pooling region (default avg)\n"
"  --randconv-standardize  each feature minus its training mean, over its\n"
"                       training sd, all over sqrt(D) (default off)\n"
"  --randconv-precision P  single | double: the convolution and the block\n"
"                       products (default single; K summed in double)\n"
"  --randconv-block B   filters held at once, multiple of 256 (default 1024;\n"
"                       memory only: the result has the same bits for any B)\n"
"randomization (Zhang et al. 2017; deterministic for a given --seed):\n"
"  --labels L           true | random | corrupt:P (default true); corrupt:P\n"
"                       replaces each training label with probability P by a\n"
"                       uniform random class; test labels are never altered\n"
"  --inputs I           true | shuffled | random | gaussian (default true):\n"
"                       one pixel permutation for all images / a new one per\n"
"                       image / Gaussian noise with the training pixels' mean\n"
"                       and variance; applied to training and test images\n"
"  --seed S             random seed (default 1)\n"
"kernel:\n"
"  --kernel NAME        gaussian | laplacian | linear | polynorm (default gaussian)\n"
"                       gaussian  exp(-||x-z||^2 / (2 sigma^2))\n"
"                       laplacian exp(-||x-z|| / sigma)   (Euclidean norm)\n"
"                       linear    x.z\n"
"                       polynorm  (x.z / (||x|| ||z||))^power\n"
"  --sigma S            bandwidth, > 0 (default 5)\n"
"  --gamma G            gaussian only: exp(-G ||x-z||^2), overrides --sigma\n"
"  --power P            polynorm exponent, 1..64 (default 4)\n"
"solver:\n"
"  --lambda L           ridge added to the diagonal, >= 0 (default 0: interpolate)\n"
"  --lambda-path L1,... fit only: also solve with each of these ridges on the\n"
"                       same K (one factorization each, no Gram rebuild) and\n"
"                       report test error and norm per value; dense solvers only\n"
"  --solver NAME        auto | chol | packed | mixed | eig | cg | scalapack |\n"
"                       scalapack-mixed (default auto)\n"
"                       auto: mixed with the double K kept if both copies fit\n"
"                             the memory budget, else packed, else mixed with\n"
"                             K from the data, else refuse up front\n"
"                       chol: dense double Cholesky (the plain double route;\n"
"                             n^2 doubles); fails if K is not numerically\n"
"                             positive definite (e.g. duplicate images)\n"
"                       packed: K's lower triangle only (n^2/2 doubles, 14.4 GB\n"
"                             at n = 60000), tiled Cholesky in double\n"
"                       mixed: single-precision packed Cholesky (n^2/2 floats)\n"
"                             + iterative refinement in double (LAPACK dsposv's\n"
"                             scheme: the answer has its backward error, about\n"
"                             sqrt(n) eps, not dpotrf's).  Residuals come from\n"
"                             the double K kept beside the single copy when it\n"
"                             fits (n^2/2 doubles more; if refinement stalls the\n"
"                             double K is factored instead), else they are\n"
"                             recomputed from the data (PCG if refinement stalls)\n"
"                       eig:  eigendecomposition, pseudo-inverse = minimum-norm\n"
"                             least-squares solution; ~10x slower, 2x memory\n"
"                       cg:   conjugate gradients from alpha = 0 to --tol\n"
"                       scalapack, scalapack-mixed: under mpirun (below)\n"
"  --mixed-k K          mixed: where refinement's residuals come from: auto\n"
"                       (default: the double K kept beside its single copy when\n"
"                       both fit the memory budget, else recomputed from the\n"
"                       data), stored, or data\n"
"  --rcond R            eig: drop eigenvalues <= R * largest (default n * 2.2e-16)\n"
"  --tol T              cg: stop at ||K alpha - y|| <= T ||y|| per class\n"
"                       (default 1e-6); mixed: stop at ||K alpha - Y||_F <= T ||Y||_F\n"
"                       (default: LAPACK dsposv's rule, full double accuracy)\n"
"  --maxit N            cg: iteration limit (default 0 = 10 n); mixed: refinement\n"
"                       and PCG steps (default 0 = 30)\n"
"                       A cg or mixed solve that stops at --maxit short of its\n"
"                       target is an error (exit 1, no output files), as is a\n"
"                       NaN or inf in alpha or in any reported figure\n"
"  --allow-unconverged  keep a solve that stopped short of its target: the\n"
"                       report then says \"converged\": false (JSON, sweep CSV)\n"
"                       and the summary says NO (non-finite results still fail)\n"
"  --cg                 also run CG beside the direct solver and report its\n"
"                       iterations, time and distance to the exact alpha (a\n"
"                       measurement: CG not converging is reported, not an error)\n"
"  --max-memory BYTES   memory the fit may use, e.g. 8G (default: available memory;\n"
"                       under mpirun: per rank, default the node's free memory\n"
"                       divided among the ranks on that node)\n"
"  --progress           progress with elapsed time and ETA on stderr (default:\n"
"                       only when stderr is a terminal)\n"
"distributed (mpirun -np P minnorm fit ..., P > 1; a build with MPI):\n"
"  The fit runs on ScaLAPACK over a near-square P x Q grid of the ranks, K in\n"
"  2-D block-cyclic NB x NB blocks, each rank building only its own blocks.\n"
"  auto then picks, per rank, as on one node: scalapack-mixed with the local\n"
"  double K kept, else scalapack, else scalapack-mixed with K from the data.\n"
"    scalapack        pdpotrf + pdpotrs in double (local K: n^2/P doubles)\n"
"    scalapack-mixed  pspotrf on a single-precision K (n^2/P floats) +\n"
"                     refinement in double (dsposv's backward error); PCG on\n"
"                     the single factor if refinement stalls\n"
"  --nb NB              block size (default 128, chosen by measurement)\n"
"  --mpi-data M         bcast (default): rank 0 reads and transforms the data,\n"
"                       then broadcasts it (the other ranks need no files);\n"
"                       read: every rank reads the files, checked identical by\n"
"                       digest (sweep: every rank reads, either way)\n"
"  Rank 0 prints and writes every output; an error on any rank stops all of\n"
"  them with one line naming the rank.  One BLAS thread per rank\n"
"  (OPENBLAS_NUM_THREADS=1) unless ranks x threads <= cores.\n",
      f);
}

void cli_common_help_tail(FILE *f)
{
  fputs("  --quiet              no table on stdout\n"
        "  --help               this text\n"
        "\n"
        "Outputs: an output that is an input file (--data, --model, --compare),\n"
        "another output of the run or a directory is refused before any compute; a\n"
        "symbolic link given as an output is replaced, its target never written (a\n"
        "link to an input is refused).  All outputs appear together at the end.\n"
        "Exit status: 0 success, 1 data or runtime error, 2 usage error; SIGINT,\n"
        "SIGTERM or SIGHUP: 128 + signal, one 'interrupted' line, no output written.\n"
        "Errors are one line on stderr; with MINNORM_TRACEBACK=1 in the environment a\n"
        "second line gives where the library found the error and the calls it went\n"
        "up through (file:line function <- ...).\n"
        "Later flags override earlier ones.\n",
        f);
}

int cli_usage_error(const char *cmd)
{
  fprintf(stderr, "minnorm %s: %s (see minnorm %s --help)\n", cmd, mn_error_message(), cmd);
  char who[64];
  snprintf(who, sizeof who, "minnorm %s", cmd);
  cli_traceback(who);
  return 2;
}

mn_status cli_common_pipeline(const cli_common *c, mn_pipeline **out, int *rc)
{
  mn_status s = mn_pipeline_create(&c->pipe, out);
  if (s == MN_ERR_ARG && c->pipe.validate && !strncmp(mn_error_message(), "--validate", 10))
    *rc = 2;
  return s;
}

mn_progress *cli_common_progress(const cli_common *c)
{
  if (mn_dist_rank() != 0) return NULL; /* rank 0 speaks for the job */
  return (c->progress || isatty(STDERR_FILENO)) ? mn_progress_create(stderr) : NULL;
}

char *cli_join_args(const char *prog, int argc, char **argv)
{
  size_t len = strlen(prog) + 2;
  for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
  char *s = malloc(len);
  if (!s) return NULL;
  strcpy(s, prog);
  for (int i = 0; i < argc; i++) {
    strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}
