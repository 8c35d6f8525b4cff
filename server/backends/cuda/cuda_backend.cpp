#include "server/backends/cuda/cuda_backend.h"

#include <cstdio>

#include "common/log.h"
#include "server/backends/cuda/context.h"
#include "server/backends/cuda/driver.h"
#include "server/backends/cuda/inventory.h"

namespace vgpu::backend::cuda {
namespace {

// The display-driver version: /proc/driver/nvidia/version names it
// ("NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05  ..."); without
// that file it is derived from cuDriverGetVersion (13000 -> "580.00.00" is
// not knowable, so the CUDA version itself is given as "13.0").
std::string ReadHostDriverVersion(int32_t cuda_version) {
  if (std::FILE* f = std::fopen("/proc/driver/nvidia/version", "r")) {
    char line[512] = {};
    const bool got = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    if (got) {
      // The first token that looks like N.N(.N): digits and dots with a dot.
      const char* p = line;
      while (*p != '\0') {
        const char* start = p;
        while ((*p >= '0' && *p <= '9') || *p == '.') ++p;
        std::string token(start, p);
        if (p > start && token.find('.') != std::string::npos && token.front() != '.') return token;
        if (p == start) ++p;
      }
    }
  }
  return std::to_string(cuda_version / 1000) + "." + std::to_string(cuda_version % 1000 / 10);
}

// Everything one client owns lives in its contexts, which the session layer
// holds; a session only knows how to make them.
class CudaSession final : public BackendSession {
 public:
  CudaSession(std::shared_ptr<const Driver> driver, std::vector<CUdevice> devices, std::function<bool()> cancelled)
      : driver_(std::move(driver)), devices_(std::move(devices)), cancelled_(std::move(cancelled)) {}

  Result<std::unique_ptr<Context>> CreateContext(int device, uint32_t flags) override {
    if (device < 0 || static_cast<size_t>(device) >= devices_.size()) {
      return Status(Code::kInvalidDevice, "cuCtxCreate: no device " + std::to_string(device));
    }
    return CudaContext::Create(driver_, devices_[device], device, flags, cancelled_);
  }

 private:
  std::shared_ptr<const Driver> driver_;
  std::vector<CUdevice> devices_;
  std::function<bool()> cancelled_;  // the client is gone: contexts do not wait for pending work
};

class CudaBackend final : public Backend {
 public:
  CudaBackend(std::shared_ptr<const Driver> driver, Inventory inventory)
      : driver_(std::move(driver)),
        inventory_(std::move(inventory)),
        host_driver_version_(ReadHostDriverVersion(driver_->version)) {}

  std::string name() const override { return "cuda"; }
  int32_t driver_version() const override { return driver_->version; }
  std::string host_driver_version() const override { return host_driver_version_; }
  const std::vector<DeviceInfo>& devices() const override { return inventory_.devices; }
  Result<std::unique_ptr<BackendSession>> OpenSession(const SessionOptions& options) override {
    return std::unique_ptr<BackendSession>(new CudaSession(driver_, inventory_.handles, options.cancelled));
  }

 private:
  std::shared_ptr<const Driver> driver_;
  Inventory inventory_;
  std::string host_driver_version_;
};

}  // namespace

Result<std::unique_ptr<Backend>> CreateCudaBackend(const std::string& library) {
  VGPU_ASSIGN_OR_RETURN(std::shared_ptr<const Driver> driver, LoadDriver(library));
  Result<Inventory> inventory = ReadInventory(*driver);
  if (!inventory.ok()) {
    const Status& s = inventory.status();
    if (s.code() == Code::kNoDevice) return s;
    return Status(Code::kNoDevice, "cuda backend: reading the devices failed: " + s.message());
  }
  for (size_t i = 0; i < inventory->devices.size(); ++i) {
    const DeviceInfo& dev = inventory->devices[i];
    VGPU_LOG(Info, "cuda", "device %zu: %s, %llu MiB, sm_%d%d, PCI %04x:%02x:%02x", i, dev.name.c_str(),
             static_cast<unsigned long long>(dev.total_memory >> 20),
             dev.attributes[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR],
             dev.attributes[CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR], dev.pci_domain, dev.pci_bus, dev.pci_device);
  }
  return std::unique_ptr<Backend>(new CudaBackend(std::move(driver), std::move(*inventory)));
}

Result<std::unique_ptr<Backend>> CreateCudaBackend() { return CreateCudaBackend("libcuda.so.1"); }

}  // namespace vgpu::backend::cuda
