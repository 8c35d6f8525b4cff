// The vgpu info table (libcuda/info_table.h), registered for cuGetExportTable.
#include "libcuda/info_table.h"

#include <algorithm>
#include <cstring>

#include "libcuda/entry.h"
#include "libcuda/export_tables.h"
#include "libcuda/session.h"

namespace vgpu::cu {
namespace {

CUresult HostDriverVersion(char* version, size_t length) {
  return Enter("vgpuInfo.host_driver_version", [&]() -> Status {
    if (version == nullptr || length == 0) return Status(Code::kInvalidValue, "null or empty version buffer");
    VGPU_RETURN_IF_ERROR(Session::Init());
    VGPU_ASSIGN_OR_RETURN(Session * session, Session::Get());
    const std::string& text = session->hello().host_driver_version();
    const size_t n = std::min(text.size(), length - 1);
    std::memcpy(version, text.data(), n);
    version[n] = '\0';
    return Status();
  });
}

const VgpuInfoTable kInfoTable = {sizeof(VgpuInfoTable), &HostDriverVersion};
const ExportTableRegistration kRegistration(kVgpuInfoTableId, &kInfoTable);

}  // namespace
}  // namespace vgpu::cu
