#include "installer/ollama_layout.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <sstream>

namespace vgpu::installer {
namespace {

// "cuda_v12" -> 12; 0 when the name is not cuda_v<digits>.
int CudaMajor(const std::string& name) {
  static const std::regex kPattern("^cuda_v([0-9]{1,3})$");
  std::smatch m;
  if (!std::regex_match(name, m, kPattern)) return 0;
  return std::stoi(m[1].str());
}

std::vector<std::string> SplitColon(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ':')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// Runs argv with a time limit and returns its stdout and stderr; empty on any failure.
std::string RunForOutput(const std::vector<std::string>& argv, int timeout_ms) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "";
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return "";
  }
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    struct pollfd p = {fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return out;
}

}  // namespace

std::vector<std::string> OllamaCandidates() {
  // Tests replace the system-wide list so a real Ollama on the host never interferes.
  if (const char* env = std::getenv("VGPU_INSTALL_OLLAMA_CANDIDATES")) return SplitColon(env);
  std::vector<std::string> candidates = {"/usr/local/lib/ollama", "/usr/lib/ollama", "/opt/ollama/lib/ollama"};
  if (const char* path = std::getenv("PATH")) {
    for (const auto& dir : SplitColon(path)) {
      std::string bin = JoinPath(dir, "ollama");
      if (::access(bin.c_str(), X_OK) != 0) continue;
      auto real = Canonical(bin);
      if (real.ok()) candidates.push_back(JoinPath(Dirname(Dirname(*real)), "lib/ollama"));
      break;
    }
  }
  return candidates;
}

bool LooksLikeOllamaLibDir(const std::string& dir) {
  auto names = ListDir(dir);
  if (!names.ok()) return false;
  for (const auto& name : *names) {
    if (name.rfind("libggml-base.so", 0) == 0 || name == "llama-server" || CudaMajor(name) > 0) return true;
  }
  return false;
}

Result<std::string> FindOllamaDir(const std::string& explicit_dir) {
  if (!explicit_dir.empty()) {
    if (!IsDirectory(explicit_dir)) return NotFound("no Ollama found: " + explicit_dir + " is not a folder");
    if (!LooksLikeOllamaLibDir(explicit_dir)) {
      return NotFound("no Ollama found in " + explicit_dir + " (no libggml-base.so, llama-server or cuda_v* folder)");
    }
    return Canonical(explicit_dir);
  }
  std::string looked;
  for (const auto& candidate : OllamaCandidates()) {
    if (IsDirectory(candidate) && LooksLikeOllamaLibDir(candidate)) return Canonical(candidate);
    looked += (looked.empty() ? "" : ", ") + candidate;
  }
  return NotFound("no Ollama found (looked in " + (looked.empty() ? std::string("nothing") : looked) +
                  "; pass --ollama-dir <prefix>/lib/ollama)");
}

Result<OllamaLayout> ScanLayout(const std::string& dir) {
  OllamaLayout layout;
  VGPU_ASSIGN_OR_RETURN(layout.dir, Canonical(dir));
  VGPU_ASSIGN_OR_RETURN(auto names, ListDir(layout.dir));
  for (const auto& name : names) {
    if (name == "llama-server") layout.has_llama_server = true;
    int major = CudaMajor(name);
    if (major > 0 && IsDirectory(JoinPath(layout.dir, name))) layout.cuda_folders.push_back({name, major});
  }
  std::sort(layout.cuda_folders.begin(), layout.cuda_folders.end(),
            [](const CudaFolder& a, const CudaFolder& b) { return a.major < b.major; });
  return layout;
}

Result<Chain> FollowChain(const std::string& folder, const std::string& head) {
  Chain chain;
  chain.head = head;
  std::string name = head;
  for (int hop = 0; hop < 16; ++hop) {
    const std::string path = JoinPath(folder, name);
    VGPU_ASSIGN_OR_RETURN(NodeInfo info, Lstat(path));
    chain.names.push_back(name);
    chain.last = name;
    chain.last_info = info;
    switch (info.kind) {
      case NodeKind::kAbsent:
        chain.end = hop == 0 ? Chain::End::kAbsent : Chain::End::kDangling;
        if (hop > 0) chain.names.pop_back();
        if (hop > 0) {
          // The dangling link is the previous name.
          chain.last = chain.names.back();
          VGPU_ASSIGN_OR_RETURN(chain.last_info, Lstat(JoinPath(folder, chain.last)));
        }
        return chain;
      case NodeKind::kFile:
        chain.end = Chain::End::kFile;
        return chain;
      case NodeKind::kSymlink: {
        std::string target = info.link_target;
        while (target.rfind("./", 0) == 0) target = target.substr(2);
        if (target.find('/') == std::string::npos) {
          name = target;
          continue;
        }
        // A target with a folder part stays in the chain only if it resolves into this folder.
        std::string absolute = target[0] == '/' ? target : JoinPath(folder, target);
        auto parent = Canonical(Dirname(absolute));
        auto here = Canonical(folder);
        if (parent.ok() && here.ok() && *parent == *here) {
          name = Basename(absolute);
          continue;
        }
        chain.end = Exists(path) ? Chain::End::kLinkOut : Chain::End::kDangling;
        return chain;
      }
      default:
        chain.end = Chain::End::kOther;
        return chain;
    }
  }
  chain.end = Chain::End::kLoop;
  return chain;
}

std::string OllamaVersion(const std::string& ollama_dir) {
  std::vector<std::string> binaries = {JoinPath(Dirname(Dirname(ollama_dir)), "bin/ollama")};
  if (const char* path = std::getenv("PATH")) {
    for (const auto& dir : SplitColon(path)) {
      std::string bin = JoinPath(dir, "ollama");
      auto real = Canonical(bin);
      // Only an ollama that belongs to this lib/ollama says anything about it.
      if (real.ok() && JoinPath(Dirname(Dirname(*real)), "lib/ollama") == ollama_dir) binaries.push_back(bin);
    }
  }
  static const std::regex kVersion("version (is )?v?([0-9]+\\.[0-9]+\\.[0-9]+[0-9A-Za-z.+-]*)");
  for (const auto& bin : binaries) {
    if (::access(bin.c_str(), X_OK) != 0) continue;
    std::string out = RunForOutput({bin, "--version"}, 5000);
    std::smatch m;
    if (std::regex_search(out, m, kVersion)) return m[2].str();
  }
  return "";
}

std::string OllamaEra(const std::string& version, const OllamaLayout& layout) {
  int major = 0, minor = 0, patch = 0;
  if (!version.empty() && std::sscanf(version.c_str(), "%d.%d.%d", &major, &minor, &patch) == 3) {
    auto v = std::make_tuple(major, minor, patch);
    if (v <= std::make_tuple(0, 12, 3)) return "A";
    if (v < std::make_tuple(0, 25, 0)) return "B";
    if (v >= std::make_tuple(0, 30, 0)) return "C";
  }
  if (layout.has_llama_server) return "C";
  return "A or B";
}

}  // namespace vgpu::installer
