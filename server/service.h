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

namespace vgpu::server {

class Service final : public wire::Vgpu::Service {
 public:
  Service(backend::Backend& backend, ImageCache& images, Admission& admission)
      : backend_(backend), images_(images), admission_(admission) {}

  grpc::Status Hello(grpc::ServerContext* context, const wire::HelloRequest* request,
                     wire::HelloReply* reply) override;
  grpc::Status Session(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<wire::ReplyBatch, wire::CallBatch>* stream) override;

 private:
  backend::Backend& backend_;
  ImageCache& images_;
  Admission& admission_;
  std::atomic<uint64_t> next_session_id_{1};
};

}  // namespace vgpu::server
