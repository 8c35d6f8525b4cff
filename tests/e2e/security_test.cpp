// Transport security end to end: TLS, mutual TLS, tokens, and the rule that
// a non-loopback listener needs TLS and a token unless --insecure is given.
// Certificates are made by `openssl` at test time.
#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>

#include "proto/protocol.h"
#include "proto/vgpu.grpc.pb.h"
#include "tests/e2e/harness/server_process.h"
#include "tests/e2e/harness/test_certificates.h"

namespace vgpu::test {
namespace {

constexpr const char* kToken = "e2e-token-4f1c9a7d2b";

std::unique_ptr<TestCertificates> Certificates() {
  auto certificates = TestCertificates::Generate();
  if (!certificates) WARN("openssl is missing or failed: TLS scenarios skipped");
  return certificates;
}

std::unique_ptr<ServerProcess> StartServer(const std::vector<std::string>& args,
                                           const std::string& listen_host = "127.0.0.1") {
  auto server = ServerProcess::Start(args, listen_host);
  REQUIRE(server);
  return server;
}

// The memsets scenario: cuInit (Hello), then calls on the session stream.
ProgramResult RunClient(const ServerProcess& server, std::map<std::string, std::string> env) {
  env["VGPU_SERVER"] = server.address();
  env["VGPU_LOG"] = "warn";
  env["VGPU_CONFIG"] = "/nonexistent/client.conf";  // only what the test sets
  ProgramResult result = RunProgram(ProgramDir() + "/driver_api", {"memsets"}, env, 60);
  INFO(result.output);
  return result;
}

void ExpectRuns(const ServerProcess& server, std::map<std::string, std::string> env) {
  ProgramResult result = RunClient(server, std::move(env));
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

// cuInit fails as with no server (CUDA_ERROR_NO_DEVICE), promptly rather
// than at the harness's kill, and the client's log says why.
void ExpectRefused(const ServerProcess& server, std::map<std::string, std::string> env, const std::string& why) {
  ProgramResult result = RunClient(server, std::move(env));
  INFO(result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.exit_code != -1);  // not killed by the timeout: it did not hang
  CHECK_THAT(result.output, Catch::Contains("CUDA_ERROR_NO_DEVICE"));
  CHECK_THAT(result.output, Catch::Contains(why));
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

TEST_CASE("TLS: a client that trusts the server's CA works, one that trusts another CA is refused",
          "[e2e][security]") {
  auto certificates = Certificates();
  if (!certificates) return;
  auto server = StartServer({"--tls-cert", certificates->server_cert(), "--tls-key", certificates->server_key()});
  SECTION("the server's CA") { ExpectRuns(*server, {{"VGPU_TLS_CA", certificates->ca()}}); }
  SECTION("another CA") {
    ExpectRefused(*server, {{"VGPU_TLS_CA", certificates->other_ca()}}, "certificate verify failed");
  }
  SECTION("no TLS at all") { ExpectRefused(*server, {}, "if the server uses TLS, set tls_ca"); }
  SECTION("a CA file that does not exist") {
    ExpectRefused(*server, {{"VGPU_TLS_CA", certificates->dir() + "/missing.crt"}}, "cannot read the TLS CA");
  }
  SECTION("the server's name checked against another name") {
    ExpectRefused(*server, {{"VGPU_TLS_CA", certificates->ca()}, {"VGPU_TLS_SERVER_NAME", "gpu.example"}},
                  "no vgpu-server answered");
  }
}

TEST_CASE("a TLS client and a plaintext server do not talk", "[e2e][security]") {
  auto certificates = Certificates();
  if (!certificates) return;
  auto server = StartServer({});
  ExpectRefused(*server, {{"VGPU_TLS_CA", certificates->ca()}}, "the server does not speak TLS");
}

TEST_CASE("mutual TLS: a client without a certificate the CA signed is refused", "[e2e][security]") {
  auto certificates = Certificates();
  if (!certificates) return;
  auto server = StartServer({"--tls-cert", certificates->server_cert(), "--tls-key", certificates->server_key(),
                             "--tls-ca", certificates->ca()});
  SECTION("with its certificate") {
    ExpectRuns(*server, {{"VGPU_TLS_CA", certificates->ca()},
                         {"VGPU_TLS_CERT", certificates->client_cert()},
                         {"VGPU_TLS_KEY", certificates->client_key()}});
  }
  SECTION("without one") {
    ExpectRefused(*server, {{"VGPU_TLS_CA", certificates->ca()}}, "tls_cert/tls_key if the server requires");
  }
  SECTION("with a certificate another CA signed") {
    // other-ca.crt is self-signed by other-ca.key: a certificate ca.crt did not sign.
    ExpectRefused(*server,
                  {{"VGPU_TLS_CA", certificates->ca()},
                   {"VGPU_TLS_CERT", certificates->other_ca()},
                   {"VGPU_TLS_KEY", certificates->dir() + "/other-ca.key"}},
                  "no vgpu-server answered");
  }
}

TEST_CASE("tokens: the right one works; a wrong or missing one is refused with UNAUTHENTICATED", "[e2e][security]") {
  auto certificates = Certificates();
  if (!certificates) return;
  std::string tokens = certificates->WriteFile("tokens", std::string("# e2e\nother-token-0000\n") + kToken +
                                                              " quota_mib=256\n");
  auto server = StartServer({"--token-file", tokens});
  SECTION("VGPU_TOKEN") { ExpectRuns(*server, {{"VGPU_TOKEN", kToken}}); }
  SECTION("token_file in client.conf") {
    std::string token_file = certificates->WriteFile("client-token", std::string(kToken) + "\n");
    std::string conf = certificates->WriteFile("client.conf", "token_file = " + token_file + "\n");
    ProgramResult result = RunProgram(ProgramDir() + "/driver_api", {"memsets"},
                                      {{"VGPU_SERVER", server->address()}, {"VGPU_CONFIG", conf}}, 60);
    INFO(result.output);
    CHECK(result.exit_code == 0);
  }
  SECTION("a wrong token") {
    ExpectRefused(*server, {{"VGPU_TOKEN", "not-the-token"}}, "vgpu-server does not accept this token");
  }
  SECTION("a prefix of the token") {
    ExpectRefused(*server, {{"VGPU_TOKEN", std::string(kToken).substr(0, 8)}}, "does not accept this token");
  }
  SECTION("no token") { ExpectRefused(*server, {}, "vgpu-server requires a token"); }
}

// A client that passes Hello still needs the token on the session stream.
TEST_CASE("the session stream checks the token too", "[e2e][security]") {
  auto certificates = Certificates();
  if (!certificates) return;
  std::string tokens = certificates->WriteFile("tokens", std::string(kToken) + "\n");
  auto server = StartServer({"--tls-cert", certificates->server_cert(), "--tls-key", certificates->server_key(),
                             "--token-file", tokens});
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(certificates->ca());
  auto channel = grpc::CreateChannel(server->address(), grpc::SslCredentials(ssl));
  auto stub = wire::Vgpu::NewStub(channel);
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(30); };

  // Hello with the token in HelloRequest.token (no metadata) is accepted.
  {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    wire::HelloRequest request;
    request.set_protocol_version(wire::kProtocolVersion);
    request.set_token(kToken);
    wire::HelloReply reply;
    grpc::Status status = stub->Hello(&context, request, &reply);
    INFO(status.error_message());
    CHECK(status.ok());
  }
  for (std::string token : {std::string(), std::string("wrong-token")}) {
    INFO("token '" << token << "'");
    grpc::ClientContext context;
    context.set_deadline(deadline());
    context.AddMetadata(wire::kProtocolMetadataKey, std::to_string(wire::kProtocolVersion));
    if (!token.empty()) context.AddMetadata(wire::kTokenMetadataKey, token);
    auto stream = stub->Session(&context);
    wire::ReplyBatch batch;
    CHECK_FALSE(stream->Read(&batch));
    grpc::Status status = stream->Finish();
    CHECK(status.error_code() == grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_CASE("a non-loopback listener needs TLS and a token, or --insecure", "[e2e][security]") {
  std::string listen = "0.0.0.0:" + std::to_string(FreePort());
  SECTION("refused without them") {
    ProgramResult result =
        RunProgram(ServerBinary(), {"--backend", "emu", "--listen", listen, "--emu-memory-gib", "0.25"}, {}, 60);
    INFO(result.output);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("refusing to listen on " + listen + " without TLS and a token") &&
                                  Catch::Contains("--insecure"));
  }
  SECTION("refused with TLS but no token") {
    auto certificates = Certificates();
    if (!certificates) return;
    ProgramResult result = RunProgram(ServerBinary(),
                                      {"--backend", "emu", "--listen", listen, "--tls-cert",
                                       certificates->server_cert(), "--tls-key", certificates->server_key()},
                                      {}, 60);
    INFO(result.output);
    CHECK(result.exit_code == 1);
    CHECK_THAT(result.output, Catch::Contains("without a token"));
  }
  SECTION("accepted with --insecure") {
    auto server = StartServer({"--insecure"}, "0.0.0.0");
    ExpectRuns(*server, {});
  }
  SECTION("accepted with TLS and a token") {
    auto certificates = Certificates();
    if (!certificates) return;
    std::string tokens = certificates->WriteFile("tokens", std::string(kToken) + "\n");
    auto server = StartServer({"--tls-cert", certificates->server_cert(), "--tls-key", certificates->server_key(),
                               "--token-file", tokens},
                              "0.0.0.0");
    ExpectRuns(*server, {{"VGPU_TLS_CA", certificates->ca()}, {"VGPU_TOKEN", kToken}});
  }
}

}  // namespace
}  // namespace vgpu::test
