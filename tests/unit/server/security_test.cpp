#include "server/security.h"

#include <catch2/catch.hpp>

namespace vgpu::server {
namespace {

TEST_CASE("loopback listeners are recognised", "[security]") {
  for (const char* address : {"127.0.0.1:50051", "127.1.2.3:1", "localhost:50051", "[::1]:50051",
                              "ipv4:127.0.0.1:9", "unix:/run/vgpu.sock"}) {
    INFO(address);
    CHECK(IsLoopbackAddress(address));
  }
  for (const char* address : {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:50051", "gpu-host:50051", "127.0.0:1",
                              "127.0.0.256:1", "127.0.0.1.5:1", "1270.0.0.1:1", "[::1:50051", ":50051"}) {
    INFO(address);
    CHECK_FALSE(IsLoopbackAddress(address));
  }
}

TEST_CASE("a non-loopback listener needs TLS and a token, or --insecure", "[security]") {
  SecurityOptions options;
  auto refused = ConfigureSecurity(options, "0.0.0.0:50051");
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(),
             Catch::Contains("refusing to listen on 0.0.0.0:50051 without TLS and a token") &&
                 Catch::Contains("--insecure"));
  CHECK(ConfigureSecurity(options, "127.0.0.1:50051").ok());
  options.insecure = true;
  auto allowed = ConfigureSecurity(options, "0.0.0.0:50051");
  REQUIRE(allowed.ok());
  CHECK_FALSE(allowed->tls);
  CHECK(allowed->tokens.empty());
}

TEST_CASE("TLS options are checked before anything listens", "[security]") {
  SecurityOptions options;
  options.tls_cert = "/nonexistent/server.crt";
  CHECK_THAT(ConfigureSecurity(options, "127.0.0.1:1").status().message(), Catch::Contains("go together"));
  options.tls_key = "/nonexistent/server.key";
  CHECK_THAT(ConfigureSecurity(options, "127.0.0.1:1").status().message(),
             Catch::Contains("cannot read TLS certificate /nonexistent/server.crt"));
  SecurityOptions ca_only;
  ca_only.tls_ca = "/nonexistent/ca.crt";
  CHECK_THAT(ConfigureSecurity(ca_only, "127.0.0.1:1").status().message(), Catch::Contains("needs --tls-cert"));
}

}  // namespace
}  // namespace vgpu::server
