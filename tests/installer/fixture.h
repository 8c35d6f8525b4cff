// Test fixtures for vgpu-install: Ollama lib/ollama layouts of eras A, B and
// C in a temporary folder, a fake vgpu --lib-dir, tree snapshots for
// byte-for-byte comparison, and a runner for the vgpu-install binary.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vgpu::install_test {

enum class Era { kA, kB, kC };
const char* EraName(Era era);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv (argv[0] is a path) with extra environment variables set and
// LD_PRELOAD removed; waits; collects stdout and stderr.
RunResult RunProcess(const std::vector<std::string>& argv,
                     const std::vector<std::pair<std::string, std::string>>& env = {});

// What one path in a tree holds: enough to compare two trees byte for byte.
struct NodeSnapshot {
  std::string kind;  // file, link, dir, other
  unsigned mode = 0;
  unsigned uid = 0;
  unsigned gid = 0;
  long long size = 0;
  std::string link_target;
  std::string sha256;
  bool operator==(const NodeSnapshot&) const = default;
};
using TreeSnapshot = std::map<std::string, NodeSnapshot>;
TreeSnapshot Snapshot(const std::string& root);
// Lines naming each difference, empty when equal.
std::string DiffTrees(const TreeSnapshot& a, const TreeSnapshot& b);

std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& text);
void RemoveTree(const std::string& path);
bool PathExists(const std::string& path);  // lstat
std::string LinkText(const std::string& path);  // empty when not a link

class OllamaFixture {
 public:
  // A fresh temporary root holding <root>/usr/local/{bin/ollama,lib/ollama}.
  explicit OllamaFixture(Era era);
  ~OllamaFixture();
  OllamaFixture(const OllamaFixture&) = delete;
  OllamaFixture& operator=(const OllamaFixture&) = delete;

  // (Re)creates lib/ollama as Ollama's installer would; `patch` varies the
  // versioned names and bytes, as an upgrade does.
  void BuildLibOllama(int patch = 90);
  void SimulateUpgrade(int patch) {
    RemoveTree(ollama_dir_);
    BuildLibOllama(patch);
  }

  // vgpu-install <command> with this fixture's folders and environment.
  RunResult Vgpu(const std::string& command, const std::vector<std::string>& extra_args = {},
                 const std::vector<std::pair<std::string, std::string>>& env = {}) const;

  const std::string& root() const { return root_; }
  const std::string& ollama_dir() const { return ollama_dir_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& lib_dir() const { return lib_dir_; }
  const std::string& client_conf() const { return client_conf_; }
  const std::string& systemd_dir() const { return systemd_dir_; }
  std::string ManifestPath() const;  // the one manifest under state_dir, or empty
  std::vector<int> majors() const { return majors_; }
  Era era() const { return era_; }
  // Whether the cuda_v13 chains hold the real NVIDIA files.
  bool real_cuda13() const { return real_cuda13_; }

 private:
  void PlaceChain(const std::string& folder, const std::string& base, int major, const std::string& version,
                  const std::string& source, bool hard_link_ok);

  Era era_;
  std::string root_;
  std::string ollama_dir_;
  std::string state_dir_;
  std::string lib_dir_;
  std::string client_conf_;
  std::string systemd_dir_;
  std::vector<int> majors_;
  bool real_cuda13_ = false;
};

}  // namespace vgpu::install_test
