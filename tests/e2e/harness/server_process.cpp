#include "tests/e2e/harness/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace vgpu::test {
namespace {

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

bool WaitExit(pid_t pid, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

std::string TestBackend() {
  const char* backend = std::getenv("VGPU_TEST_BACKEND");
  return backend && *backend ? backend : "emu";
}

std::string ServerBinary() { return VGPU_TEST_SERVER_BIN; }
std::string ClientLibraryDir() { return VGPU_TEST_CLIENT_LIB_DIR; }
std::string ProgramDir() { return VGPU_TEST_PROGRAM_DIR; }
std::string FixtureDir() { return VGPU_TEST_FIXTURE_DIR; }

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

std::unique_ptr<ServerProcess> ServerProcess::Start(std::vector<std::string> extra_args,
                                                    const std::string& listen_host) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    int port = FreePort();
    std::string address = "127.0.0.1:" + std::to_string(port);
    std::string listen = listen_host + ":" + std::to_string(port);
    std::vector<std::string> argv = {ServerBinary(), "--backend", TestBackend(), "--listen", listen,
                                     "--log-level", "warn"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    pid_t pid = fork();
    if (pid == 0) {
      auto pointers = Pointers(argv);
      execv(pointers[0], pointers.data());
      _exit(127);
    }
    for (int waited = 0; waited < 10000; waited += 20) {
      if (CanConnect(port)) return std::unique_ptr<ServerProcess>(new ServerProcess(pid, address));
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) break;  // died: port taken? try another
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    WaitExit(pid, 2000);
  }
  return nullptr;
}

void ServerProcess::Kill(int signal) {
  if (pid_ <= 0) return;
  kill(pid_, signal);
  if (!WaitExit(pid_, 5000)) {
    kill(pid_, SIGKILL);
    WaitExit(pid_, 5000);
  }
  pid_ = -1;
}

bool ServerProcess::Terminate(int signal, int timeout_seconds) {
  if (pid_ <= 0) return false;
  kill(pid_, signal);
  bool exited = WaitExit(pid_, timeout_seconds * 1000);
  if (!exited) {
    kill(pid_, SIGKILL);
    WaitExit(pid_, 5000);
  }
  pid_ = -1;
  return exited;
}

ServerProcess::~ServerProcess() { Kill(SIGTERM); }

ProgramResult RunProgram(const std::string& path, const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env, int timeout_seconds) {
  std::map<std::string, std::string> environment;
  for (char** e = environ; *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) environment[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  std::string library_path = ClientLibraryDir();
  if (auto it = environment.find("LD_LIBRARY_PATH"); it != environment.end() && !it->second.empty()) {
    library_path += ":" + it->second;
  }
  environment["LD_LIBRARY_PATH"] = library_path;
  for (const auto& [key, value] : env) environment[key] = value;
  std::vector<std::string> env_strings;
  for (const auto& [key, value] : environment) env_strings.push_back(key + "=" + value);
  std::vector<std::string> argv = {path};
  argv.insert(argv.end(), args.begin(), args.end());

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    auto argv_pointers = Pointers(argv);
    auto env_pointers = Pointers(env_strings);
    execve(argv_pointers[0], argv_pointers.data(), env_pointers.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  ProgramResult result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buffer[4096];
  for (;;) {
    int remaining = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (remaining <= 0) {
      kill(pid, SIGKILL);
      result.output += "\n[harness: killed after " + std::to_string(timeout_seconds) + " s]\n";
      break;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    if (poll(&fd, 1, std::min(remaining, 200)) > 0) {
      ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
      if (n <= 0) break;
      result.output.append(buffer, static_cast<size_t>(n));
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace vgpu::test
