#!/usr/bin/env python3
"""Generates libcuda/api.def: one row per symbol the CUDA driver exports.

Dev-time tool; its output is committed, so builds and CI never run it.

    tools/gen_cuda_api.py [--cuda /usr/local/cuda] [--out libcuda/api.def]

Sources of truth (CUDA 13.0 toolkit):
  * the exported names: `nm -D --defined-only lib64/stubs/libcuda.so` (637);
  * the signature and introduction version of every variant: the
    `PFN_<base>_v<version>[_ptds|_ptsz]` typedefs in include/cudaTypedefs.h
    (including its __CUDA_API_VERSION_INTERNAL block) and
    include/cudaProfilerTypedefs.h.

Mapping exported name -> PFN typedef. An exported name is
`<base>[_v<N>][_ptds|_ptsz]`. For one base, its plain exports ordered by N
(base = 1, _v2, _v3, ...) correspond one to one with its plain PFN typedefs
ordered by version, and likewise its per-thread exports with its per-thread
typedefs. Examples (cuda-abi.md 1.2): cuCtxCreate/_v2/_v3/_v4 ->
2000/3020/11040/12050; cuMemcpyHtoD_v2_ptds -> PFN_cuMemcpyHtoD_v7000_ptds;
cuStreamGetCaptureInfo_v2_ptsz -> PFN_cuStreamGetCaptureInfo_v11030_ptsz.
The generator fails when the counts or the per-thread flavours disagree;
such names then need a row in OVERRIDES below.

Regenerating keeps the hand-edited columns (area, status) of rows already in
the output file, so flipping TODO -> IMPL survives a toolkit update.
"""

import argparse
import collections
import os
import re
import subprocess
import sys

# Exported names that no PFN typedef describes:
#   name -> (base, since, flavor, "params as in cuda.h").
# Empty for CUDA 13.0: every export has a typedef in cudaTypedefs.h or
# cudaProfilerTypedefs.h. Add a row (with a comment saying where the
# signature comes from) if a future toolkit exports a name without one.
OVERRIDES = {}

# Area by name prefix, first match wins (conventions.md section 3).
# Everything not listed belongs to `driver`.
AREA_PREFIXES = [
    ("cuDevicePrimaryCtx", "context"),
    ("cuDevResource", "device"),
    ("cuDevSmResource", "device"),
    ("cuDevice", "device"),
    ("cuCtx", "context"),
    ("cuGreenCtx", "context"),
    ("cuModule", "module"),
    ("cuLibrary", "module"),
    ("cuLink", "module"),
    ("cuKernel", "function"),
    ("cuFunc", "function"),
    ("cuLaunch", "function"),
    ("cuOccupancy", "function"),
    ("cuParam", "function"),
    ("cuMem", "memory"),
    ("cuPointer", "memory"),
    ("cuArray", "memory"),
    ("cuMipmappedArray", "memory"),
    ("cuIpc", "memory"),
    ("cuMulticast", "memory"),
    ("cuStream", "stream"),
    ("cuThreadExchangeStreamCaptureMode", "stream"),
    ("cuEvent", "event"),
    ("cuGraphics", "driver"),  # graphics interop, not CUDA graphs
    ("cuGraph", "graph"),
    ("cuUserObject", "graph"),
]

AREAS = {"driver", "device", "context", "module", "function", "memory",
         "stream", "event", "graph"}

# Rows implemented in this repository's first cut; the existing api.def wins
# over this list once it exists.
DEFAULT_IMPL = {"cuGetProcAddress", "cuGetProcAddress_v2", "cuGetErrorName",
                "cuGetErrorString"}

PFN_RE = re.compile(
    r"typedef\s+CUresult\s*\(\s*CUDAAPI\s*\*\s*PFN_(\w+)\s*\)\s*\(([^;]*)\)\s*;")
PFN_NAME_RE = re.compile(r"^(\w+?)_v(\d+)(?:_(ptds|ptsz))?$")
EXPORT_RE = re.compile(r"^(cu\w+?)(?:_v(\d+))?(?:_(ptds|ptsz))?$")
ROW_RE = re.compile(r"^VGPU_CU\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,")


def Fail(message):
  sys.exit("gen_cuda_api.py: " + message)


def ReadTypedefs(paths):
  """Returns {base: [(version, flavor, params)]} from the typedef headers."""
  typedefs = collections.defaultdict(list)
  for path in paths:
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    for match in PFN_RE.finditer(text):
      name = PFN_NAME_RE.match(match.group(1))
      if not name:
        Fail("cannot parse typedef name PFN_" + match.group(1))
      params = " ".join(match.group(2).split())
      typedefs[name.group(1)].append(
          (int(name.group(2)), name.group(3) or "def", params))
  return typedefs


def ReadExports(stub):
  out = subprocess.run(["nm", "-D", "--defined-only", stub], check=True,
                       capture_output=True, text=True).stdout
  names = sorted({line.split()[-1] for line in out.splitlines()
                  if line.split() and line.split()[-2] in ("T", "W")})
  return names


def SplitParams(params):
  """'(int a, void (*f)(int), char *b)' body -> ['int a', ..]; () for void."""
  if params.strip() in ("", "void"):
    return []
  parts, depth, cur = [], 0, ""
  for ch in params:
    if ch == "," and depth == 0:
      parts.append(cur.strip())
      cur = ""
      continue
    depth += ch == "("
    depth -= ch == ")"
    cur += ch
  parts.append(cur.strip())
  return parts


def ParamName(param):
  names = re.findall(r"[A-Za-z_]\w*", param)
  if "(" in param or "[" in param or len(names) < 2:
    Fail("unsupported parameter form: " + param)
  return names[-1]


def Area(name):
  for prefix, area in AREA_PREFIXES:
    if name.startswith(prefix):
      return area
  return "driver"


def ReadExistingColumns(path):
  """{name: (area, status)} of rows in an existing api.def."""
  columns = {}
  if not os.path.exists(path):
    return columns
  for line in open(path):
    match = ROW_RE.match(line)
    if match:
      columns[match.group(3)] = (match.group(1), match.group(2))
  return columns


def BuildRows(exports, typedefs):
  by_base = collections.defaultdict(list)
  rows = {}
  for name in exports:
    if name in OVERRIDES:
      base, since, flavor, params = OVERRIDES[name]
      rows[name] = (base, since, flavor, params)
      continue
    match = EXPORT_RE.match(name)
    if not match:
      Fail("cannot parse exported name " + name)
    base, n, flavor = match.group(1), int(match.group(2) or 1), match.group(3)
    by_base[base].append((n, flavor or "def", name))
  for base, variants in by_base.items():
    available = typedefs.get(base, [])
    for per_thread in (False, True):
      mine = sorted(v for v in variants if (v[1] != "def") == per_thread)
      theirs = sorted(t for t in available if (t[1] != "def") == per_thread)
      if not mine:
        continue
      if len(mine) != len(theirs):
        Fail("%s: exports %s but typedef versions %s; add OVERRIDES" %
             (base, [m[2] for m in mine], [(t[0], t[1]) for t in theirs]))
      for (_, flavor, name), (version, pfn_flavor, params) in zip(mine, theirs):
        if flavor != pfn_flavor:
          Fail("%s: flavour %s but typedef PFN_%s_v%d_%s" %
               (name, flavor, base, version, pfn_flavor))
        rows[name] = (base, version, flavor, params)
  return rows


def Emit(rows, existing, out_path):
  lines = [
      "// libcuda/api.def: one row per symbol libcuda.so.1 exports.",
      "// GENERATED by tools/gen_cuda_api.py from the CUDA 13.0 stub libcuda.so",
      "// and cudaTypedefs.h. Hand edits allowed only in the area and status",
      "// columns (regeneration keeps them): flip TODO -> IMPL and write",
      "// vgpu::Status vgpu::cu::<area>::<name>(params) in libcuda/<area>.cpp.",
      "//",
      "// VGPU_CU(area, status, name, base, since, flavor, (params), (args))",
      "//   base    the name cuGetProcAddress is asked for",
      "//   since   N of the PFN_<base>_v<N>[_ptds|_ptsz] typedef = the CUDA",
      "//           version that introduced this variant",
      "//   flavor  def, or ptds / ptsz for the per-thread default stream variants",
      "",
  ]
  counts = collections.Counter()
  for name in sorted(rows):
    base, since, flavor, params = rows[name]
    parts = SplitParams(params)
    args = ", ".join(ParamName(p) for p in parts)
    area, status = existing.get(
        name, (Area(base), "IMPL" if name in DEFAULT_IMPL else "TODO"))
    if area not in AREAS or status not in ("IMPL", "TODO"):
      Fail("%s: bad area/status %s/%s in existing api.def" % (name, area, status))
    counts[status] += 1
    lines.append("VGPU_CU(%s, %s, %s, %s, %d, %s, (%s), (%s))" %
                 (area, status, name, base, since, flavor, ", ".join(parts),
                  args))
  with open(out_path, "w") as out:
    out.write("\n".join(lines) + "\n")
  return counts


def main():
  parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
  parser.add_argument("--cuda", default="/usr/local/cuda")
  root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  parser.add_argument("--out", default=os.path.join(root, "libcuda", "api.def"))
  args = parser.parse_args()
  include = os.path.join(args.cuda, "include")
  typedefs = ReadTypedefs([os.path.join(include, "cudaTypedefs.h"),
                           os.path.join(include, "cudaProfilerTypedefs.h")])
  exports = ReadExports(os.path.join(args.cuda, "lib64", "stubs", "libcuda.so"))
  rows = BuildRows(exports, typedefs)
  missing = set(exports) - set(rows)
  if missing:
    Fail("no row for " + ", ".join(sorted(missing)))
  counts = Emit(rows, ReadExistingColumns(args.out), args.out)
  print("%s: %d rows (%d IMPL, %d TODO)" %
        (args.out, len(rows), counts["IMPL"], counts["TODO"]))


if __name__ == "__main__":
  main()
