#!/usr/bin/python3
"""export.py OUTDIR — users' own data for minnorm, from what Debian ships:

  digits   scikit-learn's handwritten digits (1797 images of 8 x 8 pixels,
           values 0..16; python3-sklearn), split by a fixed permutation
           (seed 0) into 1297 training and 500 test images, written as
             digits-xtr.npy (uint8, 1297 x 8 x 8)  digits-ytr.npy (int64)
             digits-xte.npy (uint8, Fortran order)  digits-yte.npy (int64)
             digits-tr.svm, digits-te.svm  (the same values, svmlight text by
                                           sklearn's dump_svmlight_file, 1-based)
  heart    LIBSVM's example heart_scale (270 rows, 13 features, labels +1/-1;
           liblinear-tools ships it), split into its first 200 lines (training)
           and last 70 (test): heart-tr.svm, heart-te.svm
"""
import os
import sys

import numpy as np
from sklearn.datasets import dump_svmlight_file, load_digits

HEART = "/usr/share/doc/liblinear-tools/examples/heart_scale"


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    dg = load_digits()
    perm = np.random.default_rng(0).permutation(len(dg.target))
    tr, te = perm[:1297], perm[1297:]
    img = dg.images.astype(np.uint8)
    assert np.array_equal(img, dg.images), "digits are integers 0..16"
    y = dg.target.astype(np.int64)
    np.save(os.path.join(out, "digits-xtr.npy"), img[tr])
    np.save(os.path.join(out, "digits-ytr.npy"), y[tr])
    np.save(os.path.join(out, "digits-xte.npy"), np.asfortranarray(img[te]))
    np.save(os.path.join(out, "digits-yte.npy"), y[te])
    flat = img.reshape(len(y), -1).astype(np.float64)
    dump_svmlight_file(flat[tr], y[tr], os.path.join(out, "digits-tr.svm"), zero_based=False)
    dump_svmlight_file(flat[te], y[te], os.path.join(out, "digits-te.svm"), zero_based=False)
    lines = open(HEART).read().splitlines()
    assert len(lines) == 270, HEART
    open(os.path.join(out, "heart-tr.svm"), "w").write("\n".join(lines[:200]) + "\n")
    open(os.path.join(out, "heart-te.svm"), "w").write("\n".join(lines[200:]) + "\n")
    print("export: digits %d + %d images, heart_scale 200 + 70 rows -> %s" %
          (len(tr), len(te), out))


if __name__ == "__main__":
    main()
