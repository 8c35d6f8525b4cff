// NVML answered from vgpu's driver API (libcuda.so.1 of the same process), so
// every number agrees with what CUDA says: same UUID, name, memory, bus id.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.h"
#include "libcuda/info_table.h"
#include "libnvml/driver.h"
#include "libnvml/impl.h"

// The handle nvmlDevice_t points at: one per CUDA device, alive for the process.
struct nvmlDevice_st {
  unsigned int index;
  CUdevice device;
  CUcontext primary;  // retained on the first memory query, released at shutdown
};

namespace vgpu::nvml {

void ConfigureLoggingOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    log::SetComponent("libnvidia-ml");
    if (!log::Configure(std::getenv("VGPU_LOG"))) log::SetLevel(log::Level::kWarn);
  });
}

namespace {

std::mutex g_mutex;
int g_init_count = 0;                  // nvmlInit minus nvmlShutdown calls
const Driver* g_driver = nullptr;      // set by the first successful init
std::vector<nvmlDevice_st> g_devices;  // filled once; addresses stay put

nvmlReturn_t FromCu(CUresult result) {
  switch (result) {
    case CUDA_SUCCESS: return NVML_SUCCESS;
    case CUDA_ERROR_INVALID_VALUE: return NVML_ERROR_INVALID_ARGUMENT;
    case CUDA_ERROR_OUT_OF_MEMORY: return NVML_ERROR_MEMORY;
    case CUDA_ERROR_NOT_INITIALIZED:
    case CUDA_ERROR_DEINITIALIZED: return NVML_ERROR_UNINITIALIZED;
    case CUDA_ERROR_NO_DEVICE: return NVML_ERROR_DRIVER_NOT_LOADED;
    case CUDA_ERROR_INVALID_DEVICE: return NVML_ERROR_INVALID_ARGUMENT;
    case CUDA_ERROR_NOT_SUPPORTED: return NVML_ERROR_NOT_SUPPORTED;
    default: return NVML_ERROR_UNKNOWN;
  }
}

#define VGPU_CU_OR_RETURN(call)                  \
  do {                                           \
    const CUresult cu_result_ = (call);          \
    if (cu_result_ != CUDA_SUCCESS) {            \
      VGPU_LOG(Debug, "nvml", "%s failed: %d", #call, static_cast<int>(cu_result_)); \
      return FromCu(cu_result_);                 \
    }                                            \
  } while (0)

nvmlReturn_t Init() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_init_count > 0) {
    ++g_init_count;
    return NVML_SUCCESS;
  }
  const Driver* driver = LoadDriver();
  if (driver == nullptr) return NVML_ERROR_DRIVER_NOT_LOADED;
  // cuInit connects the session: CUDA_ERROR_NO_DEVICE when no server answers.
  const CUresult init = driver->cuInit(0);
  if (init != CUDA_SUCCESS) {
    VGPU_LOG(Debug, "nvml", "cuInit failed: %d", static_cast<int>(init));
    return NVML_ERROR_DRIVER_NOT_LOADED;
  }
  if (g_devices.empty()) {
    int count = 0;
    VGPU_CU_OR_RETURN(driver->cuDeviceGetCount(&count));
    std::vector<nvmlDevice_st> devices;
    for (int i = 0; i < count; ++i) {
      CUdevice device = 0;
      VGPU_CU_OR_RETURN(driver->cuDeviceGet(&device, i));
      devices.push_back({static_cast<unsigned int>(i), device, nullptr});
    }
    g_devices = std::move(devices);
  }
  g_driver = driver;
  g_init_count = 1;
  return NVML_SUCCESS;
}

// Every query holds the lock (NVML is thread-safe) and needs an init.
#define VGPU_NVML_ENTER()                                        \
  std::lock_guard<std::mutex> lock(g_mutex);                    \
  if (g_init_count == 0) return NVML_ERROR_UNINITIALIZED;       \
  const Driver& cu = *g_driver;                                 \
  (void)cu

// A handle of ours, or nullptr.
nvmlDevice_st* Checked(nvmlDevice_t device) {
  for (nvmlDevice_st& d : g_devices) {
    if (&d == device) return &d;
  }
  return nullptr;
}

#define VGPU_NVML_DEVICE(device)                                 \
  VGPU_NVML_ENTER();                                             \
  nvmlDevice_st* dev = Checked(device);                          \
  if (dev == nullptr) return NVML_ERROR_INVALID_ARGUMENT

// Copies `text` into a caller buffer of `length` bytes.
nvmlReturn_t CopyOut(const std::string& text, char* out, unsigned int length) {
  if (out == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (text.size() + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  std::memcpy(out, text.c_str(), text.size() + 1);
  return NVML_SUCCESS;
}

std::string UuidText(const CUuuid& id) {
  static const char kHex[] = "0123456789abcdef";
  std::string text = "GPU-";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    const auto byte = static_cast<unsigned char>(id.bytes[i]);
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  return text;
}

struct Pci {
  unsigned int domain = 0, bus = 0, device = 0;
};

nvmlReturn_t GetPci(const Driver& cu, CUdevice device, Pci* out) {
  int domain = 0, bus = 0, slot = 0;
  VGPU_CU_OR_RETURN(cu.cuDeviceGetAttribute(&domain, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, device));
  VGPU_CU_OR_RETURN(cu.cuDeviceGetAttribute(&bus, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, device));
  VGPU_CU_OR_RETURN(cu.cuDeviceGetAttribute(&slot, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, device));
  *out = {static_cast<unsigned int>(domain), static_cast<unsigned int>(bus), static_cast<unsigned int>(slot)};
  return NVML_SUCCESS;
}

std::string BusId(const char* format, const Pci& pci) {
  char text[64];
  std::snprintf(text, sizeof text, format, pci.domain, pci.bus, pci.device);
  return text;
}

// Fills the fields the three nvmlPciInfo layouts share.
template <class Info>
nvmlReturn_t FillPci(nvmlDevice_t device, Info* info, Pci* pci) {
  if (info == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  const nvmlReturn_t r = GetPci(cu, dev->device, pci);
  if (r != NVML_SUCCESS) return r;
  std::memset(info, 0, sizeof *info);
  info->domain = pci->domain;
  info->bus = pci->bus;
  info->device = pci->device;
  info->pciDeviceId = 0x10de;  // NVIDIA's vendor id; the device id is not on the wire
  return NVML_SUCCESS;
}

void CopyField(char* field, size_t size, const std::string& text) {
  std::snprintf(field, size, "%s", text.c_str());
}

nvmlReturn_t ReadMemory(nvmlDevice_t device, unsigned long long* total, unsigned long long* free) {
  VGPU_NVML_DEVICE(device);
  size_t device_total = 0;
  VGPU_CU_OR_RETURN(cu.cuDeviceTotalMem_v2(&device_total, dev->device));
  // Free memory as CUDA sees it: cuMemGetInfo in the device's primary context.
  if (dev->primary == nullptr) VGPU_CU_OR_RETURN(cu.cuDevicePrimaryCtxRetain(&dev->primary, dev->device));
  VGPU_CU_OR_RETURN(cu.cuCtxPushCurrent_v2(dev->primary));
  size_t free_bytes = 0, total_bytes = 0;
  const CUresult info = cu.cuMemGetInfo_v2(&free_bytes, &total_bytes);
  CUcontext popped = nullptr;
  cu.cuCtxPopCurrent_v2(&popped);
  VGPU_CU_OR_RETURN(info);
  *total = device_total;
  *free = free_bytes;
  return NVML_SUCCESS;
}

int ComputeCapability(const Driver& cu, CUdevice device, int* major, int* minor) {
  CUresult r = cu.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
  if (r == CUDA_SUCCESS) r = cu.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
  return r;
}

}  // namespace

namespace impl {

nvmlReturn_t nvmlInit() { return Init(); }
nvmlReturn_t nvmlInit_v2() { return Init(); }
// Flags (NVML_INIT_FLAG_NO_GPUS, NO_ATTACH) change nothing here: attaching
// is free, and no GPUs is already a success.
nvmlReturn_t nvmlInitWithFlags(unsigned int) { return Init(); }

nvmlReturn_t nvmlShutdown() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_init_count == 0) return NVML_ERROR_UNINITIALIZED;
  if (--g_init_count == 0) {
    for (nvmlDevice_st& d : g_devices) {
      if (d.primary != nullptr) {
        g_driver->cuDevicePrimaryCtxRelease_v2(d.device);
        d.primary = nullptr;
      }
    }
  }
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) {
  VGPU_NVML_ENTER();
  if (version == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  std::string text;
  const void* table = nullptr;
  if (cu.cuGetExportTable(&table, &cu::kVgpuInfoTableId) == CUDA_SUCCESS && table != nullptr) {
    const auto* info = static_cast<const cu::VgpuInfoTable*>(table);
    char buffer[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = {};
    if (info->size >= sizeof(cu::VgpuInfoTable) && info->host_driver_version(buffer, sizeof buffer) == CUDA_SUCCESS) {
      text = buffer;
    }
  }
  if (text.empty()) {
    // An older server: the CUDA version as "13.0" at least says something.
    int v = 0;
    VGPU_CU_OR_RETURN(cu.cuDriverGetVersion(&v));
    text = std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
  }
  return CopyOut(text, version, length);
}

nvmlReturn_t nvmlSystemGetNVMLVersion(char* version, unsigned int length) {
  // NVML's format: "<CUDA major>.<driver version>", e.g. "13.580.95.05".
  char driver[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE] = {};
  nvmlReturn_t r = nvmlSystemGetDriverVersion(driver, sizeof driver);
  if (r != NVML_SUCCESS) return r;
  int cuda = 0;
  r = nvmlSystemGetCudaDriverVersion_v2(&cuda);
  if (r != NVML_SUCCESS) return r;
  return CopyOut(std::to_string(cuda / 1000) + "." + driver, version, length);
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion(int* cudaDriverVersion) {
  VGPU_NVML_ENTER();
  if (cudaDriverVersion == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_CU_OR_RETURN(cu.cuDriverGetVersion(cudaDriverVersion));
  return NVML_SUCCESS;
}
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int* v) { return nvmlSystemGetCudaDriverVersion(v); }

nvmlReturn_t nvmlDeviceGetCount(unsigned int* deviceCount) {
  VGPU_NVML_ENTER();
  if (deviceCount == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  *deviceCount = static_cast<unsigned int>(g_devices.size());
  return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* c) { return nvmlDeviceGetCount(c); }

nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t* device) {
  VGPU_NVML_ENTER();
  if (device == nullptr || index >= g_devices.size()) return NVML_ERROR_INVALID_ARGUMENT;
  *device = &g_devices[index];
  return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t* d) { return nvmlDeviceGetHandleByIndex(i, d); }

nvmlReturn_t nvmlDeviceGetHandleByUUID(const char* uuid, nvmlDevice_t* device) {
  VGPU_NVML_ENTER();
  if (uuid == nullptr || device == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  for (nvmlDevice_st& d : g_devices) {
    CUuuid id{};
    VGPU_CU_OR_RETURN(cu.cuDeviceGetUuid(&id, d.device));
    if (strcasecmp(UuidText(id).c_str(), uuid) == 0) {
      *device = &d;
      return NVML_SUCCESS;
    }
  }
  return NVML_ERROR_NOT_FOUND;
}

nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char* pciBusId, nvmlDevice_t* device) {
  VGPU_NVML_ENTER();
  if (pciBusId == nullptr || device == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  // "domain:bus:device[.function]" or "bus:device[.function]", hex.
  unsigned int a = 0, b = 0, c = 0;
  Pci want;
  if (std::sscanf(pciBusId, "%x:%x:%x", &a, &b, &c) == 3) {
    want = {a, b, c};
  } else if (std::sscanf(pciBusId, "%x:%x", &a, &b) == 2) {
    want = {0, a, b};
  } else {
    return NVML_ERROR_INVALID_ARGUMENT;
  }
  for (nvmlDevice_st& d : g_devices) {
    Pci pci;
    const nvmlReturn_t r = GetPci(cu, d.device, &pci);
    if (r != NVML_SUCCESS) return r;
    if (pci.domain == want.domain && pci.bus == want.bus && pci.device == want.device) {
      *device = &d;
      return NVML_SUCCESS;
    }
  }
  return NVML_ERROR_NOT_FOUND;
}
nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char* id, nvmlDevice_t* d) {
  return nvmlDeviceGetHandleByPciBusId(id, d);
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  VGPU_NVML_DEVICE(device);
  char text[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {};
  VGPU_CU_OR_RETURN(cu.cuDeviceGetName(text, sizeof text, dev->device));
  return CopyOut(text, name, length);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) {
  VGPU_NVML_DEVICE(device);
  CUuuid id{};
  VGPU_CU_OR_RETURN(cu.cuDeviceGetUuid(&id, dev->device));
  return CopyOut(UuidText(id), uuid, length);
}

nvmlReturn_t nvmlDeviceGetPciInfo(nvmlDevice_t device, nvmlPciInfo_v1_t* pci) {
  Pci p;
  const nvmlReturn_t r = FillPci(device, pci, &p);
  if (r == NVML_SUCCESS) CopyField(pci->busId, sizeof pci->busId, BusId(NVML_DEVICE_PCI_BUS_ID_LEGACY_FMT, p));
  return r;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t device, nvmlPciInfo_v2_t* pci) {
  Pci p;
  const nvmlReturn_t r = FillPci(device, pci, &p);
  if (r == NVML_SUCCESS) {
    // 16 bytes cannot hold the 8-digit-domain form, so both carry the legacy one.
    CopyField(pci->busIdLegacy, sizeof pci->busIdLegacy, BusId(NVML_DEVICE_PCI_BUS_ID_LEGACY_FMT, p));
    CopyField(pci->busId, sizeof pci->busId, BusId(NVML_DEVICE_PCI_BUS_ID_LEGACY_FMT, p));
  }
  return r;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t* pci) {
  Pci p;
  const nvmlReturn_t r = FillPci(device, pci, &p);
  if (r == NVML_SUCCESS) {
    CopyField(pci->busIdLegacy, sizeof pci->busIdLegacy, BusId(NVML_DEVICE_PCI_BUS_ID_LEGACY_FMT, p));
    CopyField(pci->busId, sizeof pci->busId, BusId(NVML_DEVICE_PCI_BUS_ID_FMT, p));
  }
  return r;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) {
  if (memory == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  unsigned long long total = 0, free = 0;
  const nvmlReturn_t r = ReadMemory(device, &total, &free);
  if (r != NVML_SUCCESS) return r;
  memory->total = total;
  memory->free = free;
  memory->used = total - free;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t* memory) {
  if (memory == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  if (memory->version != nvmlMemory_v2) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
  unsigned long long total = 0, free = 0;
  const nvmlReturn_t r = ReadMemory(device, &total, &free);
  if (r != NVML_SUCCESS) return r;
  memory->total = total;
  memory->reserved = 0;
  memory->free = free;
  memory->used = total - free;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int* major, int* minor) {
  if (major == nullptr || minor == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  VGPU_CU_OR_RETURN(static_cast<CUresult>(ComputeCapability(cu, dev->device, major, minor)));
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t* utilization) {
  if (utilization == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  // Not carried by the wire yet: an idle device, which is what discovery
  // tools that pick the least busy GPU need to see to pick it at all.
  utilization->gpu = 0;
  utilization->memory = 0;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int* index) {
  if (index == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  *index = dev->index;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int* minorNumber) {
  // /dev/nvidia<minor> does not exist here; the index is the honest stand-in.
  return nvmlDeviceGetIndex(device, minorNumber);
}

nvmlReturn_t nvmlDeviceGetBrand(nvmlDevice_t device, nvmlBrandType_t* type) {
  if (type == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {};
  VGPU_CU_OR_RETURN(cu.cuDeviceGetName(name, sizeof name, dev->device));
  const std::string text = name;
  if (text.find("GeForce RTX") != std::string::npos) *type = NVML_BRAND_GEFORCE_RTX;
  else if (text.find("GeForce") != std::string::npos) *type = NVML_BRAND_GEFORCE;
  else if (text.find("TITAN") != std::string::npos) *type = NVML_BRAND_TITAN;
  else if (text.find("Quadro") != std::string::npos) *type = NVML_BRAND_QUADRO;
  else if (text.find("RTX") != std::string::npos) *type = NVML_BRAND_NVIDIA_RTX;
  else *type = NVML_BRAND_TESLA;  // data-center parts (A100, H100, ...) and emu
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, nvmlDeviceArchitecture_t* arch) {
  if (arch == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  int major = 0, minor = 0;
  VGPU_CU_OR_RETURN(static_cast<CUresult>(ComputeCapability(cu, dev->device, &major, &minor)));
  const int cc = major * 10 + minor;
  if (cc >= 100) *arch = NVML_DEVICE_ARCH_BLACKWELL;
  else if (cc >= 90) *arch = NVML_DEVICE_ARCH_HOPPER;
  else if (cc == 89) *arch = NVML_DEVICE_ARCH_ADA;
  else if (cc >= 80) *arch = NVML_DEVICE_ARCH_AMPERE;
  else if (cc == 75) *arch = NVML_DEVICE_ARCH_TURING;
  else if (cc >= 70) *arch = NVML_DEVICE_ARCH_VOLTA;
  else if (cc >= 60) *arch = NVML_DEVICE_ARCH_PASCAL;
  else if (cc >= 50) *arch = NVML_DEVICE_ARCH_MAXWELL;
  else if (cc >= 30) *arch = NVML_DEVICE_ARCH_KEPLER;
  else *arch = NVML_DEVICE_ARCH_UNKNOWN;
  return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int* infoCount, void*) {
  if (infoCount == nullptr) return NVML_ERROR_INVALID_ARGUMENT;
  VGPU_NVML_DEVICE(device);
  *infoCount = 0;
  return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t d, unsigned int* n, void* infos) {
  return nvmlDeviceGetComputeRunningProcesses(d, n, infos);
}
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t d, unsigned int* n, void* infos) {
  return nvmlDeviceGetComputeRunningProcesses(d, n, infos);
}
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t d, unsigned int* n, void* infos) {
  return nvmlDeviceGetComputeRunningProcesses(d, n, infos);
}

}  // namespace impl
}  // namespace vgpu::nvml
