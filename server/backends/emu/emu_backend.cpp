#include "server/backends/emu/emu_backend.h"

#include "server/backends/emu/context.h"
#include "server/backends/emu/inventory.h"

namespace vgpu::backend::emu {
namespace {

class EmuSession final : public BackendSession {
 public:
  EmuSession(const DeviceInfo& device, DevicePool& pool) : device_(device), pool_(pool), memory_(pool) {}

  Result<std::unique_ptr<Context>> CreateContext(int device, uint32_t) override {
    if (device != 0) return Status(Code::kInvalidDevice, "the software GPU has one device");
    return std::unique_ptr<Context>(new EmuContext(device_, pool_, memory_));
  }

 private:
  const DeviceInfo& device_;
  DevicePool& pool_;
  SessionMemory memory_;  // outlives the contexts the session layer destroys first
};

class EmuBackend final : public Backend {
 public:
  explicit EmuBackend(uint64_t memory_bytes) : pool_(memory_bytes), devices_{MakeEmuDevice(memory_bytes)} {}

  std::string name() const override { return "emu"; }
  int32_t driver_version() const override { return 13000; }
  // A fixed 580-series string: the driver branch that ships CUDA 13.0.
  std::string host_driver_version() const override { return "580.95.05"; }
  const std::vector<DeviceInfo>& devices() const override { return devices_; }
  Result<std::unique_ptr<BackendSession>> OpenSession() override {
    return std::unique_ptr<BackendSession>(new EmuSession(devices_[0], pool_));
  }

 private:
  DevicePool pool_;
  std::vector<DeviceInfo> devices_;
};

}  // namespace

Result<std::unique_ptr<Backend>> CreateEmuBackend(uint64_t memory_bytes) {
  if (memory_bytes == 0) return InvalidValue("the software GPU needs some memory");
  return std::unique_ptr<Backend>(new EmuBackend(memory_bytes));
}

}  // namespace vgpu::backend::emu
