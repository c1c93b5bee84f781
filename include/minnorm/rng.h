/* minnorm — the one random number generator: xoshiro256** (Blackman &
 * Vigna, 2018) seeded through splitmix64.  Passed explicitly; never rand().
 * Same (seed, stream) -> same bits on every machine.  Streams give
 * independent sequences for independent uses of one user seed (labels,
 * pixel permutations, Gaussian inputs, ...). */
#ifndef MINNORM_RNG_H
#define MINNORM_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t s[4]; } mn_rng;

/* Well-known stream identifiers, so that adding a use never shifts another. */
enum {
  MN_STREAM_LABELS = 1,
  MN_STREAM_PIXEL_PERM = 2,
  MN_STREAM_PIXEL_RANDOM = 3,
  MN_STREAM_GAUSSIAN = 4,
  MN_STREAM_CENTERS = 5,
  MN_STREAM_TEST_LABELS = 6,
  MN_STREAM_RANDCONV = 7,
  MN_STREAM_EIGENPRO = 8,  /* EigenPro / Nystrom subsample            */
  MN_STREAM_SGD_BATCH = 9, /* the order of SGD's mini-batches          */
  MN_STREAM_RFF = 10,      /* random Fourier feature directions, phases */
  MN_STREAM_SGD_W0 = 11,   /* primal SGD's starting point --w0          */
  MN_STREAM_VALIDATE = 12  /* the held-out validation rows --validate   */
};

void mn_rng_seed(mn_rng *r, uint64_t seed, uint64_t stream);
uint64_t mn_rng_u64(mn_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double mn_rng_uniform(mn_rng *r);
/* Uniform integer in [0, bound), unbiased (Lemire's method); bound >= 1. */
uint64_t mn_rng_below(mn_rng *r, uint64_t bound);
/* Standard normal (Marsaglia polar method). */
double mn_rng_normal(mn_rng *r);
/* A uniformly random permutation of 0..n-1 into perm (Fisher-Yates). */
void mn_rng_permutation(mn_rng *r, size_t n, size_t *perm);
/* A uniformly random s-subset of 0..n-1 into idx[0 .. s), ascending (the
 * first s entries of a random permutation, sorted), by Knuth's selection
 * sampling; no workspace.  s <= n.  Cannot fail. */
void mn_rng_subset(mn_rng *r, size_t n, size_t s, size_t *idx);

#endif
