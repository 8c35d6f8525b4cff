// Finding an Ollama install and reading its lib/ollama layout: the cuda_vNN
// folders and the symlink chains of NVIDIA's libraries inside them.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "installer/fs_util.h"

namespace vgpu::installer {

struct CudaFolder {
  std::string name;  // "cuda_v12"
  int major = 0;     // 12
};

struct OllamaLayout {
  std::string dir;  // canonical path of lib/ollama
  std::vector<CudaFolder> cuda_folders;  // sorted by major
  bool has_llama_server = false;         // era C ships llama-server at the top level
};

// Where an Ollama install was looked for, for the "no Ollama found" message.
std::vector<std::string> OllamaCandidates();
// `explicit_dir` when given, else the first candidate that looks like lib/ollama.
Result<std::string> FindOllamaDir(const std::string& explicit_dir);
// True when `dir` holds something only lib/ollama holds.
bool LooksLikeOllamaLibDir(const std::string& dir);
Result<OllamaLayout> ScanLayout(const std::string& dir);

// A chain such as libcudart.so.12 -> libcudart.so.12.8.90 (a regular file),
// followed inside one folder.
struct Chain {
  enum class End {
    kAbsent,    // the head name does not exist
    kFile,      // ends in a regular file inside the folder
    kLinkOut,   // ends in a symlink leaving the folder (vgpu's, or foreign)
    kDangling,  // a link inside the folder points to nothing
    kLoop,      // too many links
    kOther,     // a folder, socket, ...
  };
  std::string head;                // "libcudart.so.12"
  std::vector<std::string> names;  // head first, last name last
  End end = End::kAbsent;
  std::string last;  // last name in the folder (the file, or the link leaving)
  NodeInfo last_info;
};
Result<Chain> FollowChain(const std::string& folder, const std::string& head);

// "0.12.3" from `<dir>/../../bin/ollama --version` or the ollama on PATH; empty when unknown.
std::string OllamaVersion(const std::string& ollama_dir);
// "A", "B", "C", or a guess from the layout ("A or B") when the version is unknown.
std::string OllamaEra(const std::string& version, const OllamaLayout& layout);

}  // namespace vgpu::installer
