// Driver area: initialisation and version. cuInit opens the session.
#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::driver {

Status cuInit(unsigned int Flags) {
  if (Flags != 0) return InvalidValue("cuInit flags must be 0");
  return Session::Init();
}

Status cuDriverGetVersion(int* driverVersion) {
  if (driverVersion == nullptr) return InvalidValue("driverVersion is null");
  // Answered before cuInit too, as the real driver does: the version of
  // the API this library implements, or the server's once connected.
  auto session = Session::Get();
  *driverVersion = session.ok() ? (*session)->hello().driver_version() : CUDA_VERSION;
  return Status();
}

}  // namespace vgpu::cu::driver
