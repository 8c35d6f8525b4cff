// vgpu-ptx-coverage: which instructions of real PTX the emu interpreter cannot run.
//
// Usage: vgpu-ptx-coverage FILE...   (shared objects with a .nv_fatbin section, fatbins, PTX)
// Every PTX entry of every file (every arch it carries) is parsed and decoded by the
// interpreter exactly as a launch would; each instruction the decoder turned into
// "unsupported", each call to a function the interpreter does not provide and each module
// that does not load at all is counted (vprintf and __assertfail are the interpreter's own), grouped by what is missing, with one example kernel.
// Exit status: 0 when the list is empty, 1 when it is not, 2 on unreadable input.
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "image/elf.h"
#include "image/fatbin.h"
#include "server/backends/emu/ptx/builtins.h"
#include "server/backends/emu/ptx/ir.h"
#include "server/backends/emu/ptx/ptx.h"

namespace {

using vgpu::Result;
using vgpu::image::Entry;

struct Gap {
  uint64_t count = 0;              // instructions (or modules) affected
  std::set<std::string> kernels;   // distinct functions affected
  std::set<uint32_t> arches;       // compute_XY of the entries it appears in
  std::string example;             // "file: compute_80: kernel, line N"
  std::string source;              // that PTX line
};

// Line `n` (1-based) of `text`, trimmed.
std::string SourceLine(std::string_view text, uint32_t n) {
  size_t at = 0;
  for (uint32_t i = 1; i < n && at != std::string_view::npos; ++i) {
    at = text.find('\n', at);
    if (at != std::string_view::npos) ++at;
  }
  if (at == std::string_view::npos || n == 0) return {};
  std::string_view line = text.substr(at, text.find('\n', at) - at);
  size_t first = line.find_first_not_of(" \t");
  return first == std::string_view::npos ? std::string() : std::string(line.substr(first, 160));
}

// Decode errors name their PTX line ("line 73301: ..."); drop it so equal problems group.
std::string WithoutLineNumbers(std::string text) {
  for (size_t at; (at = text.find("line ")) != std::string::npos;) {
    size_t end = at + 5;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end == at + 5 || end + 1 >= text.size() || text[end] != ':') break;
    text.erase(at, end + 2 - at);
  }
  return text;
}

// What the decoder recorded as unsupported reads "opcode (why)"; sort it by kind.
std::string KindOf(const std::string& text) {
  size_t open = text.find(" (");
  if (open == std::string::npos) return "opcode";
  std::string why = text.substr(open + 2);
  if (why.rfind("modifier", 0) == 0) return "modifier";
  if (why.find("'%") != std::string::npos) return "special register";
  return "decode error";
}

class Report {
 public:
  void Add(const std::string& kind, const std::string& what, const std::string& kernel, uint32_t sm,
           const std::string& where, std::string_view ptx = {}, uint32_t line = 0) {
    Gap& g = gaps_[{kind, what}];
    if (g.example.empty()) {
      g.example = where;
      g.source = SourceLine(ptx, line);
    }
    ++g.count;
    g.kernels.insert(kernel);
    g.arches.insert(sm);
  }

  void Scan(const std::string& file, const Entry& e) {
    ++entries_;
    auto module = vgpu::ptx::Module::Parse(e.bytes);
    std::string arch = "compute_" + std::to_string(e.sm);
    if (!module.ok()) {
      Add("module error", module.status().message(), "(module)", e.sm, file + ": " + arch);
      return;
    }
    const vgpu::ptx::ModuleData& d = (*module)->data();
    kernels_ += (*module)->kernels().size();
    instrs_ += d.code.size();
    for (const vgpu::ptx::Instr& in : d.code) {
      const std::string& fn = d.funcs[in.func].name;
      std::string where = file + ": " + arch + ": " + fn + ", line " + std::to_string(in.line);
      if (in.op == vgpu::ptx::Op::kUnsupported) {
        std::string text = WithoutLineNumbers(d.texts[in.text]);
        Add(KindOf(text), text, fn, e.sm, where, e.bytes, in.line);
      } else if (in.op == vgpu::ptx::Op::kCall && in.imm >= 0 && static_cast<size_t>(in.imm) < d.calls.size()) {
        const vgpu::ptx::Function& callee = d.funcs[d.calls[in.imm].callee];
        if (!callee.has_body && !vgpu::ptx::IsBuiltinFunction(callee.name))
          Add("external call", callee.name, fn, e.sm, where, e.bytes, in.line);
      }
    }
  }

  // Prints the list; returns whether it is empty.
  bool Print() const {
    std::printf("ptx-coverage: %zu PTX entries, %zu kernels, %zu decoded instructions\n", entries_, kernels_,
                instrs_);
    for (const auto& [key, g] : gaps_) {
      std::string arches;
      for (uint32_t sm : g.arches) arches += (arches.empty() ? "" : ",") + std::to_string(sm);
      std::printf("%-16s %-60s x%-6llu in %zu functions [compute %s]  e.g. %s\n", key.first.c_str(),
                  key.second.c_str(), static_cast<unsigned long long>(g.count), g.kernels.size(), arches.c_str(),
                  g.example.c_str());
      if (!g.source.empty()) std::printf("%16s   %s\n", "", g.source.c_str());
    }
    std::printf("ptx-coverage: %zu gaps\n", gaps_.size());
    return gaps_.empty();
  }

  size_t entries() const { return entries_; }

 private:
  std::map<std::pair<std::string, std::string>, Gap> gaps_;
  size_t entries_ = 0, kernels_ = 0, instrs_ = 0;
};

// The PTX entries of a shared object's .nv_fatbin section, a fatbin or a PTX file.
Result<std::vector<Entry>> PtxEntries(const std::string& bytes) {
  std::span<const uint8_t> all(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  std::vector<Entry> out;
  auto keep_ptx = [&](std::vector<Entry>& entries) {
    for (Entry& e : entries)
      if (e.kind == Entry::Kind::kPtx) out.push_back(std::move(e));
  };
  if (bytes.rfind("\x7f" "ELF", 0) == 0) {
    VGPU_ASSIGN_OR_RETURN(vgpu::image::elf::File elf, vgpu::image::elf::File::Parse(all));
    int index = elf.FindSection(".nv_fatbin");
    if (index < 0) return vgpu::Status(vgpu::Code::kInvalidImage, "no .nv_fatbin section");
    VGPU_ASSIGN_OR_RETURN(auto containers, vgpu::image::SplitContainers(elf.sections()[index].bytes));
    for (std::span<const uint8_t> c : containers) {
      VGPU_ASSIGN_OR_RETURN(std::vector<Entry> entries, vgpu::image::ParseFatbin(c));
      keep_ptx(entries);
    }
    return out;
  }
  VGPU_ASSIGN_OR_RETURN(std::vector<Entry> entries, vgpu::image::Entries(all));
  keep_ptx(entries);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE... (shared objects, fatbins or PTX)\n", argv[0]);
    return 2;
  }
  Report report;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "ptx-coverage: cannot read %s\n", argv[i]);
      return 2;
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<std::vector<Entry>> entries = PtxEntries(bytes);
    if (!entries.ok()) {
      std::fprintf(stderr, "ptx-coverage: %s: %s\n", argv[i], entries.status().message().c_str());
      return 2;
    }
    std::printf("ptx-coverage: %s: %zu PTX entries\n", argv[i], entries->size());
    std::string name = argv[i];
    name = name.substr(name.find_last_of('/') + 1);
    for (const Entry& e : *entries) report.Scan(name, e);
  }
  return report.Print() ? 0 : 1;
}
