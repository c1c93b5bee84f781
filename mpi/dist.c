/* minnorm — the MPI runtime of a distributed run (see dist.h): start and
 * end, the collective status check, the data every rank must share, and
 * the reductions (mn_dist_sum).  The BLACS grid and the block-cyclic
 * layout are in dist_grid.c, the fit backend in dist_fit.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mpi.h>
#include "minnorm/io.h"
#include "minnorm/sysinfo.h"
#include "dist.h"
#include "dist_internal.h"

static struct {
  int started;      /* MPI_Init ran here                                   */
  int rank, size;
  unsigned per_node;
} rt = {0, 0, 1, 1};

/* Started by a launcher?  Open MPI's mpirun, PMIx (Open MPI 4+, Slurm's
 * srun --mpi=pmix), PMI-1/2 (MPICH's hydra, srun --mpi=pmi2). */
static int launched(void)
{
  static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
    if (getenv(vars[i])) return 1;
  return 0;
}

mn_status mn_dist_init(int *argc, char ***argv)
{
  if (!launched()) return MN_OK;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return mn_error_set(MN_ERR_ARG, "MPI_Init failed");
  rt.started = 1;
  /* Errors come back as codes; every path turns them into one message. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rt.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &rt.size);
  MPI_Comm node;
  int nn = 1;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rt.rank, MPI_INFO_NULL,
                          &node) == MPI_SUCCESS) {
    MPI_Comm_size(node, &nn);
    MPI_Comm_free(&node);
  }
  rt.per_node = (unsigned)(nn > 0 ? nn : 1);
  /* One line from rank 0: the others are silent unless asked. */
  const char *keep = getenv("MINNORM_RANK_OUTPUT");
  if (rt.rank != 0 && !(keep && !strcmp(keep, "1"))) {
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) {
      /* Nothing to report to: the streams are gone either way. */
    }
  }
  return MN_OK;
}

void mn_dist_finalize(void)
{
  if (!rt.started) return;
  int fin = 0;
  MPI_Finalized(&fin);
  if (!fin) MPI_Finalize();
  rt.started = 0;
}

int mn_dist_rank(void) { return rt.rank; }
int mn_dist_size(void) { return rt.size; }
unsigned mn_dist_ranks_per_node(void) { return rt.per_node; }
int mn_dist_enabled(void) { return 1; }

mn_status mn_dist_agree(mn_status s)
{
  if (!rt.started) return s;
  int mine = s != MN_OK ? rt.rank : rt.size, first = rt.size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (first == rt.size) return MN_OK;
  struct { int code; char msg[1000]; } e;
  memset(&e, 0, sizeof e);
  if (rt.rank == first) {
    e.code = (int)s;
    snprintf(e.msg, sizeof e.msg, "%s", mn_error_message());
  }
  MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
  if (rt.size == 1 || !strncmp(e.msg, "rank ", 5)) /* named already */
    return mn_error_set((mn_status)e.code, "%s", e.msg);
  return mn_error_set((mn_status)e.code, "rank %d of %d: %s", first, rt.size, e.msg);
}

void mn_dist_sum(MPI_Comm comm, double *buf, size_t count, double *seconds)
{
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  if (size == 1 || count == 0) return;
  MPI_Comm_rank(comm, &rank);
  double t0 = MPI_Wtime();
  const size_t chunk = (size_t)1 << 28;
  for (size_t off = 0; off < count; off += chunk) {
    const int len = (int)(count - off < chunk ? count - off : chunk);
    if (rank == 0)
      MPI_Reduce(MPI_IN_PLACE, buf + off, len, MPI_DOUBLE, MPI_SUM, 0, comm);
    else
      MPI_Reduce(buf + off, NULL, len, MPI_DOUBLE, MPI_SUM, 0, comm);
    MPI_Bcast(buf + off, len, MPI_DOUBLE, 0, comm);
  }
  if (seconds) *seconds += MPI_Wtime() - t0;
}

/* ---- the data every rank must share ----------------------------------- */

/* Bytes in pieces MPI's int counts can carry. */
static void bcast_bytes(void *p, size_t len)
{
  const size_t chunk = (size_t)1 << 30;
  for (size_t off = 0; off < len; off += chunk)
    MPI_Bcast((char *)p + off, (int)(len - off < chunk ? len - off : chunk), MPI_BYTE, 0,
              MPI_COMM_WORLD);
}

typedef struct {
  uint64_t n, d, h, w, channels, scale_d;
  int32_t nclass, present, has_classes, unlabeled, scale, index_base;
  char md5[2][33];
  char path[2][1024];
  char kind[16], dtype[16];
} ds_header;

/* Rank 0's dataset to every rank (NULL stays NULL): the header with the
 * provenance (kind, dtype, scaling, index base), then the class values and
 * the scaling statistics when there are any, then x and y. */
static mn_status bcast_dataset(mn_dataset **ds)
{
  ds_header hd;
  memset(&hd, 0, sizeof hd);
  if (rt.rank == 0 && *ds) {
    const mn_dataset *s = *ds;
    hd.n = s->n;
    hd.d = s->d;
    hd.h = s->h;
    hd.w = s->w;
    hd.channels = s->channels;
    hd.nclass = s->nclass;
    hd.present = 1;
    hd.has_classes = s->class_values != NULL;
    hd.unlabeled = s->unlabeled;
    hd.scale = (int32_t)s->scale;
    hd.index_base = s->index_base;
    hd.scale_d = s->scale_mean && s->scale_sd ? s->scale_d : 0;
    memcpy(hd.md5, s->md5, sizeof hd.md5);
    memcpy(hd.path, s->path, sizeof hd.path);
    memcpy(hd.kind, s->kind, sizeof hd.kind);
    memcpy(hd.dtype, s->dtype, sizeof hd.dtype);
  }
  MPI_Bcast(&hd, (int)sizeof hd, MPI_BYTE, 0, MPI_COMM_WORLD);
  if (!hd.present) return MN_OK;
  mn_status s = MN_OK;
  if (rt.rank != 0) {
    mn_dataset_destroy(ds);
    if ((s = mn_dataset_create(hd.n, hd.d, hd.nclass, ds)) == MN_OK) {
      mn_dataset *t = *ds;
      t->h = hd.h;
      t->w = hd.w;
      t->channels = hd.channels;
      memcpy(t->md5, hd.md5, sizeof hd.md5);
      memcpy(t->path, hd.path, sizeof hd.path);
      memcpy(t->kind, hd.kind, sizeof hd.kind);
      memcpy(t->dtype, hd.dtype, sizeof hd.dtype);
      t->unlabeled = hd.unlabeled;
      t->scale = (mn_scale_kind)hd.scale;
      t->index_base = hd.index_base;
      if (hd.has_classes) t->class_values = malloc((size_t)hd.nclass * sizeof(double));
      if (hd.scale_d) {
        t->scale_mean = malloc(hd.scale_d * sizeof(double));
        t->scale_sd = malloc(hd.scale_d * sizeof(double));
        t->scale_d = hd.scale_d;
      }
      if ((hd.has_classes && !t->class_values) ||
          (hd.scale_d && (!t->scale_mean || !t->scale_sd)))
        s = mn_error_set(MN_ERR_NOMEM, "out of memory for the dataset's provenance");
    }
  }
  MN_TRY(mn_dist_agree(s));
  if (hd.has_classes)
    bcast_bytes((*ds)->class_values, (size_t)hd.nclass * sizeof(double));
  if (hd.scale_d) {
    bcast_bytes((*ds)->scale_mean, hd.scale_d * sizeof(double));
    bcast_bytes((*ds)->scale_sd, hd.scale_d * sizeof(double));
  }
  bcast_bytes((*ds)->x, hd.n * hd.d * sizeof *(*ds)->x);
  bcast_bytes((*ds)->y, hd.n * sizeof *(*ds)->y);
  return MN_OK;
}

/* md5 over shape, labels and values (the doubles' bits). */
static void digest(const mn_dataset *ds, char hex[33])
{
  if (!ds) {
    snprintf(hex, 33, "none");
    return;
  }
  /* Shape and labels first, then the values, one digest over all three. */
  char a[33], b[33], c[33], all[200];
  const uint64_t shape[5] = {ds->n, ds->d, ds->h, ds->w, (uint64_t)ds->nclass};
  mn_md5_buffer(shape, sizeof shape, a);
  mn_md5_buffer(ds->y, ds->n * sizeof *ds->y, b);
  mn_md5_buffer(ds->x, ds->n * ds->d * sizeof *ds->x, c);
  snprintf(all, sizeof all, "%s%s%s", a, b, c);
  mn_md5_buffer(all, strlen(all), hex);
}

mn_status mn_dist_share_data(mn_dataset **train, mn_dataset **test, int bcast)
{
  if (!rt.started || rt.size == 1) return MN_OK;
  if (bcast) {
    MN_TRY(bcast_dataset(train));
    return bcast_dataset(test);
  }
  char mine[2][33], root[2][33];
  digest(*train, mine[0]);
  digest(test ? *test : NULL, mine[1]);
  memcpy(root, mine, sizeof root);
  MPI_Bcast(root, (int)sizeof root, MPI_BYTE, 0, MPI_COMM_WORLD);
  mn_status s = MN_OK;
  if (memcmp(root, mine, sizeof root))
    s = mn_error_set(MN_ERR_FORMAT,
                     "its data differ from rank 0's after loading and transforms (digest %s "
                     "vs %s): every rank must read the same files (%s) with the same options; "
                     "or use --mpi-data bcast",
                     memcmp(root[0], mine[0], 33) ? mine[0] : mine[1],
                     memcmp(root[0], mine[0], 33) ? root[0] : root[1],
                     *train ? (*train)->path[0] : "?");
  return mn_dist_agree(s);
}
