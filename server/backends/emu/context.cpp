#include "server/backends/emu/context.h"

#include <cuda.h>

#include <cstring>

namespace vgpu::backend::emu {

EmuContext::~EmuContext() {
  modules_.clear();
  for (DevicePtr dptr : allocations_) (void)memory_.Free(dptr);
}

// ---- memory ----

Result<DevicePtr> EmuContext::MemAlloc(uint64_t bytesize) {
  VGPU_ASSIGN_OR_RETURN(DevicePtr dptr, memory_.Allocate(bytesize));
  allocations_.insert(dptr);
  return dptr;
}

Status EmuContext::MemFree(DevicePtr dptr) {
  if (allocations_.erase(dptr) == 0) return InvalidValue("not an allocation of this context");
  return memory_.Free(dptr);
}

Result<MemInfo> EmuContext::MemGetInfo() {
  return MemInfo{pool_.capacity() - std::min(pool_.capacity(), pool_.used()), pool_.capacity()};
}

Status EmuContext::MemcpyHtoD(DevicePtr dst, std::string&& data, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  uint8_t* target = memory_.Translate(dst, data.size());
  if (target == nullptr) return InvalidValue("destination range is not device memory of this session");
  std::memcpy(target, data.data(), data.size());
  return Status();
}

Result<Wait> EmuContext::MemcpyDtoH(std::string* dst, DevicePtr src, uint64_t bytesize, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  const uint8_t* source = memory_.Translate(src, bytesize);
  if (source == nullptr) return InvalidValue("source range is not device memory of this session");
  dst->assign(reinterpret_cast<const char*>(source), bytesize);
  return Done();
}

Status EmuContext::MemcpyDtoD(DevicePtr dst, DevicePtr src, uint64_t bytesize, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  const uint8_t* source = memory_.Translate(src, bytesize);
  uint8_t* target = memory_.Translate(dst, bytesize);
  if (source == nullptr || target == nullptr) return InvalidValue("range is not device memory of this session");
  std::memmove(target, source, bytesize);
  return Status();
}

Status EmuContext::Memset(DevicePtr dst, uint32_t value, uint32_t element_size, uint64_t count, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  uint8_t* target = memory_.Translate(dst, count * element_size);
  if (target == nullptr) return InvalidValue("range is not device memory of this session");
  if (element_size == 1) {
    std::memset(target, static_cast<int>(value & 0xff), count);
  } else if (element_size == 2) {
    uint16_t pattern = static_cast<uint16_t>(value);
    for (uint64_t i = 0; i < count; ++i) std::memcpy(target + 2 * i, &pattern, 2);
  } else {
    for (uint64_t i = 0; i < count; ++i) std::memcpy(target + 4 * i, &value, 4);
  }
  return Status();
}

// ---- 2D / 3D: emu streams run in order at once, so each is a row loop ----

uint8_t* EmuContext::TranslateBox(const PitchedPtr& box, const Extent3D& extent) {
  if (extent.rows() == 0) return nullptr;
  uint64_t span = RowAddress(box, extent, extent.rows() - 1) - box.ptr + extent.width_bytes;
  return memory_.Translate(box.ptr, span);
}

Status EmuContext::Memcpy3DHtoD(const PitchedPtr& dst, const Extent3D& extent, std::string&& packed, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  uint8_t* base = TranslateBox(dst, extent);
  if (base == nullptr || packed.size() != extent.packed_bytes()) {
    return InvalidValue("destination box is not device memory of this session");
  }
  for (uint64_t row = 0; row < extent.rows(); ++row) {
    std::memcpy(base + (RowAddress(dst, extent, row) - dst.ptr), packed.data() + row * extent.width_bytes,
                extent.width_bytes);
  }
  return Status();
}

Result<Wait> EmuContext::Memcpy3DDtoH(std::string* packed, const PitchedPtr& src, const Extent3D& extent,
                                      Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  const uint8_t* base = TranslateBox(src, extent);
  if (base == nullptr) return InvalidValue("source box is not device memory of this session");
  packed->resize(extent.packed_bytes());
  for (uint64_t row = 0; row < extent.rows(); ++row) {
    std::memcpy(packed->data() + row * extent.width_bytes, base + (RowAddress(src, extent, row) - src.ptr),
                extent.width_bytes);
  }
  return Done();
}

Status EmuContext::Memcpy3DDtoD(const PitchedPtr& dst, const PitchedPtr& src, const Extent3D& extent,
                                Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  const uint8_t* from = TranslateBox(src, extent);
  uint8_t* to = TranslateBox(dst, extent);
  if (from == nullptr || to == nullptr) return InvalidValue("box is not device memory of this session");
  for (uint64_t row = 0; row < extent.rows(); ++row) {
    std::memmove(to + (RowAddress(dst, extent, row) - dst.ptr), from + (RowAddress(src, extent, row) - src.ptr),
                 extent.width_bytes);
  }
  return Status();
}

Status EmuContext::Memset2D(DevicePtr dst, uint64_t pitch, uint32_t value, uint32_t element_size, uint64_t width,
                            uint64_t height, Handle stream) {
  for (uint64_t row = 0; row < height; ++row) {
    VGPU_RETURN_IF_ERROR(Memset(dst + row * pitch, value, element_size, width, stream));
  }
  return Status();
}

// ---- stream ----

Status EmuContext::CheckStream(Handle stream) const {
  if (stream != 0 && streams_.count(stream) == 0) return InvalidHandle("not a stream of this context");
  return Status();
}

Result<Handle> EmuContext::StreamCreate(uint32_t, int32_t) {
  Handle stream = next_handle_++;
  streams_.insert(stream);
  return stream;
}

Status EmuContext::StreamDestroy(Handle stream) {
  if (stream == 0 || streams_.erase(stream) == 0) return InvalidHandle("not a stream of this context");
  return Status();
}

Result<Wait> EmuContext::StreamSynchronize(Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  return Done();
}

Status EmuContext::StreamQuery(Handle stream) { return CheckStream(stream); }

Status EmuContext::StreamWaitEvent(Handle stream, Handle event, uint32_t) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  VGPU_ASSIGN_OR_RETURN(Event * found, FindEvent(event));
  (void)found;  // in-order execution: the event's work is already done
  return Status();
}

// ---- event ----

Result<EmuContext::Event*> EmuContext::FindEvent(Handle event) {
  auto it = events_.find(event);
  if (it == events_.end()) return InvalidHandle("not an event of this context");
  return &it->second;
}

Result<Handle> EmuContext::EventCreate(uint32_t flags) {
  Handle event = next_handle_++;
  events_[event].flags = flags;
  return event;
}

Status EmuContext::EventDestroy(Handle event) {
  if (events_.erase(event) == 0) return InvalidHandle("not an event of this context");
  return Status();
}

Status EmuContext::EventRecord(Handle event, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  VGPU_ASSIGN_OR_RETURN(Event * found, FindEvent(event));
  found->recorded = true;
  found->when = std::chrono::steady_clock::now();
  return Status();
}

Result<Wait> EmuContext::EventSynchronize(Handle event) {
  VGPU_ASSIGN_OR_RETURN(Event * found, FindEvent(event));
  (void)found;
  return Done();
}

Status EmuContext::EventQuery(Handle event) {
  VGPU_ASSIGN_OR_RETURN(Event * found, FindEvent(event));
  (void)found;
  return Status();
}

Result<float> EmuContext::EventElapsedTime(Handle start, Handle end) {
  VGPU_ASSIGN_OR_RETURN(Event * first, FindEvent(start));
  VGPU_ASSIGN_OR_RETURN(Event * last, FindEvent(end));
  if ((first->flags | last->flags) & CU_EVENT_DISABLE_TIMING) {
    return InvalidHandle("an event was created with CU_EVENT_DISABLE_TIMING");
  }
  if (!first->recorded || !last->recorded) return InvalidHandle("an event has not been recorded");
  return std::chrono::duration<float, std::milli>(last->when - first->when).count();
}

Result<Wait> EmuContext::Synchronize() { return Done(); }

// ---- module ----

Result<EmuModule*> EmuContext::FindModule(Handle module) {
  auto it = modules_.find(module);
  if (it == modules_.end()) return InvalidHandle("not a module of this context");
  return it->second.get();
}

Result<Handle> EmuContext::ModuleLoad(std::span<const uint8_t> image, ModuleInfo* info) {
  VGPU_ASSIGN_OR_RETURN(std::unique_ptr<EmuModule> module, EmuModule::Load(image, device_, memory_, info));
  Handle handle = next_handle_++;
  modules_[handle] = std::move(module);
  return handle;
}

Status EmuContext::ModuleUnload(Handle module) {
  if (modules_.erase(module) == 0) return InvalidHandle("not a module of this context");
  return Status();
}

Result<GlobalInfo> EmuContext::ModuleGetGlobal(Handle module, const std::string& name) {
  VGPU_ASSIGN_OR_RETURN(EmuModule * found, FindModule(module));
  return found->Global(name);
}

Status EmuContext::Launch(Handle module, uint32_t function, const LaunchConfig& config,
                          std::span<const uint8_t> params, Handle stream) {
  VGPU_RETURN_IF_ERROR(CheckStream(stream));
  VGPU_ASSIGN_OR_RETURN(EmuModule * found, FindModule(module));
  ptx::LaunchLimits limits;
  limits.cancelled = policy_.cancelled;
  if (policy_.timeout.count() > 0) limits.deadline = std::chrono::steady_clock::now() + policy_.timeout;
  return found->Launch(function, config, params, memory_, *output_, limits);
}

Status EmuContext::FuncSetAttribute(Handle module, uint32_t function, int32_t attribute, int32_t value) {
  VGPU_ASSIGN_OR_RETURN(EmuModule * found, FindModule(module));
  return found->SetAttribute(function, attribute, value);
}

}  // namespace vgpu::backend::emu
