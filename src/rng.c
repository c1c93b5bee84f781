/* minnorm — xoshiro256** and splitmix64 (public-domain reference algorithms
 * by Blackman & Vigna), plus the derived distributions. */
#include <math.h>
#include "minnorm/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void mn_rng_seed(mn_rng *r, uint64_t seed, uint64_t stream)
{
  uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ull);
  x = splitmix64(&x) ^ stream;
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t mn_rng_u64(mn_rng *r)
{
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double mn_rng_uniform(mn_rng *r) { return (double)(mn_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t mn_rng_below(mn_rng *r, uint64_t bound)
{
  /* Lemire, "Fast random integer generation in an interval" (2019). */
  unsigned __int128 m = (unsigned __int128)mn_rng_u64(r) * bound;
  uint64_t lo = (uint64_t)m;
  if (lo < bound) {
    uint64_t thresh = -bound % bound;
    while (lo < thresh) {
      m = (unsigned __int128)mn_rng_u64(r) * bound;
      lo = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

double mn_rng_normal(mn_rng *r)
{
  double u, v, s;
  do {
    u = 2.0 * mn_rng_uniform(r) - 1.0;
    v = 2.0 * mn_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return u * sqrt(-2.0 * log(s) / s);
}

void mn_rng_permutation(mn_rng *r, size_t n, size_t *perm)
{
  for (size_t i = 0; i < n; i++) perm[i] = i;
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)mn_rng_below(r, i);
    size_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

/* Knuth's selection sampling (TAOCP 3.4.2, Algorithm S): item i is taken
 * with probability (still needed) / (still left), so exactly s items are
 * taken, each s-subset equally likely, already in ascending order. */
void mn_rng_subset(mn_rng *r, size_t n, size_t s, size_t *idx)
{
  size_t taken = 0;
  for (size_t i = 0; i < n && taken < s; i++)
    if (mn_rng_below(r, n - i) < s - taken) idx[taken++] = i;
}
