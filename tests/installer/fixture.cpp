#include "fixture.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/sha256.h"

extern char** environ;

namespace vgpu::install_test {
namespace fs = std::filesystem;

namespace {

std::string Sha256OfPath(const std::string& path) {
  // The large NVIDIA files are hard links shared by every fixture: hash each inode once.
  static std::map<std::tuple<dev_t, ino_t, long long, long long>, std::string> cache;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "";
  auto key = std::make_tuple(st.st_dev, st.st_ino, static_cast<long long>(st.st_size),
                             static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::string bytes = ReadText(path);
  std::string hex = vgpu::Sha256Hex(bytes);
  cache[key] = hex;
  return hex;
}

void Copy(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

void Symlink(const std::string& target, const std::string& path) { fs::create_symlink(target, path); }

}  // namespace

const char* EraName(Era era) {
  switch (era) {
    case Era::kA: return "A";
    case Era::kB: return "B";
    case Era::kC: return "C";
  }
  return "?";
}

RunResult RunProcess(const std::vector<std::string>& argv,
                     const std::vector<std::pair<std::string, std::string>>& env) {
  char out_path[] = "/tmp/vgpu-run-out-XXXXXX";
  char err_path[] = "/tmp/vgpu-run-err-XXXXXX";
  int out_fd = ::mkstemp(out_path);
  int err_fd = ::mkstemp(err_path);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("LD_PRELOAD=", 0) == 0) continue;
    bool replaced = false;
    for (const auto& [k, v] : env) replaced |= kv.rfind(k + "=", 0) == 0;
    if (!replaced) env_strings.push_back(kv);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(args[0], args.data(), envp.data());
    std::fprintf(stderr, "exec %s failed: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out_fd);
  ::close(err_fd);
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadText(out_path);
  r.err = ReadText(err_path);
  ::unlink(out_path);
  ::unlink(err_path);
  return r;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string LinkText(const std::string& path) {
  std::error_code ec;
  auto target = fs::read_symlink(path, ec);
  return ec ? std::string() : target.string();
}

TreeSnapshot Snapshot(const std::string& root) {
  TreeSnapshot snap;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    const std::string path = it->path().string();
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    NodeSnapshot n;
    n.mode = st.st_mode & 07777;
    n.uid = st.st_uid;
    n.gid = st.st_gid;
    if (S_ISREG(st.st_mode)) {
      n.kind = "file";
      n.size = st.st_size;
      n.sha256 = Sha256OfPath(path);
    } else if (S_ISLNK(st.st_mode)) {
      n.kind = "link";
      n.link_target = LinkText(path);
      n.mode = 0;  // link permission bits mean nothing on Linux
    } else if (S_ISDIR(st.st_mode)) {
      n.kind = "dir";
    } else {
      n.kind = "other";
    }
    snap[path.substr(root.size())] = n;
  }
  return snap;
}

std::string DiffTrees(const TreeSnapshot& a, const TreeSnapshot& b) {
  std::string diff;
  auto describe = [](const NodeSnapshot& n) {
    return n.kind + " mode " + std::to_string(n.mode) + " " + std::to_string(n.uid) + ":" + std::to_string(n.gid) +
           " size " + std::to_string(n.size) + (n.link_target.empty() ? "" : " -> " + n.link_target) +
           (n.sha256.empty() ? "" : " sha " + n.sha256.substr(0, 12));
  };
  for (const auto& [path, node] : a) {
    auto it = b.find(path);
    if (it == b.end()) {
      diff += "only before: " + path + "\n";
    } else if (!(it->second == node)) {
      diff += "changed: " + path + ": " + describe(node) + " vs " + describe(it->second) + "\n";
    }
  }
  for (const auto& [path, node] : b) {
    if (!a.count(path)) diff += "only after: " + path + " (" + describe(node) + ")\n";
  }
  return diff;
}

OllamaFixture::OllamaFixture(Era era) : era_(era) {
  char tmpl[] = "/tmp/vgpu-install-test-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  ollama_dir_ = root_ + "/usr/local/lib/ollama";
  state_dir_ = root_ + "/var/lib/vgpu";
  client_conf_ = root_ + "/etc/vgpu/client.conf";
  systemd_dir_ = root_ + "/etc/systemd/system";
  lib_dir_ = VGPU_FAKE_VGPU_DIR;
  majors_ = {12, 13};
  const char* version = era == Era::kA ? "0.12.3" : era == Era::kB ? "0.13.5" : "0.32.15";
  WriteText(root_ + "/usr/local/bin/ollama", std::string("#!/bin/sh\necho \"ollama version is ") + version + "\"\n");
  ::chmod((root_ + "/usr/local/bin/ollama").c_str(), 0755);
  BuildLibOllama();
}

OllamaFixture::~OllamaFixture() {
  if (std::getenv("VGPU_KEEP_FIXTURES") == nullptr) RemoveTree(root_);
}

void OllamaFixture::PlaceChain(const std::string& folder, const std::string& base, int major,
                               const std::string& version, const std::string& source, bool hard_link_ok) {
  const std::string head = base + ".so." + std::to_string(major);
  const std::string file = base + ".so." + version;
  const std::string dest = folder + "/" + file;
  std::error_code ec;
  // Large NVIDIA files are hard-linked (vgpu-install never writes in place);
  // the small ones are copied so a test may change them freely.
  if (!(hard_link_ok && (fs::create_hard_link(source, dest, ec), !ec))) Copy(source, dest);
  ::chmod(dest.c_str(), 0644);
  Symlink(file, folder + "/" + head);
}

void OllamaFixture::BuildLibOllama(int patch) {
  const std::string d = ollama_dir_;
  fs::create_directories(d);
  const std::string fake = VGPU_FAKE_NVIDIA_DIR;
  WriteText(d + "/libggml-cpu-haswell.so", "cpu variant\n");
  if (era_ == Era::kC) {
    WriteText(d + "/libggml-base.so.0.9." + std::to_string(patch), "ggml base\n");
    Symlink("libggml-base.so.0.9." + std::to_string(patch), d + "/libggml-base.so.0");
    Symlink("libggml-base.so.0", d + "/libggml-base.so");
    WriteText(d + "/llama-server", "#!/bin/sh\n");
    ::chmod((d + "/llama-server").c_str(), 0755);
    WriteText(d + "/libllama.so", "llama\n");
  } else {
    WriteText(d + "/libggml-base.so", "ggml base\n");
  }
  if (era_ != Era::kA) WriteText(d + "/vulkan/libggml-vulkan.so", "vulkan\n");

  const std::string cuda13 = VGPU_CUDA_LIB64;
  for (int major : majors_) {
    const std::string folder = d + "/cuda_v" + std::to_string(major);
    fs::create_directories(folder);
    WriteText(folder + "/libggml-cuda.so", "ggml-cuda " + std::to_string(major) + "\n");
    const std::string minor = major == 12 ? "8" : "0";
    const std::string rt_version = std::to_string(major) + "." + minor + "." + std::to_string(patch);
    const std::string blas_version = std::to_string(major) + "." + minor + ".4." + std::to_string(patch);
    const bool real = major == 13 && fs::exists(cuda13 + "/libcudart.so.13") && fs::exists(cuda13 + "/libcublas.so.13") &&
                      fs::exists(cuda13 + "/libcublasLt.so.13");
    if (major == 13) real_cuda13_ = real;
    if (real) {
      PlaceChain(folder, "libcudart", major, rt_version, cuda13 + "/libcudart.so.13", false);
      PlaceChain(folder, "libcublas", major, blas_version, cuda13 + "/libcublas.so.13", true);
      PlaceChain(folder, "libcublasLt", major, blas_version, cuda13 + "/libcublasLt.so.13", true);
    } else {
      PlaceChain(folder, "libcudart", major, rt_version, fake + "/libfake-cudart.so", false);
      PlaceChain(folder, "libcublas", major, blas_version, fake + "/libfake-cublas.so", false);
      PlaceChain(folder, "libcublasLt", major, blas_version, fake + "/libfake-cublasLt.so", false);
    }
    // An upgrade brings different bytes, as a new toolkit patch would.
    if (patch != 90) {
      std::ofstream(folder + "/libcudart.so." + rt_version, std::ios::app | std::ios::binary) << "upgrade " << patch;
    }
  }
  if (era_ == Era::kC) {
    // mlx_cuda_v13 deduplicates against cuda_v13 with relative links.
    fs::create_directories(d + "/mlx_cuda_v13");
    Symlink("../cuda_v13/libcudart.so.13", d + "/mlx_cuda_v13/libcudart.so.13");
  }
}

std::string OllamaFixture::ManifestPath() const {
  glob_t g;
  std::string found;
  std::string pattern = state_dir_ + "/backup/*/manifest.json";
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    if (g.gl_pathc >= 1) found = g.gl_pathv[0];
    ::globfree(&g);
  }
  return found;
}

RunResult OllamaFixture::Vgpu(const std::string& command, const std::vector<std::string>& extra_args,
                              const std::vector<std::pair<std::string, std::string>>& env) const {
  std::vector<std::string> argv = {VGPU_INSTALL_BIN, command};
  bool has_lib_dir = false, has_ollama_dir = false;
  for (const auto& a : extra_args) {
    has_lib_dir |= a == "--lib-dir";
    has_ollama_dir |= a == "--ollama-dir";
  }
  if (!has_ollama_dir) {
    argv.push_back("--ollama-dir");
    argv.push_back(ollama_dir_);
  }
  if (!has_lib_dir && command != "rollback") {
    argv.push_back("--lib-dir");
    argv.push_back(lib_dir_);
  }
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  std::vector<std::pair<std::string, std::string>> full_env = {
      {"VGPU_INSTALL_STATE_DIR", state_dir_},
      {"VGPU_INSTALL_CLIENT_CONF", client_conf_},
      {"VGPU_INSTALL_SYSTEMD_DIR", systemd_dir_},
      {"VGPU_INSTALL_OLLAMA_CANDIDATES", root_ + "/nowhere"},
  };
  // Everything lives in this fixture's folders, so a non-root run may change it.
  if (::geteuid() != 0) full_env.push_back({"VGPU_INSTALL_ALLOW_NONROOT", "1"});
  full_env.insert(full_env.end(), env.begin(), env.end());
  return RunProcess(argv, full_env);
}

}  // namespace vgpu::install_test
