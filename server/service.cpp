#include "server/service.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/log.h"
#include "proto/protocol.h"
#include "server/session/cancellation.h"
#include "server/session/session.h"

namespace vgpu::server {
namespace {

// Finishes outcomes in call order and sends replies, batching those that are
// ready together. Runs the device waits, so the executor never does.
class ReplyWriter {
 public:
  ReplyWriter(Session& session, grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream)
      : session_(session), stream_(stream), thread_([this] { Run(); }) {}

  ~ReplyWriter() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    ready_.notify_one();
    thread_.join();
  }

  void Push(Outcome outcome) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(outcome));
    }
    ready_.notify_one();
  }

 private:
  void Run() {
    wire::ReplyBatch batch;
    size_t batch_bytes = 0;
    for (;;) {
      Outcome outcome;
      {
        std::unique_lock lock(mutex_);
        if (queue_.empty() && batch.replies_size() > 0) {
          lock.unlock();
          Send(batch, batch_bytes);
          lock.lock();
        }
        ready_.wait(lock, [this] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and everything is finished
        outcome = std::move(queue_.front());
        queue_.pop_front();
      }
      if (session_.Finish(outcome)) {
        batch_bytes += outcome.reply->ByteSizeLong();
        batch.mutable_replies()->AddAllocated(outcome.reply.release());
        if (batch_bytes >= wire::kCopyChunkBytes) Send(batch, batch_bytes);
      }
    }
  }

  void Send(wire::ReplyBatch& batch, size_t& batch_bytes) {
    if (!broken_ && !stream_->Write(batch)) broken_ = true;  // client gone: keep finishing, drop replies
    batch.Clear();
    batch_bytes = 0;
  }

  Session& session_;
  grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Outcome> queue_;
  bool closing_ = false;
  bool broken_ = false;
  std::thread thread_;
};

std::string Metadata(const grpc::ServerContext* context, const char* key) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(key);
  if (it == metadata.end()) return {};
  return std::string(it->second.data(), it->second.size());
}

// The quota_mib of the client's token-file line, if it has one.
std::optional<uint64_t> TokenQuotaMib(const TokenEntry* token) {
  return token != nullptr ? token->quota_mib : std::nullopt;
}

// ", certificate CN=..." for a client that presented a certificate (mutual TLS).
std::string ClientCertificate(const grpc::ServerContext* context) {
  auto auth = context->auth_context();
  if (!auth || !auth->IsPeerAuthenticated()) return {};
  std::string names;
  for (const auto& name : auth->GetPeerIdentity()) {
    names += (names.empty() ? "" : ",") + std::string(name.data(), name.size());
  }
  return ", certificate " + auth->GetPeerIdentityPropertyName() + "=" + names;
}

}  // namespace

grpc::Status Service::Authenticate(const grpc::ServerContext* context, std::string_view hello_token,
                                   const char* where, const TokenEntry** entry) const {
  *entry = nullptr;
  if (tokens_ == nullptr) return grpc::Status::OK;
  std::string token = Metadata(context, wire::kTokenMetadataKey);
  if (token.empty()) token = std::string(hello_token);
  if (token.empty()) {
    VGPU_LOG(Warn, "service", "refused %s from %s: no token", where, context->peer().c_str());
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "vgpu-server requires a token: set VGPU_TOKEN, or token or token_file in client.conf");
  }
  *entry = tokens_->Find(token);
  if (*entry == nullptr) {
    VGPU_LOG(Warn, "service", "refused %s from %s: unknown token", where, context->peer().c_str());
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "vgpu-server does not accept this token");
  }
  return grpc::Status::OK;
}

grpc::Status Service::Hello(grpc::ServerContext* context, const wire::HelloRequest* request,
                            wire::HelloReply* reply) {
  const TokenEntry* token = nullptr;
  if (grpc::Status auth = Authenticate(context, request->token(), "hello", &token); !auth.ok()) return auth;
  reply->set_protocol_version(wire::kProtocolVersion);
  if (request->protocol_version() != wire::kProtocolVersion) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "protocol version " + std::to_string(request->protocol_version()) +
                            " is not supported; this server speaks " + std::to_string(wire::kProtocolVersion));
  }
  if (admission_.Full()) {
    VGPU_LOG(Warn, "service", "refused hello from %s: %zu sessions open (--max-sessions)",
             request->client().c_str(), admission_.open());
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, admission_.RefusalMessage());
  }
  // A quota is the client's device: its size is what every API reports.
  const uint64_t quota = admission_.LimitsFor(TokenQuotaMib(token)).quota_bytes;
  reply->set_driver_version(backend_.driver_version());
  reply->set_host_driver_version(backend_.host_driver_version());
  reply->set_backend(backend_.name());
  reply->set_server("vgpu-server 0.1.0");
  for (const auto& device : backend_.devices()) {
    auto* out = reply->add_devices();
    out->set_name(device.name);
    out->set_uuid(std::string(reinterpret_cast<const char*>(device.uuid), sizeof(device.uuid)));
    out->set_total_memory(std::min(device.total_memory, quota));
    out->set_pci_domain(device.pci_domain);
    out->set_pci_bus(device.pci_bus);
    out->set_pci_device(device.pci_device);
    for (int32_t value : device.attributes) out->add_attributes(value);
    out->set_luid(std::string(8, '\0'));
  }
  VGPU_LOG(Debug, "service", "hello from %s", request->client().c_str());
  return grpc::Status::OK;
}

grpc::Status Service::Session(grpc::ServerContext* context,
                              grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream) {
  if (Metadata(context, wire::kProtocolMetadataKey) != std::to_string(wire::kProtocolVersion)) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "unsupported or missing protocol version");
  }
  const TokenEntry* token = nullptr;  // with its quota_mib, when the token file gives one
  if (grpc::Status auth = Authenticate(context, {}, "session", &token); !auth.ok()) return auth;
  std::optional<Admission::Seat> seat = admission_.TryAdmit();
  if (!seat) {
    VGPU_LOG(Warn, "service", "refused a session from %s: %zu sessions open (--max-sessions)",
             context->peer().c_str(), admission_.open());
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, admission_.RefusalMessage());
  }
  const uint64_t id = next_session_id_++;
  // Launches stop, and teardown stops waiting, once the client is gone. Held
  // by the backend's contexts, which the session may outlive.
  auto cancellation = std::make_shared<Cancellation>([context] { return context->IsCancelled(); });
  backend::SessionOptions options;
  options.cancelled = [cancellation] { return cancellation->Cancelled(); };
  server::Session session(backend_, images_, id, admission_.LimitsFor(TokenQuotaMib(token)));
  if (Status opened = session.Open(options); !opened.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, opened.message());
  }
  VGPU_LOG(Info, "service", "session=%llu opened by %s%s%s%s", static_cast<unsigned long long>(id),
           context->peer().c_str(), token ? ", token of line " : "", token ? std::to_string(token->line).c_str() : "",
           ClientCertificate(context).c_str());
  uint64_t calls = 0;
  uint64_t last_seq = 0;
  grpc::Status result = grpc::Status::OK;
  {
    ReplyWriter writer(session, stream);
    wire::CallBatch batch;
    while (stream->Read(&batch)) {
      for (auto& call : *batch.mutable_calls()) {
        if (call.seq() <= last_seq) {
          result = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "call sequence numbers must increase");
          break;
        }
        last_seq = call.seq();
        ++calls;
        Outcome outcome = session.Execute(call);
        if (outcome.want_reply || outcome.wait || outcome.reply->result() != 0) writer.Push(std::move(outcome));
      }
      if (!result.ok()) break;
    }
  }  // the writer finishes every outstanding outcome before the session goes
  VGPU_LOG(Info, "service", "session=%llu closed after %llu calls; its resources are freed",
           static_cast<unsigned long long>(id), static_cast<unsigned long long>(calls));
  return result;
}

}  // namespace vgpu::server
