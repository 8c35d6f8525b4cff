#include "image/cubin.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include "image/bytes.h"
#include "image/elf.h"
#include "image/nv_info.h"

namespace vgpu::image {
namespace {

constexpr uint16_t kEmCuda = 190;
constexpr uint32_t kDefaultMaxThreads = 1024;

uint32_t SmFromHeader(uint8_t abi_version, uint32_t flags) {
  return abi_version >= 8 ? (flags >> 8) & 0xFF : flags & 0xFF;
}

// x*y*z of a {u32 x, y, z} record, saturated to u32.
uint32_t ThreadProduct(std::span<const uint8_t> d) {
  if (d.size() < 12) return 0;
  uint64_t p = uint64_t{LoadLe<uint32_t>(d.data())} * LoadLe<uint32_t>(d.data() + 4);
  p = std::min<uint64_t>(p, UINT32_MAX) * LoadLe<uint32_t>(d.data() + 8);
  return static_cast<uint32_t>(std::min<uint64_t>(p, UINT32_MAX));
}

// Fills params, param_bytes and max_threads from the kernel's own .nv.info.<name>.
Status ReadKernelInfo(std::span<const uint8_t> section, CubinKernel* k) {
  VGPU_ASSIGN_OR_RETURN(std::vector<nvinfo::Record> records, nvinfo::ParseRecords(section));
  // Ordinal -> slot; nvcc lists them in reverse order.
  std::map<uint32_t, ParamSlot> slots;
  bool have_cbank_size = false;
  uint32_t max_threads = 0, req_threads = 0;
  for (const nvinfo::Record& r : records) {
    switch (r.attribute) {
      case nvinfo::kKparamInfo: {
        if (r.format != nvinfo::kSval || r.data.size() < 12) return InvalidImage("KPARAM_INFO: short record");
        uint32_t ordinal = LoadLe<uint16_t>(r.data.data() + 4);
        uint32_t offset = LoadLe<uint16_t>(r.data.data() + 6);
        uint32_t size = LoadLe<uint32_t>(r.data.data() + 8) >> 18;
        if (!slots.emplace(ordinal, ParamSlot{offset, size}).second) {
          return InvalidImage("KPARAM_INFO: duplicate ordinal " + std::to_string(ordinal));
        }
        break;
      }
      case nvinfo::kCbankParamSize:
        if (r.format != nvinfo::kHval) return InvalidImage("CBANK_PARAM_SIZE: unexpected format");
        k->param_bytes = r.value;
        have_cbank_size = true;
        break;
      case nvinfo::kMaxThreads:
        max_threads = ThreadProduct(r.data);
        break;
      case nvinfo::kReqNtid:
        req_threads = ThreadProduct(r.data);
        break;
      default:
        break;
    }
  }
  uint32_t end = 0;
  for (const auto& [ordinal, slot] : slots) {
    if (ordinal != k->params.size()) return InvalidImage("KPARAM_INFO: missing ordinal " + std::to_string(k->params.size()));
    k->params.push_back(slot);
    end = std::max(end, slot.offset + slot.size);
  }
  if (!have_cbank_size) {
    k->param_bytes = end;
  } else if (end > k->param_bytes) {
    return InvalidImage("KPARAM_INFO: a parameter lies past CBANK_PARAM_SIZE");
  }
  k->max_threads = req_threads ? req_threads : max_threads ? max_threads : kDefaultMaxThreads;
  return Status::Ok();
}

}  // namespace

Result<uint32_t> CubinSm(std::span<const uint8_t> elf) {
  if (elf.size() < 64 || LoadLe<uint32_t>(elf.data()) != 0x464C457F) return InvalidImage("cubin: not an ELF image");
  uint32_t sm = SmFromHeader(elf[8], LoadLe<uint32_t>(elf.data() + 48));
  if (sm == 0) return InvalidImage("cubin: no SM in e_flags");
  return sm;
}

Result<CubinInfo> ParseCubin(std::span<const uint8_t> bytes) {
  // The tables must fit too, program headers included: a truncated image is invalid.
  VGPU_ASSIGN_OR_RETURN(uint64_t image_size, elf::ImageSize(bytes.data(), bytes.size()));
  (void)image_size;
  VGPU_ASSIGN_OR_RETURN(elf::File file, elf::File::Parse(bytes));
  if (file.machine() != kEmCuda) return InvalidImage("cubin: e_machine is not EM_CUDA");
  CubinInfo info;
  VGPU_ASSIGN_OR_RETURN(info.sm, CubinSm(bytes));
  VGPU_ASSIGN_OR_RETURN(std::vector<elf::Symbol> symbols, file.Symbols());
  const std::vector<elf::Section>& sections = file.sections();

  // Cubins of large libraries hold thousands of kernels: look sections up by name once.
  std::unordered_map<std::string_view, int> section_by_name;
  for (size_t i = sections.size(); i-- > 0;) section_by_name[sections[i].name] = static_cast<int>(i);
  auto find_section = [&](const std::string& name) {
    auto it = section_by_name.find(name);
    return it == section_by_name.end() ? -1 : it->second;
  };
  std::map<uint32_t, size_t> kernel_by_symbol;  // symbol index -> info.kernels index
  for (size_t i = 0; i < symbols.size(); ++i) {
    const elf::Symbol& sym = symbols[i];
    if (sym.shndx == 0 || sym.shndx >= sections.size() || sym.name.empty()) continue;
    std::string_view section = sections[sym.shndx].name;
    if (sym.type == elf::kSttFunc && (sym.other & elf::kStoCudaEntry) && section.starts_with(".text.") &&
        section.substr(6) == sym.name) {
      CubinKernel k{std::string(sym.name), {}, 0, 0, 0, kDefaultMaxThreads};
      int nv_info = find_section(".nv.info." + k.name);
      if (nv_info >= 0) {
        Status s = ReadKernelInfo(sections[nv_info].bytes, &k);
        if (!s.ok()) return InvalidImage("cubin kernel " + k.name + ": " + s.message());
      }
      int shared = find_section(".nv.shared." + k.name);
      if (shared >= 0) {
        if (sections[shared].size > UINT32_MAX) return InvalidImage("cubin kernel " + k.name + ": shared size");
        k.static_shared_bytes = static_cast<uint32_t>(sections[shared].size);
      }
      kernel_by_symbol[static_cast<uint32_t>(i)] = info.kernels.size();
      info.kernels.push_back(std::move(k));
    } else if ((sym.type == elf::kSttObject || sym.type == elf::kSttCudaObject) &&
               (section.starts_with(".nv.global") ||
                // Bank 0 holds kernel parameters (its symbols are _param/_SREG), not variables.
                (section.starts_with(".nv.constant") && !section.starts_with(".nv.constant0")))) {
      const elf::Section& s = sections[sym.shndx];
      if (!InRange(sym.value, sym.size, s.size)) {
        return InvalidImage("cubin variable " + std::string(sym.name) + " lies outside its section");
      }
      CubinGlobal g{std::string(sym.name), sym.size, section.starts_with(".nv.constant"), {},
                    (sym.other & elf::kStoCudaManaged) != 0};
      if (elf::HasFileBytes(s.type)) {
        auto init = s.bytes.subspan(sym.value, sym.size);
        g.init.assign(reinterpret_cast<const char*>(init.data()), init.size());
      }
      info.globals.push_back(std::move(g));
    }
  }

  // Register counts live in the module-wide .nv.info, keyed by symbol index.
  int module_info = file.FindSection(".nv.info");
  if (module_info >= 0) {
    VGPU_ASSIGN_OR_RETURN(std::vector<nvinfo::Record> records, nvinfo::ParseRecords(sections[module_info].bytes));
    for (const nvinfo::Record& r : records) {
      if (r.attribute != nvinfo::kRegCount || r.format != nvinfo::kSval || r.data.size() < 8) continue;
      auto it = kernel_by_symbol.find(LoadLe<uint32_t>(r.data.data()));
      if (it != kernel_by_symbol.end()) info.kernels[it->second].num_regs = LoadLe<uint32_t>(r.data.data() + 4);
    }
  }
  return info;
}

}  // namespace vgpu::image
