#include "installer/transaction.h"

#include "installer/fs_util.h"

namespace vgpu::installer {

void Transaction::OnUndo(std::string what, std::function<Status()> undo) {
  steps_.push_back({std::move(what), std::move(undo)});
}

Status Transaction::Undo() {
  NoFaultScope no_faults;
  std::string failures;
  int failed = 0;
  for (auto it = steps_.rbegin(); it != steps_.rend(); ++it) {
    Status s = it->undo();
    if (!s.ok()) {
      if (failed++ == 0) failures = it->what + ": " + s.message();
    }
  }
  steps_.clear();
  if (failed == 0) return Status::Ok();
  return Status(Code::kUnknown, "undo failed for " + std::to_string(failed) + " step(s), first: " + failures);
}

}  // namespace vgpu::installer
