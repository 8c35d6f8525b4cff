#include "server/backends/emu/emu_backend.h"

#include <cuda.h>

#include "server/backends/emu/context.h"
#include "server/backends/emu/inventory.h"

namespace vgpu::backend::emu {
namespace {

class EmuSession final : public BackendSession {
 public:
  EmuSession(const DeviceInfo& device, DevicePool& pool, LaunchPolicy policy)
      : device_(device), pool_(pool), policy_(std::move(policy)), memory_(pool) {}

  Result<std::unique_ptr<Context>> CreateContext(int device, uint32_t) override {
    if (device != 0) return Status(Code::kInvalidDevice, "the software GPU has one device");
    return std::unique_ptr<Context>(new EmuContext(device_, pool_, memory_, policy_));
  }

 private:
  const DeviceInfo& device_;
  DevicePool& pool_;
  const LaunchPolicy policy_;
  SessionMemory memory_;  // outlives the contexts the session layer destroys first
};

class EmuBackend final : public Backend {
 public:
  EmuBackend(uint64_t memory_bytes, std::chrono::nanoseconds kernel_timeout)
      : pool_(memory_bytes), kernel_timeout_(kernel_timeout), devices_{MakeEmuDevice(memory_bytes)} {
    // What cudaDeviceProp::kernelExecTimeoutEnabled tells a program.
    devices_[0].attributes[CU_DEVICE_ATTRIBUTE_KERNEL_EXEC_TIMEOUT] = kernel_timeout.count() > 0 ? 1 : 0;
  }

  std::string name() const override { return "emu"; }
  int32_t driver_version() const override { return 13000; }
  // A fixed 580-series string: the driver branch that ships CUDA 13.0.
  std::string host_driver_version() const override { return "580.95.05"; }
  const std::vector<DeviceInfo>& devices() const override { return devices_; }
  Result<std::unique_ptr<BackendSession>> OpenSession(const SessionOptions& options) override {
    return std::unique_ptr<BackendSession>(
        new EmuSession(devices_[0], pool_, LaunchPolicy{options.cancelled, kernel_timeout_}));
  }

 private:
  DevicePool pool_;
  const std::chrono::nanoseconds kernel_timeout_;
  std::vector<DeviceInfo> devices_;
};

}  // namespace

Result<std::unique_ptr<Backend>> CreateEmuBackend(uint64_t memory_bytes, std::chrono::nanoseconds kernel_timeout) {
  if (memory_bytes == 0) return InvalidValue("the software GPU needs some memory");
  if (kernel_timeout.count() < 0) return InvalidValue("the kernel timeout cannot be negative");
  return std::unique_ptr<Backend>(new EmuBackend(memory_bytes, kernel_timeout));
}

}  // namespace vgpu::backend::emu
