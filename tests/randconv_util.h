/* minnorm tests — small image sets and randconv maps shared by the randconv
 * suites (test_randconv.c, test_randconv_packed.c).  Include after
 * testutil.h and minnorm/randconv.h. */
#ifndef MINNORM_TESTS_RANDCONV_UTIL_H
#define MINNORM_TESTS_RANDCONV_UTIL_H

static mn_dataset *images(size_t n, size_t h, size_t w, size_t ch, uint64_t seed)
{
  mn_dataset *ds = tu_pixel_dataset(n, h * w * ch, seed);
  TU_CHECK(ds != NULL, "dataset");
  if (!ds) return NULL;
  ds->h = h;
  ds->w = w;
  ds->channels = ch;
  return ds;
}

/* The precision make() builds maps in (tests switch it; double: the
 * references below hold to 1e-12 there). */
static mn_randconv_precision rc_precision = MN_RANDCONV_DOUBLE;

static mn_randconv *make(const mn_dataset *ds, size_t F, size_t k, size_t pool,
                         mn_randconv_source src, size_t block, uint64_t seed)
{
  mn_randconv_opts o = mn_randconv_opts_default();
  o.filters = F;
  o.patch = k;
  o.pool = pool;
  o.source = src;
  o.block = block;
  o.precision = rc_precision;
  o.seed = seed;
  o.whiten_samples = 2000;
  mn_randconv *rc = NULL;
  mn_status s = mn_randconv_create(&o, ds, &rc);
  TU_CHECK(s == MN_OK && rc, "create F=%zu k=%zu: %s", F, k, mn_error_message());
  return rc;
}

#endif
