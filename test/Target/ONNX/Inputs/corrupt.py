#!/usr/bin/python3
"""corrupt.py TOOL MODEL WORK: imports truncations and seeded random byte
corruptions of MODEL; fails on any exit code other than 0 or 2, or an exit
2 without exactly one stderr line."""
import random
import subprocess
import sys

tool, model, work = sys.argv[1:4]
data = open(model, "rb").read()
rng = random.Random(5)
cases = []
step = max(1, len(data) // 100)
for n in range(0, len(data), step):
    cases.append(("truncated", data[:n]))
truncated = len(cases)
for _ in range(200):
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    cases.append(("corrupted", bytes(b)))
for i, (kind, blob) in enumerate(cases):
    path = f"{work}.{i}.onnx"
    with open(path, "wb") as f:
        f.write(blob)
    p = subprocess.run([tool, "--import-onnx", path, "-o", "/dev/null"],
                       capture_output=True, text=True, errors="replace")
    if p.returncode not in (0, 2) or (
            p.returncode == 2 and len(p.stderr.splitlines()) != 1):
        print(f"corrupt: {kind} case {i} ({len(blob)} bytes): exit "
              f"{p.returncode}\n{p.stderr}")
        sys.exit(1)
print(f"corrupt: {truncated} truncated and 200 corrupted models, no crash")
