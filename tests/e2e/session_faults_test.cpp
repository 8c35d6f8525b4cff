// No client call waits without a bound, and no client can grow the server
// without bound: a stopped server (call deadline, keepalive), a partitioned
// network (a proxy that stops forwarding), a reply the client cannot parse,
// and a client that reads none of its replies.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include "proto/protocol.h"
#include "proto/vgpu.grpc.pb.h"
#include "tests/e2e/harness/server_process.h"

namespace vgpu::test {
namespace {

std::string Program() { return ProgramDir() + "/session_faults"; }

// A scratch folder for the ready/go files the program and the test share.
class Scratch {
 public:
  Scratch() {
    char pattern[] = "/tmp/vgpu-faults-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~Scratch() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void Touch(const std::string& path) { std::ofstream(path).put('\n'); }

void AwaitFile(const std::string& path, std::future<ProgramResult>& program) {
  // Ends early if the program died before getting there.
  while (!std::filesystem::exists(path)) {
    if (program.wait_for(std::chrono::milliseconds(20)) == std::future_status::ready) return;
  }
}

// Runs `session_faults lost`, breaks the server with `breaker` once the
// program is connected, and returns what the program saw.
ProgramResult RunLost(const std::string& address, std::map<std::string, std::string> env,
                      const std::function<void()>& breaker) {
  Scratch scratch;
  env["VGPU_SERVER"] = address;
  auto program = std::async(std::launch::async, [&] {
    return RunProgram(Program(), {"lost", scratch.File("ready"), scratch.File("go")}, env, 300);
  });
  AwaitFile(scratch.File("ready"), program);
  breaker();
  Touch(scratch.File("go"));
  ProgramResult result = program.get();
  INFO(result.output);
  return result;
}

TEST_CASE("a stopped server fails a waiting call at its deadline", "[e2e][session]") {
  auto server = ServerProcess::Start();
  REQUIRE(server);
  // Keepalive is out of the way (an hour): only the call deadline can end it.
  ProgramResult result = RunLost(server->address(),
                                 {{"VGPU_CALL_TIMEOUT_MS", "2000"}, {"VGPU_KEEPALIVE_TIME_MS", "3600000"}},
                                 [&] { kill(server->pid(), SIGSTOP); });
  kill(server->pid(), SIGCONT);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

TEST_CASE("a stopped server is found by keepalive when calls may wait long", "[e2e][session]") {
  auto server = ServerProcess::Start();
  REQUIRE(server);
  ProgramResult result = RunLost(server->address(),
                                 {{"VGPU_KEEPALIVE_TIME_MS", "6000"}, {"VGPU_KEEPALIVE_TIMEOUT_MS", "1000"}},
                                 [&] { kill(server->pid(), SIGSTOP); });
  kill(server->pid(), SIGCONT);
  INFO(result.output);
  CHECK(result.exit_code == 0);
}

// Forwards TCP between a client and `upstream` until Stall(), after which
// it keeps both connections open and moves no more bytes: a partition.
class StallingProxy {
 public:
  explicit StallingProxy(int upstream_port) : upstream_port_(upstream_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    socklen_t length = sizeof(addr);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &length);
    port_ = ntohs(addr.sin_port);
    REQUIRE(listen(listener_, 8) == 0);
    thread_ = std::thread([this] { Run(); });
  }
  ~StallingProxy() {
    stop_ = true;
    thread_.join();
    for (int fd : fds_) close(fd);
    close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Stall() { stalled_ = true; }

 private:
  int Dial() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  void Run() {
    std::vector<std::pair<int, int>> pairs;  // (from, to), both directions
    while (!stop_) {
      std::vector<pollfd> polled{{listener_, POLLIN, 0}};
      if (!stalled_) {
        for (auto [from, to] : pairs) polled.push_back({from, POLLIN, 0});
      }
      if (poll(polled.data(), polled.size(), 50) <= 0) continue;
      if (polled[0].revents & POLLIN) {
        int client = accept(listener_, nullptr, nullptr);
        int server = client >= 0 ? Dial() : -1;
        if (server >= 0) {
          pairs.push_back({client, server});
          pairs.push_back({server, client});
          fds_.push_back(client);
          fds_.push_back(server);
        } else if (client >= 0) {
          close(client);
        }
      }
      for (size_t i = 1; i < polled.size(); ++i) {
        if (!(polled[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        auto [from, to] = pairs[i - 1];
        char buffer[65536];
        ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0) continue;  // closed: leave it; the test ends soon
        for (ssize_t sent = 0; sent < n;) {
          ssize_t w = write(to, buffer + sent, static_cast<size_t>(n - sent));
          if (w <= 0) break;
          sent += w;
        }
      }
    }
  }

  int upstream_port_;
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fds_;
  std::atomic<bool> stalled_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int PortOf(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

TEST_CASE("a partitioned network is found by keepalive", "[e2e][session]") {
  auto server = ServerProcess::Start();
  REQUIRE(server);
  StallingProxy proxy(PortOf(server->address()));
  ProgramResult result = RunLost(proxy.address(),
                                 {{"VGPU_KEEPALIVE_TIME_MS", "6000"}, {"VGPU_KEEPALIVE_TIMEOUT_MS", "1000"}},
                                 [&] { proxy.Stall(); });
  CHECK(result.exit_code == 0);
}

// A live server that takes every call and answers none (a GPU that never
// finishes): its transport answers pings, so only the call deadline helps.
class SilentService final : public wire::Vgpu::Service {
 public:
  explicit SilentService(wire::HelloReply hello) : hello_(std::move(hello)) {}
  grpc::Status Hello(grpc::ServerContext*, const wire::HelloRequest*, wire::HelloReply* reply) override {
    *reply = hello_;
    return grpc::Status::OK;
  }
  grpc::Status Session(grpc::ServerContext*,
                       grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream) override {
    wire::CallBatch batch;
    while (stream->Read(&batch)) {
    }
    return grpc::Status::OK;
  }

 private:
  wire::HelloReply hello_;
};

// A real inventory for Hello, from a real server.
wire::HelloReply RealHello() {
  wire::HelloReply hello;
  auto server = ServerProcess::Start();
  REQUIRE(server);
  auto stub = wire::Vgpu::NewStub(grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  wire::HelloRequest request;
  request.set_protocol_version(wire::kProtocolVersion);
  REQUIRE(stub->Hello(&context, request, &hello).ok());
  return hello;
}

// Runs `service` on a loopback port for the length of `body(address)`.
void WithService(grpc::Service& service, const std::function<void(const std::string&)>& body) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  REQUIRE(server);
  body("127.0.0.1:" + std::to_string(port));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

TEST_CASE("a live server that never answers fails the call at its deadline", "[e2e][session]") {
  SilentService service(RealHello());
  WithService(service, [](const std::string& address) {
    ProgramResult result = RunProgram(Program(), {"no-answer"},
                                      {{"VGPU_SERVER", address}, {"VGPU_CALL_TIMEOUT_MS", "2000"}}, 120);
    INFO(result.output);
    CHECK(result.exit_code == 0);
  });
}

// A server that answers every call with a reply whose message is not
// UTF-8, which the client's protobuf refuses to parse. The stream stays
// open: only the client can end the session.
class BadReplyService final : public wire::Vgpu::Service {
 public:
  explicit BadReplyService(wire::HelloReply hello) : hello_(std::move(hello)) {}
  grpc::Status Hello(grpc::ServerContext*, const wire::HelloRequest*, wire::HelloReply* reply) override {
    *reply = hello_;
    return grpc::Status::OK;
  }
  grpc::Status Session(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream) override {
    wire::CallBatch batch;
    while (stream->Read(&batch)) {
      wire::ReplyBatch replies;
      for (const auto& call : batch.calls()) {
        if (!call.want_reply()) continue;
        auto* reply = replies.add_replies();
        reply->set_seq(call.seq());
        reply->set_result(1);
        reply->set_message("bad byte \xff here");
      }
      if (replies.replies_size() > 0) stream->Write(replies);
    }
    while (!context->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return grpc::Status::OK;
  }

 private:
  wire::HelloReply hello_;
};

TEST_CASE("a reply the client cannot parse ends the session at once", "[e2e][session]") {
  BadReplyService service(RealHello());
  WithService(service, [](const std::string& address) {
    // Neither the deadline nor keepalive may be what ends it.
    ProgramResult result = RunProgram(Program(), {"no-answer"},
                                      {{"VGPU_SERVER", address},
                                       {"VGPU_CALL_TIMEOUT_MS", "3600000"},
                                       {"VGPU_KEEPALIVE_TIME_MS", "3600000"}},
                                      120);
    INFO(result.output);
    CHECK(result.exit_code == 0);
  });
}

// Resident memory of a process, from /proc.
uint64_t RssBytes(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

TEST_CASE("a client that reads no replies cannot grow the server", "[e2e][memory]") {
  auto server = ServerProcess::Start();
  REQUIRE(server);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(server->address(), grpc::InsecureChannelCredentials(), args);
  auto stub = wire::Vgpu::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata(wire::kProtocolMetadataKey, std::to_string(wire::kProtocolVersion));
  auto stream = stub->Session(&context);
  REQUIRE(stream);

  constexpr uint64_t kCopyBytes = 64ull << 20;
  constexpr int kCopies = 40;  // 2.5 GiB of replies if the server kept them all
  uint64_t seq = 0;
  auto next = [&](bool want_reply) {
    wire::Call call;
    call.set_seq(++seq);
    call.set_want_reply(want_reply);
    return call;
  };
  {
    wire::CallBatch batch;
    auto* create = batch.add_calls();
    *create = next(false);
    create->mutable_ctx_create()->set_ctx(1);
    auto* alloc = batch.add_calls();
    *alloc = next(true);
    alloc->mutable_mem_alloc()->set_ctx(1);
    alloc->mutable_mem_alloc()->set_bytesize(kCopyBytes);
    REQUIRE(stream->Write(batch));
  }
  wire::ReplyBatch replies;
  REQUIRE(stream->Read(&replies));
  REQUIRE(replies.replies_size() == 1);
  REQUIRE(replies.replies(0).result() == 0);
  uint64_t dptr = replies.replies(0).mem_alloc().dptr();
  // Fill the allocation, so copies of it are real bytes.
  for (uint64_t offset = 0; offset < kCopyBytes; offset += wire::kCopyChunkBytes) {
    wire::CallBatch batch;
    auto* copy = batch.add_calls();
    *copy = next(false);
    copy->mutable_memcpy_htod()->set_ctx(1);
    copy->mutable_memcpy_htod()->set_dst(dptr + offset);
    copy->mutable_memcpy_htod()->set_data(std::string(wire::kCopyChunkBytes, 'v'));
    REQUIRE(stream->Write(batch));
  }
  const uint64_t baseline = RssBytes(server->pid());

  for (int i = 0; i < kCopies; ++i) {
    wire::CallBatch batch;
    auto* copy = batch.add_calls();
    *copy = next(true);
    copy->mutable_memcpy_dtoh()->set_ctx(1);
    copy->mutable_memcpy_dtoh()->set_src(dptr);
    copy->mutable_memcpy_dtoh()->set_bytesize(kCopyBytes);
    REQUIRE(stream->Write(batch));
  }
  // Give the server every chance to run ahead: sample while not reading,
  // then while reading every reply.
  uint64_t peak = baseline;
  for (int sample = 0; sample < 40; ++sample) {
    peak = std::max(peak, RssBytes(server->pid()));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int copies_back = 0;
  while (copies_back < kCopies && stream->Read(&replies)) {
    for (const auto& reply : replies.replies()) {
      CHECK(reply.result() == 0);
      CHECK(reply.memcpy_dtoh().data().size() == kCopyBytes);
      ++copies_back;
    }
    peak = std::max(peak, RssBytes(server->pid()));
  }
  CHECK(copies_back == kCopies);
  stream->WritesDone();
  (void)stream->Finish();

  // The budget of unwritten replies (64 MiB) plus one more reply, the batch
  // in gRPC's hands and the device copy being made: well under 512 MiB.
  // Without back-pressure the server holds all 40 replies (2.5 GiB).
  INFO("baseline " << (baseline >> 20) << " MiB, peak " << (peak >> 20) << " MiB");
  CHECK(peak - baseline < (512ull << 20));
}

TEST_CASE("a message over the size limit is refused before it is buffered in full", "[e2e][memory]") {
  auto server = ServerProcess::Start();
  REQUIRE(server);
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(server->address(), grpc::InsecureChannelCredentials(), args);
  auto stub = wire::Vgpu::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata(wire::kProtocolMetadataKey, std::to_string(wire::kProtocolVersion));
  auto stream = stub->Session(&context);
  REQUIRE(stream);
  const uint64_t baseline = RssBytes(server->pid());
  std::atomic<uint64_t> peak{baseline};
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max<uint64_t>(peak, RssBytes(server->pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  constexpr uint64_t kMessageBytes = 1ull << 30;  // 4 x kMaxMessageBytes
  {
    wire::CallBatch batch;
    auto* copy = batch.add_calls();
    copy->set_seq(1);
    copy->mutable_memcpy_htod()->set_ctx(1);
    copy->mutable_memcpy_htod()->set_data(std::string(kMessageBytes, 'v'));
    (void)stream->Write(batch);
  }
  grpc::Status status = stream->Finish();
  done = true;
  sampler.join();
  CHECK_FALSE(status.ok());
  // The server's transport quota is 2 x kMaxMessageBytes (512 MiB); without
  // it the whole gibibyte is buffered before the size check refuses it.
  INFO("status " << status.error_message() << "; baseline " << (baseline >> 20) << " MiB, peak " << (peak >> 20)
                 << " MiB");
  CHECK(peak - baseline < (768ull << 20));
}

}  // namespace
}  // namespace vgpu::test
