// End-to-end tests of the vgpu-install binary on Ollama layouts of eras A, B
// and C built in temporary folders, with a fake vgpu --lib-dir.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "fixture.h"

using vgpu::install_test::DiffTrees;
using vgpu::install_test::Era;
using vgpu::install_test::LinkText;
using vgpu::install_test::OllamaFixture;
using vgpu::install_test::PathExists;
using vgpu::install_test::ReadText;
using vgpu::install_test::RunResult;
using vgpu::install_test::Snapshot;
using vgpu::install_test::WriteText;

namespace {

std::string Show(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "stderr:\n" + r.err;
}

size_t Lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// A bad-input run: non-zero exit, one line on stderr naming `reason`.
void ExpectRefusal(const RunResult& r, const std::string& reason) {
  INFO(Show(r));
  CHECK(r.exit_code != 0);
  CHECK(Lines(r.err) == 1);
  CHECK(r.err.find(reason) != std::string::npos);
}

void CheckInstalledLinks(const OllamaFixture& f) {
  const std::string d = f.ollama_dir();
  for (int major : f.majors()) {
    const std::string folder = d + "/cuda_v" + std::to_string(major);
    const std::string m = std::to_string(major);
    const std::string minor = major == 12 ? "8" : "0";
    // Every name is kept; only the chain's last file became vgpu's link.
    CHECK(LinkText(folder + "/libcudart.so." + m) == "libcudart.so." + m + "." + minor + ".90");
    CHECK(LinkText(folder + "/libcudart.so." + m + "." + minor + ".90") == f.lib_dir() + "/libcudart.so." + m);
    CHECK(LinkText(folder + "/libcuda.so.1") == f.lib_dir() + "/libcuda.so.1");
    // cuBLAS chains: names kept, the last file is vgpu's link.
    for (const std::string base : {"libcublas", "libcublasLt"}) {
      CHECK(LinkText(folder + "/" + base + ".so." + m) == base + ".so." + m + "." + minor + ".4.90");
      CHECK(LinkText(folder + "/" + base + ".so." + m + "." + minor + ".4.90") == f.lib_dir() + "/" + base + ".so." + m);
    }
    CHECK(LinkText(folder + "/libnvidia-ml.so.1") == f.lib_dir() + "/libnvidia-ml.so.1");
  }
  CHECK(LinkText(d + "/libcuda.so.1") == f.lib_dir() + "/libcuda.so.1");
  CHECK(LinkText(d + "/libnvidia-ml.so.1") == f.lib_dir() + "/libnvidia-ml.so.1");
}

Era AnyEra() { return GENERATE(Era::kA, Era::kB, Era::kC); }

}  // namespace

TEST_CASE("install, verify, rollback restores the tree byte for byte", "[installer][e2e]") {
  const Era era = AnyEra();
  DYNAMIC_SECTION("era " << vgpu::install_test::EraName(era)) {
    OllamaFixture f(era);
    const auto before = Snapshot(f.ollama_dir());

    auto dry = f.Vgpu("install", {"--dry-run"});
    INFO(Show(dry));
    REQUIRE(dry.exit_code == 0);
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())).empty());
    CHECK(f.ManifestPath().empty());

    auto install = f.Vgpu("install");
    INFO(Show(install));
    REQUIRE(install.exit_code == 0);
    CheckInstalledLinks(f);
    // Backups live outside lib/ollama; nothing but links was added there.
    REQUIRE_FALSE(f.ManifestPath().empty());
    for (const auto& [path, node] : Snapshot(f.ollama_dir())) {
      if (!before.count(path)) CHECK(node.kind == "link");
    }

    auto status = f.Vgpu("status");
    INFO(Show(status));
    CHECK(status.exit_code == 0);
    CHECK(status.out.find("vgpu has no libcublas") == std::string::npos);
    CHECK(status.out.find("vgpu has no libnvidia-ml.so.1 yet") == std::string::npos);

    auto verify = f.Vgpu("verify");
    INFO(Show(verify));
    CHECK(verify.exit_code == 0);

    auto rollback = f.Vgpu("rollback");
    INFO(Show(rollback));
    REQUIRE(rollback.exit_code == 0);
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
    CHECK(f.ManifestPath().empty());
    CHECK_FALSE(PathExists(f.state_dir() + "/backup"));

    // verify now reports that nothing is installed.
    CHECK(f.Vgpu("verify").exit_code != 0);
    // A second rollback has nothing to do.
    CHECK(f.Vgpu("rollback").exit_code == 0);
  }
}

TEST_CASE("a second install is a no-op that says so", "[installer][e2e]") {
  OllamaFixture f(Era::kB);
  REQUIRE(f.Vgpu("install").exit_code == 0);
  const auto installed = Snapshot(f.ollama_dir());
  const std::string manifest = ReadText(f.ManifestPath());
  auto again = f.Vgpu("install");
  INFO(Show(again));
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to do") != std::string::npos);
  CHECK(DiffTrees(installed, Snapshot(f.ollama_dir())) == "");
  CHECK(ReadText(f.ManifestPath()) == manifest);
}

TEST_CASE("install after an Ollama upgrade backs up the new files and re-applies", "[installer][e2e]") {
  const Era era = AnyEra();
  DYNAMIC_SECTION("era " << vgpu::install_test::EraName(era)) {
    OllamaFixture f(era);
    REQUIRE(f.Vgpu("install").exit_code == 0);

    SECTION("same release reinstalled") { f.SimulateUpgrade(90); }
    SECTION("newer release with other versioned names and bytes") { f.SimulateUpgrade(93); }

    const auto upgraded = Snapshot(f.ollama_dir());
    auto drift = f.Vgpu("verify");
    INFO(Show(drift));
    CHECK(drift.exit_code != 0);

    auto install = f.Vgpu("install");
    INFO(Show(install));
    REQUIRE(install.exit_code == 0);
    CHECK(install.out.find("nothing to do") == std::string::npos);
    CHECK(f.Vgpu("verify").exit_code == 0);
    CHECK(LinkText(f.ollama_dir() + "/cuda_v12/libcuda.so.1") == f.lib_dir() + "/libcuda.so.1");

    auto rollback = f.Vgpu("rollback");
    INFO(Show(rollback));
    REQUIRE(rollback.exit_code == 0);
    CHECK(DiffTrees(upgraded, Snapshot(f.ollama_dir())) == "");
    CHECK_FALSE(PathExists(f.state_dir() + "/backup"));
  }
}

TEST_CASE("a failure injected part-way leaves the original state", "[installer][e2e]") {
  OllamaFixture f(Era::kC);
  const auto before = Snapshot(f.ollama_dir());
  const std::vector<std::string> args = {"--systemd", "--server", "127.0.0.1:50051"};
  int failures = 0;
  for (int n = 1; n < 200; ++n) {
    auto r = f.Vgpu("install", args, {{"VGPU_INSTALL_FAIL_AT", std::to_string(n)}});
    if (r.exit_code == 0) break;
    ++failures;
    INFO("failure injected at change " << n << "\n" << Show(r));
    CHECK(r.err.find("injected failure") != std::string::npos);
    CHECK(r.err.find("nothing was changed") != std::string::npos);
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
    CHECK(f.ManifestPath().empty());
    CHECK_FALSE(PathExists(f.client_conf()));
    CHECK_FALSE(PathExists(f.systemd_dir() + "/ollama.service.d/vgpu.conf"));
  }
  CHECK(failures > 10);  // every step of a full install was tried
  // The run that got past every injection point installed everything.
  REQUIRE(f.Vgpu("verify").exit_code == 0);
  const auto installed = Snapshot(f.ollama_dir());
  const std::string manifest = ReadText(f.ManifestPath());

  failures = 0;
  for (int n = 1; n < 200; ++n) {
    auto r = f.Vgpu("rollback", {}, {{"VGPU_INSTALL_FAIL_AT", std::to_string(n)}});
    if (r.exit_code == 0) break;
    ++failures;
    INFO("rollback failure injected at change " << n << "\n" << Show(r));
    CHECK(r.err.find("nothing was changed") != std::string::npos);
    CHECK(DiffTrees(installed, Snapshot(f.ollama_dir())) == "");
    CHECK(ReadText(f.ManifestPath()) == manifest);
    CHECK(PathExists(f.client_conf()));
  }
  CHECK(failures > 5);
  CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
  CHECK_FALSE(PathExists(f.client_conf()));
}

TEST_CASE("--server writes client.conf and --systemd a drop-in; rollback puts both back", "[installer][e2e]") {
  OllamaFixture f(Era::kB);
  const std::string dropin = f.systemd_dir() + "/ollama.service.d/vgpu.conf";
  SECTION("no client.conf before") {
    auto r = f.Vgpu("install", {"--server", "10.0.0.5:50051", "--systemd"});
    INFO(Show(r));
    REQUIRE(r.exit_code == 0);
    CHECK(ReadText(f.client_conf()).find("server = 10.0.0.5:50051") != std::string::npos);
    const std::string unit = ReadText(dropin);
    CHECK(unit.find("[Service]") != std::string::npos);
    CHECK(unit.find("ExecStartPre=-") != std::string::npos);
    CHECK(unit.find("install --quiet --ollama-dir " + f.ollama_dir()) != std::string::npos);
    CHECK(f.Vgpu("install", {"--server", "10.0.0.5:50051", "--systemd"}).out.find("nothing to do") !=
          std::string::npos);
    REQUIRE(f.Vgpu("rollback").exit_code == 0);
    CHECK_FALSE(PathExists(f.client_conf()));
    CHECK_FALSE(PathExists(dropin));
  }
  SECTION("an existing client.conf is kept without --server and restored after --server") {
    WriteText(f.client_conf(), "server = old-host:1234\n");
    REQUIRE(f.Vgpu("install").exit_code == 0);
    CHECK(ReadText(f.client_conf()) == "server = old-host:1234\n");
    REQUIRE(f.Vgpu("install", {"--server", "new-host:50051"}).exit_code == 0);
    CHECK(ReadText(f.client_conf()).find("server = new-host:50051") != std::string::npos);
    REQUIRE(f.Vgpu("rollback").exit_code == 0);
    CHECK(ReadText(f.client_conf()) == "server = old-host:1234\n");
  }
  SECTION("a bad --server is refused") {
    const auto before = Snapshot(f.ollama_dir());
    ExpectRefusal(f.Vgpu("install", {"--server", "no-port"}), "expected HOST:PORT");
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
  }
}

TEST_CASE("rollback leaves alone what someone else changed, and says so", "[installer][e2e]") {
  OllamaFixture f(Era::kB);
  REQUIRE(f.Vgpu("install").exit_code == 0);
  const std::string changed = f.ollama_dir() + "/cuda_v12/libcudart.so.12.8.90";
  std::filesystem::remove(changed);
  WriteText(changed, "someone else's file\n");
  auto r = f.Vgpu("rollback");
  INFO(Show(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("left alone: " + changed) != std::string::npos);
  CHECK(ReadText(changed) == "someone else's file\n");
  CHECK_FALSE(PathExists(f.ollama_dir() + "/cuda_v12/libcuda.so.1"));
  CHECK(LinkText(f.ollama_dir() + "/cuda_v13/libcudart.so.13.0.90").empty());
  // Its original stays in the backup folder, and status says where.
  CHECK(f.Vgpu("status").out.find("kept backup of cuda_v12/libcudart.so.12.8.90") != std::string::npos);
}

TEST_CASE("bad input: a clear one-line reason, non-zero exit, nothing lost", "[installer][e2e]") {
  OllamaFixture f(Era::kB);
  const auto before = Snapshot(f.ollama_dir());
  auto unchanged = [&] {
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
    CHECK(f.ManifestPath().empty());
  };

  SECTION("no Ollama found") {
    std::filesystem::create_directories(f.root() + "/empty");
    ExpectRefusal(f.Vgpu("install", {"--ollama-dir", f.root() + "/empty"}), "no Ollama found");
    auto detect = vgpu::install_test::RunProcess({VGPU_INSTALL_BIN, "install"},
                                         {{"VGPU_INSTALL_OLLAMA_CANDIDATES", f.root() + "/nowhere"},
                                          {"VGPU_INSTALL_STATE_DIR", f.state_dir()},
                                          {"PATH", "/nonexistent"}});
    ExpectRefusal(detect, "no Ollama found");
    unchanged();
  }
  SECTION("no cuda_v* folder") {
    std::filesystem::create_directories(f.root() + "/cpu-only/lib/ollama");
    WriteText(f.root() + "/cpu-only/lib/ollama/libggml-base.so", "x");
    ExpectRefusal(f.Vgpu("install", {"--ollama-dir", f.root() + "/cpu-only/lib/ollama"}), "no cuda_v* folder");
  }
  SECTION("a vgpu library missing from --lib-dir") {
    std::filesystem::create_directories(f.root() + "/no-libs");
    ExpectRefusal(f.Vgpu("install", {"--lib-dir", f.root() + "/no-libs"}), "vgpu library missing from --lib-dir");
    std::filesystem::copy_file(f.lib_dir() + "/libcuda.so.1", f.root() + "/no-libs/libcuda.so.1");
    ExpectRefusal(f.Vgpu("install", {"--lib-dir", f.root() + "/no-libs"}), "libcudart.so.");
    unchanged();
  }
  SECTION("a dangling symlink already in place") {
    std::filesystem::create_symlink("/nonexistent/libcuda.so.1", f.ollama_dir() + "/cuda_v12/libcuda.so.1");
    const auto with_link = Snapshot(f.ollama_dir());
    ExpectRefusal(f.Vgpu("install"), "dangling symlink");
    CHECK(DiffTrees(with_link, Snapshot(f.ollama_dir())) == "");
  }
  SECTION("a foreign symlink already in place") {
    WriteText(f.root() + "/elsewhere/libcuda.so.1", "x");
    std::filesystem::create_symlink(f.root() + "/elsewhere/libcuda.so.1", f.ollama_dir() + "/libcuda.so.1");
    const auto with_link = Snapshot(f.ollama_dir());
    ExpectRefusal(f.Vgpu("install"), "foreign symlink");
    CHECK(DiffTrees(with_link, Snapshot(f.ollama_dir())) == "");
  }
  SECTION("a foreign link at the end of a chain") {
    const std::string last = f.ollama_dir() + "/cuda_v13/libcudart.so.13.0.90";
    std::filesystem::remove(last);
    std::filesystem::create_symlink("/bin/true", last);
    const auto with_link = Snapshot(f.ollama_dir());
    ExpectRefusal(f.Vgpu("install"), "foreign symlink");
    CHECK(DiffTrees(with_link, Snapshot(f.ollama_dir())) == "");
  }
  SECTION("an unknown flag") {
    ExpectRefusal(f.Vgpu("install", {"--bogus"}), "--bogus");
    unchanged();
  }
  SECTION("another run holds the lock") {
    std::filesystem::create_directories(f.state_dir());
    int fd = ::open((f.state_dir() + "/vgpu-install.lock").c_str(), O_RDWR | O_CREAT, 0644);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    ExpectRefusal(f.Vgpu("install", {}, {{"VGPU_INSTALL_LOCK_TIMEOUT", "0"}}), "another vgpu-install is running");
    ::close(fd);
    unchanged();
  }
  SECTION("not root") {
    if (::geteuid() != 0 || !PathExists("/usr/bin/setpriv")) {
      WARN("skipped: needs root and setpriv to run as another user");
      return;
    }
    auto r = vgpu::install_test::RunProcess({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                     VGPU_INSTALL_BIN, "install", "--ollama-dir", f.ollama_dir(), "--lib-dir",
                                     f.lib_dir()},
                                    {{"VGPU_INSTALL_STATE_DIR", f.state_dir()}});
    ExpectRefusal(r, "not root");
    unchanged();
  }
  SECTION("a read-only filesystem") {
    const std::string scratch = f.root() + "/ro-probe";
    std::filesystem::create_directories(scratch);
    const std::string probe = "mount --bind '" + scratch + "' '" + scratch + "' && mount -o remount,ro,bind '" +
                              scratch + "' '" + scratch + "'";
    if (!PathExists("/usr/bin/unshare") ||
        vgpu::install_test::RunProcess({"/usr/bin/unshare", "-m", "/bin/sh", "-c", probe}).exit_code != 0) {
      WARN("skipped: cannot make a read-only bind mount here");
      return;
    }
    const std::string d = f.ollama_dir();
    const std::string script = "mount --bind '" + d + "' '" + d + "' && mount -o remount,ro,bind '" + d + "' '" + d +
                               "' && exec '" VGPU_INSTALL_BIN "' install --ollama-dir '" + d + "' --lib-dir '" +
                               f.lib_dir() + "'";
    auto r = vgpu::install_test::RunProcess({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script},
                                    {{"VGPU_INSTALL_STATE_DIR", f.state_dir()}});
    ExpectRefusal(r, "read-only filesystem");
    unchanged();
  }
  SECTION("a missing or tampered backup stops rollback before any change") {
    REQUIRE(f.Vgpu("install").exit_code == 0);
    const auto installed = Snapshot(f.ollama_dir());
    std::string backup;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(f.state_dir() + "/backup")) {
      if (entry.is_regular_file() && entry.path().string().find("libcudart.so.12.8.90") != std::string::npos) {
        backup = entry.path().string();
      }
    }
    REQUIRE_FALSE(backup.empty());
    const std::string saved = backup + ".saved";
    std::filesystem::rename(backup, saved);
    ExpectRefusal(f.Vgpu("rollback"), "backup missing");
    CHECK(DiffTrees(installed, Snapshot(f.ollama_dir())) == "");
    CHECK(f.Vgpu("verify").exit_code != 0);

    // Same size, other bytes: only the SHA-256 tells. Written as a new file,
    // never in place (the backup may share its inode with other files).
    std::string bytes = ReadText(saved);
    bytes[bytes.size() / 2] ^= 0x5a;
    WriteText(backup, bytes);
    ExpectRefusal(f.Vgpu("rollback"), "backup tampered");
    CHECK(DiffTrees(installed, Snapshot(f.ollama_dir())) == "");

    std::filesystem::remove(backup);
    std::filesystem::rename(saved, backup);
    REQUIRE(f.Vgpu("rollback").exit_code == 0);
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
  }
}

TEST_CASE("status names foreign and broken entries", "[installer][e2e]") {
  OllamaFixture f(Era::kA);
  std::filesystem::create_symlink("/nonexistent/libcuda.so.1", f.ollama_dir() + "/cuda_v12/libcuda.so.1");
  auto r = f.Vgpu("status");
  INFO(Show(r));
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("broken") != std::string::npos);
  CHECK(r.out.find("vgpu is not installed") != std::string::npos);
  CHECK(f.Vgpu("verify").exit_code != 0);
}

TEST_CASE("doctor reports the Ollama version, era and links", "[installer][e2e]") {
  OllamaFixture f(Era::kA);
  REQUIRE(f.Vgpu("install").exit_code == 0);
  auto r = f.Vgpu("doctor", {}, {{"VGPU_SERVER", "127.0.0.1:1"}});
  INFO(Show(r));
  CHECK(r.out.find("Ollama 0.12.3") != std::string::npos);
  CHECK(r.out.find("era A") != std::string::npos);
  CHECK(r.out.find("vgpu link(s) in place") != std::string::npos);
  CHECK(r.out.find("server not reachable") != std::string::npos);
  CHECK(r.exit_code != 0);  // no server, and fake libraries see no device
}

TEST_CASE("install re-points vgpu's links when the lib dir moves", "[installer][e2e]") {
  OllamaFixture f(Era::kB);
  const auto before = Snapshot(f.ollama_dir());
  REQUIRE(f.Vgpu("install").exit_code == 0);
  const std::string moved = f.root() + "/opt/vgpu-lib";
  std::filesystem::create_directories(moved);
  for (const auto& entry : std::filesystem::directory_iterator(f.lib_dir())) {
    std::filesystem::copy_file(entry.path(), moved + "/" + entry.path().filename().string());
  }
  auto r = f.Vgpu("install", {"--lib-dir", moved});
  INFO(Show(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("re-pointed") != std::string::npos);
  CHECK(LinkText(f.ollama_dir() + "/cuda_v12/libcudart.so.12.8.90") == moved + "/libcudart.so.12");
  CHECK(LinkText(f.ollama_dir() + "/libcuda.so.1") == moved + "/libcuda.so.1");
  CHECK(f.Vgpu("verify", {"--lib-dir", moved}).exit_code == 0);
  REQUIRE(f.Vgpu("rollback").exit_code == 0);
  CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
}

TEST_CASE("after a run killed part-way, rollback or install puts things right", "[installer][e2e]") {
  OllamaFixture f(Era::kB);
  const auto before = Snapshot(f.ollama_dir());
  int crashes = 0;
  for (int n = 1; n < 200; ++n) {
    auto r = f.Vgpu("install", {"--server", "127.0.0.1:50051", "--systemd"},
                    {{"VGPU_INSTALL_CRASH_AT", std::to_string(n)}});
    if (r.exit_code == 0) break;
    ++crashes;
    INFO("killed before change " << n << "\n" << Show(r));
    REQUIRE(r.exit_code == 137);
    if (n % 2 == 0) {
      // Re-running install finishes the job; rollback then restores everything.
      auto again = f.Vgpu("install", {"--server", "127.0.0.1:50051", "--systemd"});
      INFO(Show(again));
      REQUIRE(again.exit_code == 0);
      CHECK(f.Vgpu("verify").exit_code == 0);
    }
    auto rollback = f.Vgpu("rollback");
    INFO(Show(rollback));
    REQUIRE(rollback.exit_code == 0);
    CHECK(DiffTrees(before, Snapshot(f.ollama_dir())) == "");
    CHECK_FALSE(PathExists(f.root() + "/etc/vgpu"));
    CHECK_FALSE(PathExists(f.systemd_dir() + "/ollama.service.d"));
    CHECK(f.ManifestPath().empty());
  }
  CHECK(crashes > 10);
}
