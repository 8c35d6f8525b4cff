// cuGetExportTable: a lookup in the tables vgpu's files registered.
#include "libcuda/export_tables.h"

#include <cstring>
#include <vector>

#include "common/log.h"
#include "libcuda/areas.h"

namespace vgpu::cu {
namespace {

struct Entry {
  CUuuid id;
  const void* table;
};

// Filled during static initialisation of libcuda.so.1, read-only afterwards.
std::vector<Entry>& Registry() {
  static std::vector<Entry> registry;
  return registry;
}

std::string FormatUuid(const CUuuid& id) {
  static const char kHex[] = "0123456789abcdef";
  std::string text;
  for (unsigned char byte : id.bytes) {
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  return text;
}

}  // namespace

ExportTableRegistration::ExportTableRegistration(const CUuuid& id, const void* table) {
  Registry().push_back({id, table});
}

const void* FindExportTable(const CUuuid& id) {
  for (const Entry& entry : Registry()) {
    if (std::memcmp(entry.id.bytes, id.bytes, sizeof id.bytes) == 0) return entry.table;
  }
  return nullptr;
}

namespace driver {

Status cuGetExportTable(const void** ppExportTable, const CUuuid* pExportTableId) {
  if (ppExportTable == nullptr || pExportTableId == nullptr) {
    return InvalidValue("cuGetExportTable: null argument");
  }
  *ppExportTable = FindExportTable(*pExportTableId);
  if (*ppExportTable == nullptr) {
    // NVIDIA's private tables (static cudart, cuBLAS, cuDNN) are not provided.
    return NotSupported("cuGetExportTable: no table " + FormatUuid(*pExportTableId));
  }
  return Status();
}

}  // namespace driver
}  // namespace vgpu::cu
