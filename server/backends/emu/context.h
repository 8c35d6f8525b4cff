// A context on the software GPU. Work runs in call order on the session's
// executor, so every stream is trivially in order and a synchronizing call
// finds everything already done; events record when their stream reached them.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "server/backends/backend.h"
#include "server/backends/emu/memory.h"
#include "server/backends/emu/module.h"

namespace vgpu::backend::emu {

// What bounds a session's launches: its cancellation and the kernel timeout.
struct LaunchPolicy {
  std::function<bool()> cancelled;
  std::chrono::nanoseconds timeout{0};  // 0: no limit
};

class EmuContext final : public Context {
 public:
  EmuContext(const DeviceInfo& device, DevicePool& pool, SessionMemory& memory, const LaunchPolicy& policy)
      : device_(device), pool_(pool), memory_(memory), policy_(policy) {}
  ~EmuContext() override;

  Result<DevicePtr> MemAlloc(uint64_t bytesize) override;
  Status MemFree(DevicePtr dptr) override;
  Result<MemInfo> MemGetInfo() override;
  Status MemcpyHtoD(DevicePtr dst, std::string&& data, Handle stream) override;
  Result<Wait> MemcpyDtoH(std::string* dst, DevicePtr src, uint64_t bytesize, Handle stream) override;
  Status MemcpyDtoD(DevicePtr dst, DevicePtr src, uint64_t bytesize, Handle stream) override;
  Status Memset(DevicePtr dst, uint32_t value, uint32_t element_size, uint64_t count, Handle stream) override;
  Status Memcpy3DHtoD(const PitchedPtr& dst, const Extent3D& extent, std::string&& packed, Handle stream) override;
  Result<Wait> Memcpy3DDtoH(std::string* packed, const PitchedPtr& src, const Extent3D& extent,
                            Handle stream) override;
  Status Memcpy3DDtoD(const PitchedPtr& dst, const PitchedPtr& src, const Extent3D& extent, Handle stream) override;
  Status Memset2D(DevicePtr dst, uint64_t pitch, uint32_t value, uint32_t element_size, uint64_t width,
                  uint64_t height, Handle stream) override;

  Result<Handle> StreamCreate(uint32_t flags, int32_t priority) override;
  Status StreamDestroy(Handle stream) override;
  Result<Wait> StreamSynchronize(Handle stream) override;
  Status StreamQuery(Handle stream) override;
  Status StreamWaitEvent(Handle stream, Handle event, uint32_t flags) override;

  Result<Handle> EventCreate(uint32_t flags) override;
  Status EventDestroy(Handle event) override;
  Status EventRecord(Handle event, Handle stream) override;
  Result<Wait> EventSynchronize(Handle event) override;
  Status EventQuery(Handle event) override;
  Result<float> EventElapsedTime(Handle start, Handle end) override;

  Result<Wait> Synchronize() override;

  Result<Handle> ModuleLoad(std::span<const uint8_t> image, ModuleInfo* info) override;
  Status ModuleUnload(Handle module) override;
  Result<GlobalInfo> ModuleGetGlobal(Handle module, const std::string& name) override;
  Status Launch(Handle module, uint32_t function, const LaunchConfig& config, std::span<const uint8_t> params,
                Handle stream) override;
  Status FuncSetAttribute(Handle module, uint32_t function, int32_t attribute, int32_t value) override;

  Status BlasGemm(uint64_t handle, const backend::BlasGemm& gemm, Handle stream) override;
  Status BlasRun(uint64_t handle, const backend::BlasCall& call, Handle stream, std::string* host_result) override;
  std::shared_ptr<DeviceOutput> device_output() override { return output_; }

 private:
  struct Event {
    uint32_t flags = 0;
    bool recorded = false;
    std::chrono::steady_clock::time_point when;
  };
  Status CheckStream(Handle stream) const;
  // Host address of a pitched box's first byte, or null if the box is not
  // inside one allocation.
  uint8_t* TranslateBox(const PitchedPtr& box, const Extent3D& extent);
  Result<Event*> FindEvent(Handle event);
  Result<EmuModule*> FindModule(Handle module);

  const DeviceInfo& device_;
  DevicePool& pool_;
  SessionMemory& memory_;
  const LaunchPolicy& policy_;  // the session's; outlives its contexts
  std::set<DevicePtr> allocations_;  // made in this context, freed with it
  Handle next_handle_ = 1;
  std::set<Handle> streams_;
  std::map<Handle, Event> events_;
  std::map<Handle, std::unique_ptr<EmuModule>> modules_;
  std::shared_ptr<DeviceOutput> output_ = std::make_shared<DeviceOutput>();
};

}  // namespace vgpu::backend::emu
