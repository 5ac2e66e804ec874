#!/usr/bin/env python3
"""Writes the .npy files the qsparse-run error tests feed in, under PREFIX."""
import sys
import numpy as np

p = sys.argv[1]
np.save(p + ".x.npy", np.arange(8, dtype=np.int8).reshape(2, 4))
np.save(p + ".w.npy", np.ones((4, 3), dtype=np.int8))
np.save(p + ".f32.npy", np.zeros((2, 4), dtype=np.float32))
np.save(p + ".shape.npy", np.zeros((4, 2), dtype=np.int8))
np.save(p + ".fortran.npy", np.asfortranarray(np.zeros((2, 4), dtype=np.int8)))
np.save(p + ".c64.npy", np.zeros((2, 4), dtype=np.complex64))
with open(p + ".x.npy", "rb") as f:
    good = f.read()
with open(p + ".truncated.npy", "wb") as f:
    f.write(good[:-3])
with open(p + ".garbage.npy", "wb") as f:
    f.write(b"this is not a numpy file at all")
with open(p + ".header.npy", "wb") as f:
    f.write(good[:10] + b"{'descr': '<i1', 'fortran_order': False, 'shape': (2, 4" + b" " * 30)
