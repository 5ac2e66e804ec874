#!/usr/bin/env python3
"""expect_exit.py CODE CMD...: runs CMD, fails unless it exits with CODE and,
for CODE 2, writes exactly one line on stderr. Echoes stderr for FileCheck."""
import subprocess
import sys

code = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE,
                      stderr=subprocess.PIPE, text=True)
sys.stdout.write(proc.stdout)
sys.stdout.write(proc.stderr)
if proc.returncode != code:
    sys.stdout.write(f"expect_exit: exit code {proc.returncode}, expected {code}\n")
    sys.exit(1)
if code == 2 and len(proc.stderr.splitlines()) != 1:
    sys.stdout.write("expect_exit: stderr is not exactly one line\n")
    sys.exit(1)
