// vgpu-install doctor: is the server reachable, which Ollama is this, are the
// links right, is client.conf there, and would a runner see a device?
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>

#include "installer/backup_store.h"
#include "installer/commands.h"
#include "installer/owned_files.h"
#include "installer/survey.h"

extern char** environ;

namespace vgpu::installer {
namespace {

class Report {
 public:
  void Ok(const std::string& line) { Print("ok", line); }
  void Warn(const std::string& line) { Print("warn", line); }
  void Fail(const std::string& line) {
    Print("FAIL", line);
    ++failures_;
  }
  int failures() const { return failures_; }

 private:
  void Print(const char* tag, const std::string& line) {
    std::printf("[%-4s] %s\n", tag, line.c_str());
    std::fflush(stdout);
  }
  int failures_ = 0;
};

// TCP connect with a deadline: says whether something listens at host:port.
Status CheckReachable(const std::string& address, int timeout_ms) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return InvalidValue("bad address " + address);
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  struct addrinfo hints = {};
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* result = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &result); rc != 0) {
    return NotFound("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (auto* ai = result; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      struct pollfd p = {fd, POLLOUT, 0};
      rc = ::poll(&p, 1, timeout_ms) == 1 ? 0 : -1;
      int err = rc == 0 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof(err);
      if (rc == 0) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        errno = err;
        rc = -1;
      }
    }
    if (rc == 0) {
      ::close(fd);
      ::freeaddrinfo(result);
      return Status::Ok();
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(result);
  return Status(Code::kDeviceUnavailable, address + ": " + last_error);
}

// Runs this executable's hidden probe with Ollama's runner environment.
std::string RunProbeChild(const std::string& ollama_dir, const CudaFolder& folder, const std::string& client_conf,
                          int timeout_ms) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "error=pipe failed";
  std::string ld = ollama_dir + ":" + JoinPath(ollama_dir, folder.name);
  if (const char* inherited = std::getenv("LD_LIBRARY_PATH"); inherited != nullptr && *inherited) {
    ld += std::string(":") + inherited;
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("LD_PRELOAD=", 0) == 0 || kv.rfind("LD_LIBRARY_PATH=", 0) == 0 || kv.rfind("VGPU_CONFIG=", 0) == 0) {
      continue;
    }
    env_strings.push_back(kv);
  }
  // The client reads the same file doctor checked.
  env_strings.push_back("VGPU_CONFIG=" + client_conf);
  env_strings.push_back("LD_LIBRARY_PATH=" + ld);
  const std::string exe = SelfExe();
  const std::string ggml = JoinPath(JoinPath(ollama_dir, folder.name), "libggml-cuda.so");
  std::vector<std::string> args = {exe, "__probe", "--cuda-major", std::to_string(folder.major)};
  if (Exists(ggml)) {
    args.push_back("--ggml");
    args.push_back(ggml);
  }
  pid_t pid = ::fork();
  if (pid < 0) return "error=fork failed";
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(exe.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out += "\nerror=probe timed out";
      break;
    }
    struct pollfd p = {fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
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

std::string Field(const std::string& text, const std::string& key) {
  std::regex pattern("(^|\n)" + key + "=([^\n]*)");
  std::smatch m;
  return std::regex_search(text, m, pattern) ? m[2].str() : "";
}

std::string LoadedPath(void* handle) {
  struct link_map* map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr) return "?";
  char buf[PATH_MAX];
  return ::realpath(map->l_name, buf) != nullptr ? std::string(buf) : std::string(map->l_name);
}

}  // namespace

int RunProbe(int cuda_major, const std::string& ggml_path) {
  void* cuda = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (cuda == nullptr) {
    std::printf("error=%s\n", ::dlerror());
    return 2;
  }
  std::printf("libcuda=%s\n", LoadedPath(cuda).c_str());
  const std::string cudart_name = "libcudart.so." + std::to_string(cuda_major);
  void* cudart = ::dlopen(cudart_name.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (cudart == nullptr) {
    std::printf("error=%s\n", ::dlerror());
    return 2;
  }
  std::printf("cudart=%s\n", LoadedPath(cudart).c_str());
  if (!ggml_path.empty()) {
    // What the runner does: every import of libggml-cuda.so must resolve now.
    void* ggml = ::dlopen(ggml_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    std::printf("ggml=%s\n", ggml != nullptr ? "ok" : ::dlerror());
  }
  std::fflush(stdout);
  using GetCount = int (*)(int*);
  auto get_count = reinterpret_cast<GetCount>(::dlsym(cudart, "cudaGetDeviceCount"));
  if (get_count == nullptr) {
    std::printf("error=%s has no cudaGetDeviceCount\n", cudart_name.c_str());
    return 2;
  }
  int count = 0;
  int err = get_count(&count);
  std::printf("status=%d\ncount=%d\n", err, err == 0 ? count : 0);
  std::fflush(stdout);
  return 0;
}

int RunDoctor(const Settings& settings) {
  Report report;
  auto dir = FindOllamaDir(settings.ollama_dir);
  if (!dir.ok()) {
    report.Fail(dir.status().message());
    return 1;
  }
  auto layout = ScanLayout(*dir);
  if (!layout.ok()) {
    report.Fail(layout.status().message());
    return 1;
  }
  std::string version = OllamaVersion(*dir);
  std::string era = OllamaEra(version, *layout);
  if (version.empty()) {
    report.Warn("Ollama at " + *dir + ": version unknown (no ollama binary beside it), era " + era + " by layout");
  } else {
    report.Ok("Ollama " + version + " at " + *dir + " (era " + era + ")");
  }
  if (layout->cuda_folders.empty()) report.Fail("no cuda_v* folder in " + *dir);

  // Links and backups, as verify sees them.
  Transaction unused;
  BackupStore store(BackupDirFor(settings, *dir), &unused);
  auto manifest = LoadManifest(store.manifest_path());
  const Manifest* m = manifest.ok() && manifest->has_value() ? &**manifest : nullptr;
  if (!manifest.ok()) report.Fail(manifest.status().message());
  std::string lib_dir = settings.lib_dir.empty() && m != nullptr && !m->lib_dir.empty() ? m->lib_dir
                                                                                      : ResolveLibDir(settings.lib_dir);
  auto survey = TakeSurvey(*dir, lib_dir, m);
  if (!survey.ok()) {
    report.Fail(survey.status().message());
  } else {
    int vgpu = 0, original = 0, bad = 0;
    for (const auto& item : survey->items) {
      if (item.state == ItemState::kVgpu) ++vgpu;
      if (item.state == ItemState::kOriginal || item.state == ItemState::kVgpuStale) ++original;
      if (item.state == ItemState::kForeign || item.state == ItemState::kBroken) {
        ++bad;
        report.Fail(item.detail);
      }
    }
    if (m == nullptr || m->entries.empty()) {
      report.Fail("vgpu is not installed in " + *dir + " (run `vgpu-install install`)");
    } else if (original > 0) {
      report.Fail(std::to_string(original) + " name(s) are not vgpu's yet (Ollama upgraded? run `vgpu-install install`)");
    } else if (bad == 0) {
      report.Ok(std::to_string(vgpu) + " vgpu link(s) in place, pointing into " + lib_dir);
    }
  }

  // Which server a runner will talk to.
  std::string server;
  const char* env_server = std::getenv("VGPU_SERVER");
  auto conf = ReadFile(settings.client_conf);
  if (conf.ok()) {
    std::string from_file = ServerFromClientConf(*conf);
    if (from_file.empty()) {
      report.Warn(settings.client_conf + " names no server (expected a line `server = HOST:PORT`)");
    } else {
      report.Ok(settings.client_conf + ": server = " + from_file);
      server = from_file;
    }
  } else {
    report.Warn("no " + settings.client_conf + " (write it with `vgpu-install install --server HOST:PORT`)");
  }
  if (env_server != nullptr && *env_server != '\0') {
    report.Ok(std::string("VGPU_SERVER=") + env_server + " in this environment overrides the file");
    server = env_server;
  }
  if (server.empty()) server = "127.0.0.1:50051";
  if (Status s = CheckReachable(server, 3000); s.ok()) {
    report.Ok("server " + server + " is reachable");
  } else {
    report.Fail("server not reachable: " + s.message());
  }

  // The check that matters: a child with Ollama's runner environment and no preload.
  for (const auto& folder : layout->cuda_folders) {
    std::string out = RunProbeChild(*dir, folder, settings.client_conf, 30000);
    std::string error = Field(out, "error");
    std::string count = Field(out, "count");
    std::string ggml = Field(out, "ggml");
    std::string where = " (libcuda.so.1 = " + Field(out, "libcuda") + ", libcudart = " + Field(out, "cudart") + ")";
    if (!error.empty()) {
      report.Fail(folder.name + ": runner would see no device: " + error);
    } else if (!ggml.empty() && ggml != "ok") {
      report.Fail(folder.name + ": libggml-cuda.so does not load: " + ggml);
    } else if (count.empty() || count == "0") {
      report.Fail(folder.name + ": runner sees 0 devices (cudaGetDeviceCount status " + Field(out, "status") + ")" +
                  where);
    } else {
      report.Ok(folder.name + ": runner sees " + count + " device(s)" + where);
    }
  }
  return report.failures() == 0 ? 0 : 1;
}

}  // namespace vgpu::installer
