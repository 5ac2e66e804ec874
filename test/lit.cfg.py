# -*- Python -*-
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QSPARSE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qsparse_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%qsparse_src", config.qsparse_src_root))
config.substitutions.append(("%python", config.python_executable))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# `not`, `count` and friends at the start of a RUN line come from PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.qsparse_tools_dir, config.llvm_tools_dir]
tools = ["qsparse-opt", "qsparse-run", "qsparse-gpu-bench"]
# The ONNX importer is built where libonnx-dev is installed; its tests also
# need python3-onnx to write their models.
translate = os.path.join(config.qsparse_tools_dir, "qsparse-translate")
if os.path.exists(translate):
    tools.append("qsparse-translate")
    try:
        subprocess.run([config.python_executable, "-c", "import onnx"],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        config.available_features.add("onnx")
    except (OSError, subprocess.CalledProcessError):
        pass
llvm_config.add_tool_substitutions(tools, tool_dirs)
config.substitutions.append(
    ("%expect_exit", config.python_executable + " " +
     os.path.join(config.qsparse_src_root, "test", "tools", "Inputs",
                  "expect_exit.py")))

# The OpenMP runtime runs --cpu-threads > 1.
libomp = getattr(config, "qsparse_libomp", "")
if libomp and not libomp.endswith("NOTFOUND"):
    config.available_features.add("openmp")

# Execution tests that force the VNNI kernel run it only where the host has
# AVX-512 VNNI (elsewhere the host's own kernel runs, and is checked too).
cpu_flags = set()
try:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("flags"):
                cpu_flags = set(line.split(":", 1)[1].split())
                break
except OSError:
    pass
if {"avx512f", "avx512bw", "avx512_vnni", "avx512vbmi"} <= cpu_flags:
    config.available_features.add("avx512vbmi")
if {"avx512f", "avx512bw", "avx512_vnni"} <= cpu_flags:
    config.available_features.add("avx512vnni")
    config.substitutions.append(("%vnni_on", "--cpu-vnni=on"))
else:
    config.substitutions.append(("%vnni_on", "--cpu-vnni=auto"))

# numpy is the independent oracle of the execution tests.
try:
    subprocess.run([config.python_executable, "-c", "import numpy"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    config.available_features.add("numpy")
except (OSError, subprocess.CalledProcessError):
    pass

# CUDA's ptxas assembles the PTX of the GPU pipeline (no GPU needed).
ptxas = os.environ.get("QSPARSE_PTXAS", "/usr/local/cuda/bin/ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
config.substitutions.append(
    ("%extract_ptx", config.python_executable + " " +
     os.path.join(config.qsparse_src_root, "scripts", "extract-ptx.py")))
# The CUDA driver stand-in of test/lib/FakeCudaDriver.cpp.
config.substitutions.append(("%fake_cuda", config.qsparse_fake_cuda))
# A machine with an NVIDIA GPU (the --target=cuda tests that expect none
# are unsupported there).
if os.path.exists("/dev/nvidia0"):
    config.available_features.add("cuda-device")
