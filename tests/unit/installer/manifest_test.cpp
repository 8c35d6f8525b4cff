#include "installer/manifest.h"

#include <catch2/catch.hpp>

#include "installer/owned_files.h"
#include "installer/settings.h"

using namespace vgpu::installer;

TEST_CASE("a manifest survives JSON and back", "[installer][unit]") {
  Manifest m;
  m.ollama_dir = "/usr/local/lib/ollama";
  m.lib_dir = "/usr/lib/vgpu";
  Entry replaced;
  replaced.path = "cuda_v12/libcudart.so.12.8.90";
  replaced.action = Entry::Action::kReplaced;
  replaced.original.kind = NodeKind::kFile;
  replaced.original.mode = 0644;
  replaced.original.size = 704288;
  replaced.original.sha256 = std::string(64, 'a');
  replaced.original.backup = "files/ollama/cuda_v12/libcudart.so.12.8.90.aaaaaaaaaaaaaaaa";
  replaced.vgpu_target = "/usr/lib/vgpu/libcudart.so.12";
  Entry created;
  created.path = "libcuda.so.1";
  created.vgpu_target = "/usr/lib/vgpu/libcuda.so.1";
  m.entries = {replaced, created};
  OwnedFile conf;
  conf.path = "/etc/vgpu/client.conf";
  conf.written_sha256 = std::string(64, 'b');
  m.client_conf = conf;

  auto back = Manifest::FromJson(m.ToJson());
  REQUIRE(back.ok());
  REQUIRE(back->entries.size() == 2);
  CHECK(back->entries[0].original.sha256 == replaced.original.sha256);
  CHECK(back->entries[0].original.mode == 0644u);
  CHECK(back->entries[1].action == Entry::Action::kCreated);
  CHECK(back->client_conf->path == "/etc/vgpu/client.conf");
  CHECK(back->References(replaced.original.backup));
  CHECK_FALSE(back->References("files/other"));
  CHECK(back->ToJson() == m.ToJson());
}

TEST_CASE("a manifest with paths that escape is refused", "[installer][unit]") {
  Manifest m;
  Entry e;
  e.path = "../../etc/passwd";
  m.entries = {e};
  CHECK_FALSE(Manifest::FromJson(m.ToJson()).ok());
  m.entries[0].path = "cuda_v12/x";
  m.entries[0].action = Entry::Action::kReplaced;
  m.entries[0].original.kind = NodeKind::kFile;
  m.entries[0].original.sha256 = std::string(64, 'c');
  m.entries[0].original.backup = "../outside";
  CHECK_FALSE(Manifest::FromJson(m.ToJson()).ok());
}

TEST_CASE("server addresses are checked", "[installer][unit]") {
  CHECK(ValidateServerAddress("10.0.0.5:50051").ok());
  CHECK(ValidateServerAddress("gpu-host.lan:1").ok());
  CHECK(ValidateServerAddress("[::1]:50051").ok());
  CHECK_FALSE(ValidateServerAddress("host").ok());
  CHECK_FALSE(ValidateServerAddress("host:0").ok());
  CHECK_FALSE(ValidateServerAddress("host:70000").ok());
  CHECK_FALSE(ValidateServerAddress("a b:1").ok());
  CHECK(ServerFromClientConf(ClientConfContent("h:5")) == "h:5");
  CHECK(ServerFromClientConf("# nothing\n").empty());
  CHECK(ServerFromClientConf("token = x\nserver = a:1  # gpu box\n") == "a:1");
}

TEST_CASE("backup folders are per Ollama folder and outside it", "[installer][unit]") {
  Settings s;
  s.state_dir = "/var/lib/vgpu";
  std::string a = BackupDirFor(s, "/usr/local/lib/ollama");
  std::string b = BackupDirFor(s, "/usr/local/lib-ollama");
  CHECK(a.rfind("/var/lib/vgpu/backup/usr-local-lib-ollama-", 0) == 0);
  CHECK(a != b);
  CHECK(a.find("/usr/local/lib/ollama") == std::string::npos);
}
