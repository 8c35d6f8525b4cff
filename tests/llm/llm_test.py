#!/usr/bin/env python3
"""A real LLM generates tokens through vgpu: node-llama-cpp's unmodified
prebuilt CUDA builds on vgpu-server's software GPU, compared token for token
with node-llama-cpp's own CPU backend.

Exit codes: 0 pass, 1 fail, 77 skipped (node-llama-cpp or the tokenizer is
not installed; scripts/llm-deps.sh installs them).
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """vgpu-server --backend emu on a free loopback port, log to a file."""

    def __init__(self, binary, log_path):
        self.log_path = log_path
        for _ in range(5):
            self.port = free_port()
            self.log = open(log_path, "w")
            self.process = subprocess.Popen(
                [binary, "--backend", "emu", "--listen", f"127.0.0.1:{self.port}", "--log-level", "info"],
                stdout=self.log, stderr=subprocess.STDOUT)
            deadline = time.time() + 10
            while time.time() < deadline and self.process.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        raise RuntimeError("vgpu-server did not start; see " + log_path)

    def address(self):
        return f"127.0.0.1:{self.port}"

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def calls_per_session(self):
        with open(self.log_path, errors="replace") as f:
            return [int(n) for n in re.findall(r"closed after (\d+) calls", f.read())]


def run_generate(node_dir, model, gpu, flash_attention, env_extra, timeout, tokens):
    env = dict(os.environ)
    env.update(env_extra)
    # Next to node_modules, where an ES module resolves its imports.
    script = os.path.join(node_dir, "generate.mjs")
    shutil.copy(os.path.join(HERE, "generate.mjs"), script)
    proc = subprocess.run(["node", script, model, gpu, "1" if flash_attention else "0", str(tokens)],
                          env=env, capture_output=True, text=True, timeout=timeout)
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"generate.mjs {gpu} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


# Why not plain equality: the CPU backend quantizes activations to q8_0 and
# sums in another order than ggml-cuda (q8_1 activations, dp4a, tensor-core
# tiles), so logits differ in the last bits. Greedy decoding is exact unless
# two candidates are that close. So: the first step's three most likely tokens
# must have the CPU's log-probabilities within LOGPROB_TOLERANCE (measured:
# about 0.1 on the q8_0 model, where a wrong kernel gives unrelated
# distributions), and the tokens must
# be identical up to the first step where CUDA's choice was, for the CPU, a
# near-tie with its own (log-probability gap below NEAR_TIE); the text after a near-tie is a
# different but equally valid continuation and is not compared.
LOGPROB_TOLERANCE = 0.3
NEAR_TIE = 0.5


def compare(cpu, gpu):
    import math
    gpu_first = dict((int(t), p) for t, p in gpu["top"][0])
    for token, p in cpu["top"][0][:3]:  # each side reports its five most likely
        q = gpu_first.get(int(token), 0.0)
        if q <= 0 or abs(math.log(p / q)) > LOGPROB_TOLERANCE:
            return (f"prompt logits differ: token {token} has probability {q:.4f} on CUDA, {p:.4f} on the CPU "
                    f"(log-probability tolerance {LOGPROB_TOLERANCE})")
    for step, (a, b) in enumerate(zip(cpu["tokens"], gpu["tokens"])):
        if a == b:
            continue
        # How much less likely the CPU found CUDA's choice than its own.
        cpu_probs = dict((int(t), p) for t, p in cpu["top"][step])
        gap = math.log(cpu_probs[int(a)] / cpu_probs[int(b)]) if int(b) in cpu_probs else float("inf")
        if gap < NEAR_TIE:
            print(f"     step {step}: near-tie on the CPU (log-prob gap {gap:.3f}), CUDA took the other; "
                  f"{step} tokens compared; cpu top {fmt(cpu['top'][step])}, cuda top {fmt(gpu['top'][step])}")
            return None
        return (f"token {step} differs (cuda {b}, cpu {a}, CPU's log-prob gap {gap:.3f}):\n"
                f"  cuda {gpu['tokens']}\n  cpu  {cpu['tokens']}")
    if len(gpu["tokens"]) != len(cpu["tokens"]):
        return f"{len(gpu['tokens'])} tokens on CUDA, {len(cpu['tokens'])} on the CPU"
    return None


def fmt(top):
    return ", ".join(f"{int(t)}:{p:.3f}" for t, p in top[:4])


def read_stats(path):
    """The last vgpu-stats line libcuda wrote (VGPU_STATS)."""
    if not os.path.exists(path):
        return {}
    lines = [l for l in open(path) if l.startswith("vgpu-stats")]
    if not lines:
        return {}
    pairs = dict(kv.split("=", 1) for kv in lines[-1].split()[1:])
    return {k: int(v) if v.isdigit() else v for k, v in pairs.items()}


def make_model(args, kind):
    folder = args.model_dir or args.work
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"tiny-llama-{kind}.gguf")
    if not os.path.exists(path):
        # Tests sharing the folder may race here: each writes its own temporary
        # file and the rename is atomic (the bytes are the same).
        tmp = f"{path}.{os.getpid()}.tmp"
        subprocess.run([sys.executable, os.path.join(HERE, "make_tiny_llama.py"), "--vocab", args.vocab,
                        "--type", kind, "-o", tmp], check=True)
        os.replace(tmp, path)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True, help="vgpu-server binary")
    ap.add_argument("--lib-dir", required=True, help="vgpu's client libraries (<build>/lib/vgpu)")
    ap.add_argument("--node-dir", required=True, help="folder whose node_modules holds node-llama-cpp")
    ap.add_argument("--vocab", required=True, help="ggml-vocab-llama-spm.gguf")
    ap.add_argument("--work", required=True, help="scratch folder")
    ap.add_argument("--model-dir", help="where generated models are cached (default: --work)")
    ap.add_argument("--models", default="q8_0,f16")
    ap.add_argument("--abi", default="13", help="13, 12 or 13,12: which prebuilt CUDA build to run")
    ap.add_argument("--flash-attention", default="0,1")
    ap.add_argument("--graphs", default="1,0")
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--timeout", type=int, default=600, help="seconds per generation")
    ap.add_argument("--ollama", action="store_true",
                    help="run through an Ollama-style lib/ollama tree before/after vgpu-install and after rollback")
    ap.add_argument("--installer", help="vgpu-install binary (with --ollama)")
    ap.add_argument("--toolkit-lib", default="/usr/local/cuda/lib64", help="NVIDIA's real libcudart/libcublas")
    args = ap.parse_args()

    if shutil.which("node") is None or not os.path.isdir(os.path.join(args.node_dir, "node_modules", "node-llama-cpp")):
        print(f"SKIP: node-llama-cpp is not installed under {args.node_dir} (scripts/llm-deps.sh)")
        return SKIP
    if not os.path.exists(args.vocab):
        print(f"SKIP: no tokenizer GGUF at {args.vocab} (scripts/llm-deps.sh)")
        return SKIP
    os.makedirs(args.work, exist_ok=True)

    failures = []
    server = Server(args.server, os.path.join(args.work, "server.log"))
    try:
        if args.ollama:
            ollama_layout(args, server, failures)
            return report(failures, server)
        for kind in args.models.split(","):
            model = make_model(args, kind)
            for fa in [x == "1" for x in args.flash_attention.split(",")]:
                cpu = run_generate(args.node_dir, model, "cpu", fa, {}, args.timeout, args.tokens)
                for abi in args.abi.split(","):
                    libs = abi_lib_dir(args, abi)
                    for graphs in [x == "1" for x in args.graphs.split(",")]:
                        name = f"{kind} abi={abi} fa={int(fa)} graphs={int(graphs)}"
                        stats = os.path.join(args.work, "stats.txt")
                        if os.path.exists(stats):
                            os.remove(stats)
                        env = {"LD_LIBRARY_PATH": libs, "VGPU_SERVER": server.address(), "VGPU_STATS": stats}
                        if not graphs:
                            env["GGML_CUDA_DISABLE_GRAPHS"] = "1"
                        before = len(server.calls_per_session())
                        try:
                            gpu = run_generate(args.node_dir, model, "cuda", fa, env, args.timeout, args.tokens)
                        except Exception as e:  # noqa: BLE001 - report and go on with the others
                            failures.append(f"{name}: {e}")
                            print(f"FAIL {name}: {e}")
                            continue
                        time.sleep(0.2)
                        calls = server.calls_per_session()[before:]
                        s = read_stats(stats)
                        decode = max(1, args.tokens - 1)
                        print(f"{name}: gpu={gpu['gpu']} layers={gpu['gpuLayers']} server calls={sum(calls)} "
                              f"prompt {gpu['promptTokens']} tok in {gpu['promptMs']:.0f} ms, "
                              f"decode {1000 / gpu['decodeMsPerToken']:.2f} tok/s "
                              f"(cpu {1000 / cpu['decodeMsPerToken']:.1f} tok/s), "
                              f"blocking round trips {s.get('round_trips', '?')} in all")
                        problems = []
                        if gpu["gpu"] != "cuda":
                            problems.append(f"ran on {gpu['gpu']}, not cuda")
                        # The build for this CUDA version ran on vgpu's runtime of that version
                        # (a failed attempt may leave another runtime mapped, but not vgpu's).
                        mapped = [os.path.realpath(p) for p in gpu.get("mapped", [])]
                        vgpu_lib = os.path.realpath(args.lib_dir)
                        vgpu_runtimes = [p for p in mapped if p.startswith(vgpu_lib) and "libcudart.so" in p]
                        ggml = [p for p in mapped if p.endswith("libggml-cuda.so")]
                        want_fallback = abi == "12"
                        if vgpu_runtimes != [os.path.join(vgpu_lib, f"libcudart.so.{abi}")]:
                            problems.append(f"vgpu runtimes mapped: {vgpu_runtimes}, want only libcudart.so.{abi}")
                        if any("/fallback/" in p for p in ggml) != want_fallback:
                            problems.append(f"ggml builds mapped: {ggml}")
                        if gpu["gpuLayers"] < 3:
                            problems.append(f"only {gpu['gpuLayers']} layers offloaded")
                        if sum(calls) < 100:
                            problems.append(f"the server saw only {sum(calls)} calls")
                        verdict = compare(cpu, gpu)
                        if verdict:
                            problems.append(verdict)
                        if problems:
                            failures.append(f"{name}: " + "; ".join(problems))
                            print(f"FAIL {name}: " + "; ".join(problems))
                        else:
                            print(f"ok   {name}: {gpu['text']!r}")
    finally:
        server.stop()
    return report(failures, server)


def report(failures, server):
    if failures:
        print(f"{len(failures)} failure(s); server log: {server.log_path}")
        return 1
    return 0


def tree_digest(root):
    """Every path under root with its type, link target or content hash."""
    import hashlib
    entries = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(dirs + files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                entries.append((rel, "link", os.readlink(path)))
            elif os.path.isdir(path):
                entries.append((rel, "dir", oct(st.st_mode)))
            else:
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                entries.append((rel, "file", oct(st.st_mode), h.hexdigest()))
    return entries


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def copy_chain(toolkit, name, dst_dir):
    """Copies the symlink chain name -> ... -> real file, keeping every name."""
    path = os.path.join(toolkit, name)
    while os.path.islink(path):
        target = os.readlink(path)
        os.symlink(os.path.basename(target), os.path.join(dst_dir, os.path.basename(path)))
        path = os.path.join(os.path.dirname(path), target)
    link_or_copy(os.path.realpath(path), os.path.join(dst_dir, os.path.basename(path)))


def ollama_layout(args, server, failures):
    """Ollama's layout: lib/ollama/cuda_v13 with ggml and NVIDIA's real
    runtime; the runner's LD_LIBRARY_PATH as Ollama sets it."""
    import glob
    kind = args.models.split(",")[0]
    model = make_model(args, kind)
    root = os.path.join(args.work, "ollama")
    shutil.rmtree(root, ignore_errors=True)
    lib = os.path.join(root, "lib", "ollama")
    cuda = os.path.join(lib, "cuda_v13")
    os.makedirs(cuda)
    ggml = glob.glob(os.path.join(args.node_dir, "node_modules/@node-llama-cpp/linux-x64-cuda/bins/*/libggml-cuda.so"))
    if ggml:
        link_or_copy(ggml[0], os.path.join(cuda, "libggml-cuda.so"))
    for name in ("libcudart.so.13", "libcublas.so.13", "libcublasLt.so.13"):
        if os.path.exists(os.path.join(args.toolkit_lib, name)):
            copy_chain(args.toolkit_lib, name, cuda)
    original = tree_digest(root)
    env = {"LD_LIBRARY_PATH": f"{lib}:{cuda}", "VGPU_SERVER": server.address()}
    state = os.path.join(args.work, "ollama-state")
    shutil.rmtree(state, ignore_errors=True)
    common = ["--ollama-dir", lib, "--state-dir", state]
    cpu = run_generate(args.node_dir, model, "cpu", False, {}, args.timeout, args.tokens)

    def expect(step, want_cuda):
        try:
            got = run_generate(args.node_dir, model, "auto", False, env, args.timeout, args.tokens)
        except Exception as e:  # noqa: BLE001
            failures.append(f"ollama {step}: {e}")
            print(f"FAIL ollama {step}: {e}")
            return
        on_cuda = got["gpu"] == "cuda" and got["gpuLayers"] > 0
        # On the CPU the tokens are the CPU's own; on CUDA, as in the main test.
        same = compare(cpu, got) is None if on_cuda else got["tokens"] == cpu["tokens"]
        ok = on_cuda == want_cuda and same
        print(f"{'ok  ' if ok else 'FAIL'} ollama {step}: gpu={got['gpu']} layers={got['gpuLayers']}")
        if not ok:
            failures.append(f"ollama {step}: gpu={got['gpu']} layers={got['gpuLayers']} tokens {got['tokens']} vs cpu {cpu['tokens']}")

    expect("before install (CPU only)", False)
    subprocess.run([args.installer, "install", "--quiet", "--lib-dir", args.lib_dir,
                    "--client-conf", os.path.join(args.work, "client.conf"),
                    "--server", server.address()] + common, check=True)
    expect("after vgpu-install install (CUDA0)", True)
    subprocess.run([args.installer, "rollback", "--quiet"] + common, check=True)
    expect("after vgpu-install rollback (CPU only)", False)
    if tree_digest(root) != original:
        failures.append("ollama: the tree after rollback differs from the original")
        print("FAIL ollama: the tree after rollback differs from the original")
    else:
        print("ok   ollama: tree after rollback is byte-identical")


def abi_lib_dir(args, abi):
    """A folder with vgpu's libraries of one CUDA major version only, so the
    prebuilt build for that version is the one node-llama-cpp can load."""
    if abi == "13":
        return args.lib_dir
    folder = os.path.join(args.work, f"lib-cuda{abi}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name in os.listdir(args.lib_dir):
        if name.startswith("libcuda.so") or name.startswith("libnvidia-ml") or name.endswith(f".so.{abi}"):
            os.symlink(os.path.join(args.lib_dir, name), os.path.join(folder, name))
    return folder


if __name__ == "__main__":
    sys.exit(main())
