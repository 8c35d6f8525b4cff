#include "libcuda/config.h"

#include <catch2/catch.hpp>
#include <map>

namespace vgpu::cu {
namespace {

std::map<std::string, std::string> g_env;
std::map<std::string, std::string> g_files;

const char* FakeGetenv(const char* name) {
  auto it = g_env.find(name);
  return it == g_env.end() ? nullptr : it->second.c_str();
}

std::string FakeReadFile(const std::string& path) {
  auto it = g_files.find(path);
  return it == g_files.end() ? std::string() : it->second;
}

TEST_CASE("config text parses key = value lines", "[config]") {
  auto parsed = ParseConfigText("# vgpu\nserver = gpu-host:50051  # the GPU box\n\ntoken=abc\n");
  REQUIRE(parsed.ok());
  CHECK(parsed->at("server") == "gpu-host:50051");
  CHECK(parsed->at("token") == "abc");
  CHECK_FALSE(ParseConfigText("server gpu-host").ok());
  CHECK_FALSE(ParseConfigText(" = value").ok());
}

TEST_CASE("environment beats the file, which beats the default", "[config]") {
  g_env.clear();
  g_files.clear();
  ClientConfig config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.server == "127.0.0.1:50051");
  CHECK(config.connect_timeout_ms == 2000);

  g_files["/etc/vgpu/client.conf"] = "server = 10.1.2.3:6000\nconnect_timeout_ms = 500\n";
  config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.server == "10.1.2.3:6000");
  CHECK(config.connect_timeout_ms == 500);
  CHECK(config.source == "/etc/vgpu/client.conf");

  g_env["VGPU_SERVER"] = "gpu:7000";
  g_env["VGPU_CONNECT_TIMEOUT_MS"] = "250";
  config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.server == "gpu:7000");
  CHECK(config.connect_timeout_ms == 250);

  g_env.clear();
  g_env["VGPU_CONFIG"] = "/tmp/other.conf";
  g_files["/tmp/other.conf"] = "server = other:1\n";
  CHECK(LoadClientConfig(FakeGetenv, FakeReadFile).server == "other:1");
}

TEST_CASE("a broken config file is ignored, not fatal", "[config]") {
  g_env.clear();
  g_files.clear();
  g_files["/etc/vgpu/client.conf"] = "this is not a config\n";
  CHECK(LoadClientConfig(FakeGetenv, FakeReadFile).server == "127.0.0.1:50051");
  g_env["VGPU_CONNECT_TIMEOUT_MS"] = "soon";
  CHECK(LoadClientConfig(FakeGetenv, FakeReadFile).connect_timeout_ms == 2000);
}

TEST_CASE("token and TLS settings come from the file, the environment overrides them", "[config][security]") {
  g_env.clear();
  g_files.clear();
  ClientConfig config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.token.empty());
  CHECK_FALSE(config.tls);
  CHECK(config.error.empty());

  g_files["/etc/vgpu/client.conf"] =
      "token_file = /etc/vgpu/token\ntls_ca = /etc/vgpu/server-ca.crt\ntls_server_name = gpu-host\n";
  g_files["/etc/vgpu/token"] = "\n  s3cret-token quota_mib=100\n";
  config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.token == "s3cret-token");
  CHECK(config.tls);
  CHECK(config.tls_ca == "/etc/vgpu/server-ca.crt");
  CHECK(config.tls_server_name == "gpu-host");
  CHECK(config.error.empty());

  g_env["VGPU_TOKEN"] = "from-env";
  g_env["VGPU_TLS_CA"] = "/tmp/ca.pem";
  g_env["VGPU_TLS_CERT"] = "/tmp/client.pem";
  g_env["VGPU_TLS_KEY"] = "/tmp/client.key";
  config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.token == "from-env");
  CHECK(config.tls_ca == "/tmp/ca.pem");
  CHECK(config.tls_cert == "/tmp/client.pem");
  CHECK(config.tls_key == "/tmp/client.key");
  CHECK(config.error.empty());

  g_env.clear();
  g_files["/etc/vgpu/client.conf"] = "token = inline\ntoken_file = /etc/vgpu/token\ntls = on\n";
  config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK(config.token == "inline");  // token wins over token_file
  CHECK(config.tls);
  CHECK(config.tls_ca.empty());     // TLS with the system's roots
}

TEST_CASE("settings that cannot work make cuInit fail with a reason", "[config][security]") {
  g_env.clear();
  g_files.clear();
  g_files["/etc/vgpu/client.conf"] = "token_file = /etc/vgpu/missing\n";
  ClientConfig config = LoadClientConfig(FakeGetenv, FakeReadFile);
  CHECK_THAT(config.error, Catch::Contains("/etc/vgpu/missing"));

  g_env["VGPU_TOKEN"] = "fine";  // the environment's token replaces the unreadable file's
  CHECK(LoadClientConfig(FakeGetenv, FakeReadFile).error.empty());

  g_env.clear();
  g_files.clear();
  g_env["VGPU_TLS_CERT"] = "/tmp/client.pem";
  CHECK_THAT(LoadClientConfig(FakeGetenv, FakeReadFile).error, Catch::Contains("go together"));

  g_env.clear();
  g_env["VGPU_TOKEN"] = "two words";
  CHECK_THAT(LoadClientConfig(FakeGetenv, FakeReadFile).error, Catch::Contains("printable ASCII"));
}

TEST_CASE("a token file's first word is the token", "[config][security]") {
  CHECK(TokenFromFileText("abc\n") == "abc");
  CHECK(TokenFromFileText("  abc quota_mib=5\nsecond\n") == "abc");
  CHECK(TokenFromFileText("") == "");
  CHECK(TokenFromFileText("# comment\n") == "");
  CHECK(TokenFromFileText("# vgpu token\n\nxyz # the CI box\n") == "xyz");
}

}  // namespace
}  // namespace vgpu::cu
