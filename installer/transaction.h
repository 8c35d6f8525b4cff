// Undo log for one install or rollback run: each change registers how to
// reverse it, and a failure part-way reverses them all, newest first.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace vgpu::installer {

class Transaction {
 public:
  void OnUndo(std::string what, std::function<Status()> undo);
  // Runs every undo step (fault injection off); reports the steps that failed.
  Status Undo();
  void Commit() { steps_.clear(); }
  size_t size() const { return steps_.size(); }

 private:
  struct Step {
    std::string what;
    std::function<Status()> undo;
  };
  std::vector<Step> steps_;
};

}  // namespace vgpu::installer
