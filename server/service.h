// The gRPC service: Hello answers with the inventory; Session runs one
// client's stream. The handler thread reads and executes calls in order
// (the executor); a writer thread finishes outcomes in the same order,
// waiting on the device where a call must observe it, and sends replies.
#pragma once

#include <atomic>

#include "proto/vgpu.grpc.pb.h"
#include "server/backends/backend.h"
#include "server/image_cache.h"
#include "server/session/limits.h"
#include "server/token_table.h"

namespace vgpu::server {

class Service final : public wire::Vgpu::Service {
 public:
  Service(backend::Backend& backend, ImageCache& images, Admission& admission)
      : backend_(backend), images_(images), admission_(admission) {}

  // From now on Hello and Session refuse clients without one of `tokens`
  // (UNAUTHENTICATED). `tokens` must outlive the service.
  void RequireTokens(const TokenTable* tokens) { tokens_ = tokens; }

  grpc::Status Hello(grpc::ServerContext* context, const wire::HelloRequest* request,
                     wire::HelloReply* reply) override;
  grpc::Status Session(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream) override;

 private:
  backend::Backend& backend_;
  ImageCache& images_;
  Admission& admission_;
  std::atomic<uint64_t> next_session_id_{1};
  const TokenTable* tokens_ = nullptr;  // null: no token needed

  // The client's token entry (null when no token is needed), or UNAUTHENTICATED.
  // `hello_token` is HelloRequest.token, used when the metadata has none.
  grpc::Status Authenticate(const grpc::ServerContext* context, std::string_view hello_token, const char* where,
                            const TokenEntry** entry) const;
};

}  // namespace vgpu::server
