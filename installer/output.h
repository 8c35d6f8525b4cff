// Where the installer's words go: progress on stdout (silenced by --quiet),
// warnings and the one-line failure reason on stderr.
#pragma once

#include <string>

namespace vgpu::installer {

class Output {
 public:
  explicit Output(bool quiet) : quiet_(quiet) {}
  void Say(const std::string& line) const;
  void Warn(const std::string& line) const;
  void Error(const std::string& line) const;
  bool quiet() const { return quiet_; }

 private:
  bool quiet_;
};

}  // namespace vgpu::installer
