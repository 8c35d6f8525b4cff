#include "libcuda/session.h"

#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/log.h"
#include "libcuda/config.h"
#include "libcuda/device_output.h"
#include "libcuda/statistics.h"
#include "proto/protocol.h"
#include "proto/vgpu.grpc.pb.h"

namespace vgpu::cu {
namespace {

// Unflushed calls beyond this many bytes are sent without waiting for a
// synchronizing call, so memory stays bounded.
constexpr size_t kFlushBytes = 1 << 20;
// Queued calls nobody waits for are sent after at most this long, so the
// GPU starts on them while the application does other work before its next
// synchronizing call. Short enough to keep overlap, long enough that a burst
// of launches still leaves as one batch.
constexpr auto kFlushDelay = std::chrono::microseconds(200);

class GrpcSession final : public Session {
 public:
  GrpcSession(ClientConfig config, std::shared_ptr<grpc::Channel> channel, wire::HelloReply hello)
      : config_(std::move(config)), channel_(std::move(channel)), stub_(wire::Vgpu::NewStub(channel_)),
        hello_(std::move(hello)) {}

  Status Start() {
    context_.AddMetadata(wire::kProtocolMetadataKey, std::to_string(wire::kProtocolVersion));
    if (!config_.token.empty()) context_.AddMetadata(wire::kTokenMetadataKey, config_.token);
    stream_ = stub_->Session(&context_);
    if (!stream_) return Status(Code::kNoDevice, "cannot open a session with vgpu-server at " + config_.server);
    reader_ = std::thread([this] { ReadReplies(); });
    flusher_ = std::thread([this] { FlushLater(); });
    watchdog_ = std::thread([this] { Watch(); });
    return Status();
  }

  // At process exit: send what is queued, then close the stream, without
  // waiting long for a server that no longer answers.
  void Shutdown() {
    {
      std::lock_guard lock(mutex_);
      shutting_down_ = true;
    }
    flush_wanted_.notify_all();
    if (flusher_.joinable()) flusher_.join();
    {
      std::lock_guard write_lock(write_mutex_);
      std::unique_lock lock(mutex_);
      if (!dead_) {
        FlushLocked(lock);
        if (!dead_) stream_->WritesDone();
      }
    }
    {
      std::unique_lock lock(mutex_);
      if (!changed_.wait_for(lock, std::chrono::seconds(2), [this] { return reader_done_; })) {
        context_.TryCancel();
      }
    }
    if (reader_.joinable()) reader_.join();
    {
      std::lock_guard lock(mutex_);
      watch_stop_ = true;
    }
    watch_.notify_all();
    if (watchdog_.joinable()) watchdog_.join();
  }

  const wire::HelloReply& hello() const override { return hello_; }

  Result<std::unique_ptr<wire::Reply>> Call(wire::Call call) override {
    CountRoundTrip(static_cast<int>(call.op_case()));
    call.set_want_reply(true);
    Waiter waiter;
    waiter.deadline = Deadline();
    waiter.op = static_cast<int>(call.op_case());
    uint64_t seq = 0;
    {
      std::lock_guard write_lock(write_mutex_);
      std::unique_lock lock(mutex_);
      if (dead_) return dead_status_;
      seq = Enqueue(std::move(call));
      waiters_[seq] = &waiter;
      watch_.notify_all();
      FlushLocked(lock);
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiter.done || dead_; });
    if (!waiter.done) {
      waiters_.erase(seq);  // nothing may deliver into this frame later
      return dead_status_;
    }
    if (waiter.reply->result() != 0) {
      return Status(static_cast<Code>(waiter.reply->result()), waiter.reply->message());
    }
    return std::move(waiter.reply);
  }

  Status Post(wire::Call call) override {
    const int op = static_cast<int>(call.op_case());
    call.set_want_reply(false);
    Status queued = Queue(std::move(call), nullptr);
    if (queued.ok()) CountPosted(op);  // once queued: see statistics.h
    return queued;
  }

  Status PostLanding(wire::Call call, void* dst, size_t size, std::shared_ptr<CopyStatus> status) override {
    Statistics().landings.fetch_add(1, std::memory_order_relaxed);
    call.set_want_reply(true);
    Landing landing{static_cast<uint8_t*>(dst), size, std::move(status), nullptr};
    return Queue(std::move(call), &landing);
  }

  Status PostWithHandler(wire::Call call, ReplyHandler on_reply) override {
    Statistics().landings.fetch_add(1, std::memory_order_relaxed);
    call.set_want_reply(true);
    Landing landing{nullptr, 0, nullptr, std::move(on_reply)};
    return Queue(std::move(call), &landing);
  }

  Status Health() override {
    std::lock_guard lock(mutex_);
    return dead_ ? dead_status_ : Status();
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiter {
    bool done = false;
    std::unique_ptr<wire::Reply> reply;
    Clock::time_point deadline;  // the session is lost if no reply by then
    int op = 0;                  // for the message
  };
  struct Landing {
    uint8_t* dst;
    size_t size;
    std::shared_ptr<CopyStatus> status;
    ReplyHandler handler;  // set instead of dst/status by PostWithHandler
  };

  Status Queue(wire::Call call, Landing* landing) {
    std::unique_lock lock(mutex_);
    if (dead_) return dead_status_;
    uint64_t seq = Enqueue(std::move(call));
    if (landing) landings_[seq] = std::move(*landing);
    if (pending_.calls_size() == 1) flush_wanted_.notify_one();
    if (pending_bytes_ < kFlushBytes) return Status();
    lock.unlock();
    std::lock_guard write_lock(write_mutex_);
    lock.lock();
    FlushLocked(lock);
    return dead_ ? dead_status_ : Status();
  }

  // mutex_ held.
  uint64_t Enqueue(wire::Call call) {
    uint64_t seq = ++next_seq_;
    call.set_seq(seq);
    pending_bytes_ += call.ByteSizeLong();
    *pending_.add_calls() = std::move(call);
    return seq;
  }

  // write_mutex_ and mutex_ held; releases mutex_ while writing, so replies
  // keep flowing, and holds write_mutex_ so batches go out in order.
  void FlushLocked(std::unique_lock<std::mutex>& lock) {
    if (pending_.calls_size() == 0 || dead_) return;
    wire::CallBatch batch;
    batch.Swap(&pending_);
    Statistics().batches.fetch_add(1, std::memory_order_relaxed);
    Statistics().bytes.fetch_add(pending_bytes_, std::memory_order_relaxed);
    pending_bytes_ = 0;
    write_deadline_ = Deadline();
    writing_ = true;
    watch_.notify_all();
    lock.unlock();
    bool written = stream_->Write(batch);
    lock.lock();
    writing_ = false;
    if (!written) MarkDead("the stream to vgpu-server closed");
  }

  Clock::time_point Deadline() const { return Clock::now() + std::chrono::milliseconds(config_.call_timeout_ms); }

  // Bounds every wait on the server: a reply that does not come, or a batch
  // the server does not take, within call_timeout_ms ends the session (a
  // stream whose state is unknown cannot be resumed). Cancelling the call
  // also wakes a Write or Read blocked inside gRPC. Dead or unreachable
  // servers are usually found sooner, by keepalive.
  void Watch() {
    std::unique_lock lock(mutex_);
    while (!watch_stop_ && !dead_) {
      Clock::time_point now = Clock::now();
      Clock::time_point next = now + std::chrono::hours(1);
      std::string expired;
      for (const auto& [seq, waiter] : waiters_) {
        if (waiter->deadline <= now) {
          expired = "no reply to call " + std::to_string(seq) + " (op " + std::to_string(waiter->op) + ") within " +
                    std::to_string(config_.call_timeout_ms) + " ms (call_timeout_ms)";
          break;
        }
        next = std::min(next, waiter->deadline);
      }
      if (expired.empty() && writing_) {
        if (write_deadline_ <= now) {
          expired = "vgpu-server took no calls for " + std::to_string(config_.call_timeout_ms) +
                    " ms (call_timeout_ms)";
        } else {
          next = std::min(next, write_deadline_);
        }
      }
      if (!expired.empty()) {
        MarkDead(expired);
        lock.unlock();
        context_.TryCancel();
        return;
      }
      watch_.wait_until(lock, next);
    }
  }

  // Sends queued calls that no synchronizing call has sent after kFlushDelay.
  void FlushLater() {
    std::unique_lock lock(mutex_);
    while (!shutting_down_ && !dead_) {
      flush_wanted_.wait(lock, [this] { return shutting_down_ || dead_ || pending_.calls_size() > 0; });
      if (shutting_down_ || dead_) return;
      flush_wanted_.wait_for(lock, kFlushDelay, [this] { return shutting_down_ || dead_; });
      if (shutting_down_ || dead_) return;
      if (pending_.calls_size() == 0) continue;
      lock.unlock();
      {
        std::lock_guard write_lock(write_mutex_);
        std::unique_lock flush_lock(mutex_);
        FlushLocked(flush_lock);
      }
      lock.lock();
    }
  }

  void ReadReplies() {
    wire::ReplyBatch batch;
    while (stream_->Read(&batch)) {
      for (auto& reply : *batch.mutable_replies()) Deliver(reply);
    }
    // Read also fails on a reply this side cannot parse while the server
    // keeps the stream open; Finish() would then wait forever for a status.
    context_.TryCancel();
    grpc::Status status = stream_->Finish();
    std::lock_guard lock(mutex_);
    MarkDead(status.ok() ? "vgpu-server ended the session" : status.error_message());
    reader_done_ = true;
    changed_.notify_all();
  }

  void Deliver(wire::Reply& reply) {
    // Before the waiter wakes: the synchronizing call returns after its output is printed.
    if (reply.has_device_output()) PrintDeviceOutput(reply.device_output());
    std::unique_lock lock(mutex_);
    if (auto it = landings_.find(reply.seq()); it != landings_.end()) {
      Landing landing = std::move(it->second);
      landings_.erase(it);
      lock.unlock();
      if (landing.handler) {
        landing.handler(Status(static_cast<Code>(reply.result()), reply.message()), &reply);
        return;
      }
      if (reply.result() != 0) {
        std::lock_guard copy_lock(landing.status->mutex);
        if (landing.status->status.ok()) {
          landing.status->status = Status(static_cast<Code>(reply.result()), reply.message());
        }
      } else {
        const std::string& data = reply.memcpy_dtoh().data();
        std::memcpy(landing.dst, data.data(), std::min(data.size(), landing.size));
      }
      return;
    }
    if (auto it = waiters_.find(reply.seq()); it != waiters_.end()) {
      it->second->reply = std::make_unique<wire::Reply>(std::move(reply));
      it->second->done = true;
      waiters_.erase(it);
      changed_.notify_all();
    }
  }

  // mutex_ held.
  void MarkDead(const std::string& why) {
    if (dead_) return;
    dead_ = true;
    dead_status_ = Status(Code::kDeviceUnavailable, "lost vgpu-server at " + config_.server + ": " + why);
    flush_wanted_.notify_all();
    watch_.notify_all();
    if (shutting_down_) {
      VGPU_LOG(Debug, "session", "session closed at exit");
    } else {
      VGPU_LOG(Error, "session", "%s", dead_status_.message().c_str());
    }
    for (auto& [seq, landing] : landings_) {
      if (landing.handler) {
        landing.handler(dead_status_, nullptr);
        continue;
      }
      std::lock_guard copy_lock(landing.status->mutex);
      if (landing.status->status.ok()) landing.status->status = dead_status_;
    }
    landings_.clear();
    changed_.notify_all();
  }

  const ClientConfig config_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<wire::Vgpu::Stub> stub_;
  const wire::HelloReply hello_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<wire::CallBatch, wire::ReplyBatch>> stream_;
  std::thread reader_;
  std::thread flusher_;
  std::thread watchdog_;
  std::condition_variable watch_;  // with mutex_: a deadline was added, or stop
  std::condition_variable flush_wanted_;  // with mutex_: calls are queued, or shutdown

  std::mutex write_mutex_;  // taken before mutex_; orders batches on the wire
  std::mutex mutex_;
  std::condition_variable changed_;
  wire::CallBatch pending_;
  size_t pending_bytes_ = 0;
  uint64_t next_seq_ = 0;
  std::unordered_map<uint64_t, Waiter*> waiters_;
  std::unordered_map<uint64_t, Landing> landings_;
  bool dead_ = false;
  bool reader_done_ = false;
  bool shutting_down_ = false;
  bool writing_ = false;  // a batch is being written, until write_deadline_
  Clock::time_point write_deadline_;
  bool watch_stop_ = false;
  Status dead_status_;
};

std::mutex g_init_mutex;
bool g_init_done = false;
Status g_init_status;
GrpcSession* g_session = nullptr;  // never deleted: it must outlive every caller
std::atomic<Session*> g_ready{nullptr};  // lock-free fast path once connected
// Set in a child forked after the session opened (getpid() is a system
// call, too slow for the per-call check).
std::atomic<bool> g_forked{false};
void MarkForked() { g_forked.store(true, std::memory_order_relaxed); }

void ShutdownAtExit() {
  // A forked child must not touch the parent's stream, even at exit.
  if (g_session && !g_forked.load(std::memory_order_relaxed)) {
    g_session->Shutdown();
    ReportStatistics();
  }
}

Result<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream file(path, std::ios::binary);
  std::string text;
  if (file) text.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (text.empty()) return Status(Code::kNoDevice, std::string("cannot read the ") + what + " " + path);
  return text;
}

// TLS when the configuration asks for it (tls_ca, tls_cert or tls = on),
// with gRPC's own SSL credentials; plaintext otherwise.
Result<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(const ClientConfig& config,
                                                                     grpc::ChannelArguments& args) {
  if (!config.tls) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions ssl;
  if (!config.tls_ca.empty()) {
    auto ca = ReadPem(config.tls_ca, "TLS CA (tls_ca, VGPU_TLS_CA)");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = std::move(*ca);
  }
  if (!config.tls_cert.empty()) {
    auto cert = ReadPem(config.tls_cert, "client certificate (tls_cert, VGPU_TLS_CERT)");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(config.tls_key, "client key (tls_key, VGPU_TLS_KEY)");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = std::move(*cert);
    ssl.pem_private_key = std::move(*key);
  }
  if (!config.tls_server_name.empty()) args.SetSslTargetNameOverride(config.tls_server_name);
  return grpc::SslCredentials(ssl);
}

// gRPC core writes some failures (a TLS handshake that fails) to stderr;
// inside someone else's process they go to vgpu's log instead (principle
// 8), unless GRPC_VERBOSITY shows the user asked gRPC itself.
void RouteGrpcLogs() {
  const char* verbosity = std::getenv("GRPC_VERBOSITY");
  if (verbosity && *verbosity) return;
  gpr_set_log_function([](gpr_log_func_args* args) {
    if (args->severity == GPR_LOG_SEVERITY_ERROR) {
      VGPU_LOG(Warn, "grpc", "%s", args->message);
    } else {
      VGPU_LOG(Debug, "grpc", "%s", args->message);
    }
  });
}

// A server that closes the connection during setup, or a failed handshake,
// usually means the two sides disagree about TLS: say what to check.
std::string TransportHint(const ClientConfig& config, const std::string& error) {
  bool handshake = error.find("andshake") != std::string::npos;
  if (!handshake && error.find("Socket closed") == std::string::npos) return {};
  if (!config.tls) return " (if the server uses TLS, set tls_ca or VGPU_TLS_CA)";
  if (error.find("wrong version number") != std::string::npos) return " (the server does not speak TLS)";
  return " (check tls_ca, tls_server_name, and tls_cert/tls_key if the server requires client certificates)";
}

Status Connect() {
  RouteGrpcLogs();
  ClientConfig config = LoadClientConfig();
  if (!config.error.empty()) return Status(Code::kNoDevice, "vgpu client configuration: " + config.error);
  grpc::ChannelArguments args;
  // A reply larger than any the server sends is refused before it is
  // buffered in full.
  args.SetMaxReceiveMessageSize(wire::kMaxMessageBytes);
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, config.keepalive_time_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, config.keepalive_timeout_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  // Bulk copies: a large stream window and frames keep the pipe full.
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 << 20);
  args.SetInt(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, (16 << 20) - 1);
  auto credentials = ChannelCredentials(config, args);
  if (!credentials.ok()) return credentials.status();
  auto channel = grpc::CreateCustomChannel(config.server, *credentials, args);
  if (!channel) return Status(Code::kNoDevice, "cannot create a channel to " + config.server);

  auto stub = wire::Vgpu::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(config.connect_timeout_ms));
  if (!config.token.empty()) context.AddMetadata(wire::kTokenMetadataKey, config.token);
  wire::HelloRequest request;
  request.set_protocol_version(wire::kProtocolVersion);
  request.set_token(config.token);
  request.set_client("libcuda pid=" + std::to_string(getpid()));
  wire::HelloReply hello;
  grpc::Status status = stub->Hello(&context, request, &hello);
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    return Status(Code::kNoDevice, "vgpu-server at " + config.server + " refused this client: " +
                                       status.error_message());
  }
  if (!status.ok()) {
    return Status(Code::kNoDevice, "no vgpu-server answered at " + config.server + " (from " + config.source +
                                       (config.tls ? ", TLS" : "") + "): " + status.error_message() +
                                       TransportHint(config, status.error_message()));
  }
  if (hello.devices_size() == 0) return Status(Code::kNoDevice, "vgpu-server at " + config.server + " has no GPU");
  auto session = std::make_unique<GrpcSession>(config, channel, std::move(hello));
  VGPU_RETURN_IF_ERROR(session->Start());
  g_session = session.release();
  pthread_atfork(nullptr, nullptr, MarkForked);
  g_ready.store(g_session, std::memory_order_release);
  std::atexit(ShutdownAtExit);
  VGPU_LOG(Info, "session", "connected to %s (%s backend)", config.server.c_str(),
           g_session->hello().backend().c_str());
  return Status();
}

}  // namespace

Status Session::Init() {
  std::lock_guard lock(g_init_mutex);
  if (!g_init_done) {
    g_init_status = Connect();
    g_init_done = true;
    if (!g_init_status.ok()) VGPU_LOG(Warn, "session", "%s", g_init_status.message().c_str());
  }
  if (g_init_status.ok() && g_forked.load(std::memory_order_relaxed)) {
    return Status(Code::kNotInitialized, "CUDA was initialised before fork(); a forked child cannot use it");
  }
  return g_init_status;
}

Result<Session*> Session::Get() {
  if (Session* ready = g_ready.load(std::memory_order_acquire)) {
    // A forked child shares the parent's socket and has none of its threads:
    // using the session there would hang or corrupt the parent's stream. As
    // with the real driver, CUDA is unusable in a child forked after init.
    if (g_forked.load(std::memory_order_relaxed)) {
      return Status(Code::kNotInitialized, "CUDA was initialised before fork(); a forked child cannot use it");
    }
    return ready;
  }
  std::lock_guard lock(g_init_mutex);
  if (!g_init_done) return Status(Code::kNotInitialized, "cuInit has not been called");
  if (!g_init_status.ok()) return Status(Code::kNotInitialized, "cuInit failed: " + g_init_status.message());
  return static_cast<Session*>(g_session);
}

}  // namespace vgpu::cu
