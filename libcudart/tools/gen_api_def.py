#!/usr/bin/env python3
"""Regenerates libcudart/api.def and libcudart/errors.def from the CUDA 13 headers.

Dev-time only (the build never runs Python). Usage:
  libcudart/tools/gen_api_def.py [--cuda /usr/local/cuda]

api.def rows:
  VGPU_RT(area, status, abi, ret, cname, name, (params), (args))
    abi:    ALL (both libraries), R12 (libcudart.so.12 only), R13 (.13 only)
    status: IMPL (thunk calls vgpu::rt::<area>::<cname>), TODO (returns
            cudaErrorNotSupported and logs once), HAND (the export is written by
            hand in libcudart/<area>.cpp)
    cname:  the C++ identifier of the definition; differs from the exported
            name only where the 12.x ABI reuses a 13.0 name with another meaning.
Existing statuses are kept when the script is re-run; new rows start as TODO.

The 12.x ABI is derived from the 13.0 headers: 13.0 functions whose signature
changed keep their old signature under the plain name and the 13.0 one under
_v2 (_v3 for cudaStreamGetCaptureInfo), with the old signatures taken from
generated_cudart_removed_meta.h (see shared/reference/cuda-abi.md section 2).
"""
import argparse
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# nvcc's hidden ABI (crt/host_runtime.h), written by hand in registration.cpp/launch.cpp.
HIDDEN = [
    ("ALL", "registration", "void**", "__cudaRegisterFatBinary", "void* fatCubin"),
    ("ALL", "registration", "void", "__cudaRegisterFatBinaryEnd", "void** fatCubinHandle"),
    ("ALL", "registration", "void", "__cudaUnregisterFatBinary", "void** fatCubinHandle"),
    ("ALL", "registration", "void", "__cudaRegisterFunction",
     "void** fatCubinHandle, const char* hostFun, char* deviceFun, const char* deviceName, int thread_limit, uint3* tid, uint3* bid, dim3* bDim, dim3* gDim, int* wSize"),
    ("ALL", "registration", "void", "__cudaRegisterVar",
     "void** fatCubinHandle, char* hostVar, char* deviceAddress, const char* deviceName, int ext, size_t size, int constant, int global"),
    ("ALL", "registration", "void", "__cudaRegisterManagedVar",
     "void** fatCubinHandle, void** hostVarPtrAddress, char* deviceAddress, const char* deviceName, int ext, size_t size, int constant, int global"),
    ("ALL", "registration", "void", "__cudaRegisterHostVar",
     "void** fatCubinHandle, const char* deviceName, char* hostVar, size_t size"),
    ("ALL", "registration", "char", "__cudaInitModule", "void** fatCubinHandle"),
    ("ALL", "launch", "unsigned", "__cudaPushCallConfiguration",
     "dim3 gridDim, dim3 blockDim, size_t sharedMem, struct CUstream_st* stream"),
    ("ALL", "launch", "cudaError_t", "__cudaPopCallConfiguration",
     "dim3* gridDim, dim3* blockDim, size_t* sharedMem, void* stream"),
    ("R13", "launch", "cudaError_t", "__cudaGetKernel", "cudaKernel_t* kernel, const void* hostFun"),
    ("R13", "launch", "cudaError_t", "__cudaLaunchKernel",
     "cudaKernel_t kernel, dim3 gridDim, dim3 blockDim, void** args, size_t sharedMem, cudaStream_t stream"),
    ("R13", "launch", "cudaError_t", "__cudaLaunchKernel_ptsz",
     "cudaKernel_t kernel, dim3 gridDim, dim3 blockDim, void** args, size_t sharedMem, cudaStream_t stream"),
    # Exported by the real libcudart.so.13 with no public prototype.
    ("R13", "registration", "cudaError_t", "__cudaRegisterUnifiedTable", "void"),
    ("R13", "registration", "cudaError_t", "__cudaGetProcAddress", "void"),
]

HAND = {"cudaGetLastError", "cudaPeekAtLastError", "cudaGetErrorName", "cudaGetErrorString"}

# 12.x-only functions that 13.0 removed without a meta entry.
EXTRA12 = [
    ("cudaThreadSynchronize", "cudaError_t", "void"),
    ("cudaThreadExit", "cudaError_t", "void"),
]
# Removed-meta entries that 12.x no longer exported (removed before 12.0).
GONE_BEFORE_12 = re.compile(
    r"^(cudaConfigureCall|cudaSetupArgument|cudaLaunch(_ptsz)?|cudaStreamSetFlags(_ptsz)?|"
    r"cudaProfilerInitialize|cudaCreateTextureObject_v2|cudaGetTextureObjectTextureDesc_v2|"
    r"cudaBind\w+|cudaUnbindTexture|cudaGetTextureAlignmentOffset|cudaGetTextureReference|"
    r"cudaGetSurfaceReference|cudaGraphInstantiate|cudaStreamDestroy|"
    r"cudaOccupancyMaxActiveBlocksPerMultiprocessor)$")


def preprocess(cuda, defines):
  with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
    f.write("#include <cuda_runtime_api.h>\n#include <cuda_profiler_api.h>\n")
    path = f.name
  try:
    args = ["gcc", "-E", "-P", "-I", os.path.join(cuda, "include")] + defines + [path]
    return subprocess.check_output(args, text=True)
  finally:
    os.unlink(path)


def parse_decls(text):
  out = {}
  for m in re.finditer(r"extern\s+([^;{}]*?)\b(cuda\w+)\s*\(([^;]*?)\)\s*;", text, re.S):
    ret = m.group(1).replace("__attribute__((deprecated))", "").strip()
    out[m.group(2)] = (" ".join(ret.split()), " ".join(m.group(3).split()))
  return out


def arg_names(params):
  if params.strip() in ("", "void"):
    return []
  parts, depth, cur = [], 0, ""
  for ch in params:
    if ch == "," and depth == 0:
      parts.append(cur)
      cur = ""
      continue
    depth += ch in "(["
    depth -= ch in ")]"
    cur += ch
  parts.append(cur)
  names = []
  for p in parts:
    fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", p)
    if fp:
      names.append(fp.group(1))
      continue
    p = re.sub(r"\[[^\]]*\]", "", p)
    names.append(re.findall(r"\w+", p)[-1])
  return names


def meta_versions(path):
  text = open(path).read()
  versions = {}
  for m in re.finditer(r"typedef struct (\w+)_v(\d+)_params_st\s*\{(.*?)\}", text, re.S):
    versions[m.group(1)] = (int(m.group(2)), m.group(3))
  return versions


def meta_params(body):
  fields = [" ".join(l.replace("__dv", "").split()) for l in body.strip().split(";") if l.strip()]
  return ", ".join(fields) if fields else "void"


def area_of(name):
  n = name.lstrip("_")
  rules = [
      (r"^cuda(GetLastError|PeekAtLastError|GetErrorName|GetErrorString)$", "errors"),
      (r"^cuda(DriverGetVersion|RuntimeGetVersion|GetDriverEntryPoint|GetExportTable|Profiler|Logs)", "driver"),
      (r"^cuda(Stream|ThreadExchangeStreamCaptureMode|CtxResetPersistingL2Cache)", "stream"),
      (r"^cudaEvent", "event"),
      (r"^cuda(Launch|Func|Occupancy|GetFuncBySymbol|GetKernel|KernelSetAttribute|"
       r"ConfigureCall|SetupArgument|PushCallConfiguration|PopCallConfiguration)", "launch"),
      (r"^cuda(Graph|UserObject|DeviceGraphMemTrim|DeviceGetGraphMemAttribute|DeviceSetGraphMemAttribute)", "graph"),
      (r"^cudaLibrary", "module"),
      (r"^cuda(Malloc|Free|Mem|Host|Pointer|Array|MipmappedArray|GetMipmappedArrayLevel|GetSymbol|"
       r"DeviceGetDefaultMemPool|DeviceSetMemPool|DeviceGetMemPool)", "memory"),
      (r"^cuda(Device|GetDevice|SetDevice|ChooseDevice|SetValidDevices|InitDevice|Ipc|Thread|SetDouble)", "device"),
  ]
  for pattern, area in rules:
    if re.search(pattern, n):
      return area
  return "other"


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--cuda", default="/usr/local/cuda")
  opts = ap.parse_args()
  inc = os.path.join(opts.cuda, "include")

  decls = parse_decls(preprocess(opts.cuda, []))
  decls.update(parse_decls(preprocess(opts.cuda, ["-DCUDA_API_PER_THREAD_DEFAULT_STREAM"])))
  cur_meta = meta_versions(os.path.join(inc, "generated_cuda_runtime_api_meta.h"))
  old_meta = meta_versions(os.path.join(inc, "generated_cudart_removed_meta.h"))

  rows = []  # (name, abi, ret, cname, params)
  old_sig = {}  # 13.0 name -> 12.x signature of the same name
  for meta_name, (ver, body) in old_meta.items():
    if GONE_BEFORE_12.match(meta_name):
      continue
    m = re.match(r"^(\w+?)(_v2)?(_ptsz)?$", meta_name)
    base, v2, ptsz = m.group(1), m.group(2) or "", m.group(3) or ""
    old_sig[(base, v2, ptsz)] = meta_params(body)

  renamed = set()
  for (base, v2, ptsz), params in sorted(old_sig.items()):
    name = base + v2 + ptsz
    cname = name + "_abi12" if name in decls else name
    rows.append((name, "R12", "cudaError_t", cname, params))
    renamed.add(base + ptsz)

  for name, (ret, params) in sorted(decls.items()):
    ptsz = "_ptsz" if name.endswith("_ptsz") else ("_ptds" if name.endswith("_ptds") else "")
    base = name[: len(name) - len(ptsz)] if ptsz else name
    ver = cur_meta.get(name, cur_meta.get(base, (0, "")))[0]
    if name in renamed:
      # 12.x: plain name is the old ABI (above); the 13.0 signature is _v2/_v3.
      suffix = "_v3" if base == "cudaStreamGetCaptureInfo" else "_v2"
      if base == "cudaGetDeviceProperties":
        rows.append((name, "R13", ret, name, params))
        rows.append((name + "_v2", "R12", ret, name + "_v2", params))
        continue
      rows.append((name, "R13", ret, name, params))
      if ver < 13000:  # 13.0-only signatures had no 12.x name
        rows.append((base + suffix + ptsz, "R12", ret, base + suffix + ptsz, params))
      continue
    if ver >= 13000:
      rows.append((name, "R13", ret, name, params))
    else:
      rows.append((name, "ALL", ret, name, params))
  for name, ret, params in EXTRA12:
    rows.append((name, "R12", ret, name, params))

  status = {}
  api_path = os.path.join(ROOT, "api.def")
  if os.path.exists(api_path):
    for m in re.finditer(r"^VGPU_RT\((\w+), (\w+), (\w+), [^,]*, (\w+), (\w+),", open(api_path).read(), re.M):
      status[(m.group(5), m.group(3))] = m.group(2)

  lines = [
      "// GENERATED by libcudart/tools/gen_api_def.py from the CUDA 13.0 headers. The",
      "// status column (IMPL/TODO/HAND) is the only hand-edited part; the script keeps it.",
      "//      area, status, abi, ret, cname, name, (params), (args)",
  ]
  for abi, area, ret, name, params in HIDDEN:
    args = ", ".join(arg_names(params))
    lines.append(f"VGPU_RT({area}, HAND, {abi}, {ret}, {name}, {name}, ({params}), ({args}))")
  for name, abi, ret, cname, params in sorted(rows, key=lambda r: (r[0], r[1])):
    st = "HAND" if name in HAND else status.get((name, abi), "TODO")
    args = ", ".join(arg_names(params))
    lines.append(f"VGPU_RT({area_of(name)}, {st}, {abi}, {ret}, {cname}, {name}, ({params}), ({args}))")
  with open(api_path, "w") as f:
    f.write("\n".join(lines) + "\n")

  # errors.def: VGPU_RT_ERROR(name, value) from enum cudaError.
  text = open(os.path.join(inc, "driver_types.h")).read()
  enum = re.search(r"enum __device_builtin__ cudaError\s*\{(.*?)\};", text, re.S).group(1)
  enum = re.sub(r"/\*.*?\*/", "", enum, flags=re.S)
  errs = re.findall(r"(cudaError\w*|cudaSuccess)\s*=\s*(\d+)", enum)
  with open(os.path.join(ROOT, "errors.def"), "w") as f:
    f.write("// GENERATED by libcudart/tools/gen_api_def.py from driver_types.h (enum cudaError).\n")
    for name, value in errs:
      f.write(f"VGPU_RT_ERROR({name}, {value})\n")
  print(f"api.def: {len(lines) - 3} rows; errors.def: {len(errs)} codes")


if __name__ == "__main__":
  main()
