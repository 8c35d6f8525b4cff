#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "installer/ollama_layout.h"
#include "installer/survey.h"

using namespace vgpu::installer;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/vgpu-installer-unit-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string path;
};

void Touch(const std::string& path, const std::string& text = "x") {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("chains are followed inside their folder", "[installer][unit]") {
  TempDir t;
  const std::string d = t.path;
  Touch(d + "/libcudart.so.12.8.90");
  fs::create_symlink("libcudart.so.12.8.90", d + "/libcudart.so.12");
  fs::create_symlink("./libcudart.so.12", d + "/libcudart.so");
  auto chain = FollowChain(d, "libcudart.so");
  REQUIRE(chain.ok());
  CHECK(chain->end == Chain::End::kFile);
  CHECK(chain->last == "libcudart.so.12.8.90");
  CHECK(chain->names.size() == 3);

  fs::create_symlink("libmissing.so", d + "/libdangling.so.1");
  chain = FollowChain(d, "libdangling.so.1");
  REQUIRE(chain.ok());
  CHECK(chain->end == Chain::End::kDangling);
  CHECK(chain->last == "libdangling.so.1");

  fs::create_symlink("/bin/true", d + "/libout.so.1");
  chain = FollowChain(d, "libout.so.1");
  CHECK(chain->end == Chain::End::kLinkOut);

  fs::create_symlink("libloop.so.b", d + "/libloop.so.a");
  fs::create_symlink("libloop.so.a", d + "/libloop.so.b");
  CHECK(FollowChain(d, "libloop.so.a")->end == Chain::End::kLoop);
  CHECK(FollowChain(d, "libnone.so.1")->end == Chain::End::kAbsent);
}

TEST_CASE("layout finds cuda_vNN folders only", "[installer][unit]") {
  TempDir t;
  Touch(t.path + "/libggml-base.so");
  fs::create_directories(t.path + "/cuda_v13");
  fs::create_directories(t.path + "/cuda_v12");
  fs::create_directories(t.path + "/mlx_cuda_v13");
  fs::create_directories(t.path + "/cuda_v12.bak");
  auto layout = ScanLayout(t.path);
  REQUIRE(layout.ok());
  REQUIRE(layout->cuda_folders.size() == 2);
  CHECK(layout->cuda_folders[0].major == 12);
  CHECK(layout->cuda_folders[1].name == "cuda_v13");
  CHECK(LooksLikeOllamaLibDir(t.path));
  CHECK(OllamaEra("0.12.3", *layout) == "A");
  CHECK(OllamaEra("0.12.4", *layout) == "B");
  CHECK(OllamaEra("0.30.0", *layout) == "C");
  CHECK(OllamaEra("", *layout) == "A or B");
}

TEST_CASE("survey classifies what each name holds", "[installer][unit]") {
  TempDir t;
  const std::string d = t.path + "/ollama";
  const std::string lib = t.path + "/vgpu";
  Touch(d + "/libggml-base.so");
  Touch(d + "/cuda_v12/libcudart.so.12.8.90");
  fs::create_symlink("libcudart.so.12.8.90", d + "/cuda_v12/libcudart.so.12");
  Touch(d + "/cuda_v12/libcublas.so.12.8.4.1");
  fs::create_symlink("libcublas.so.12.8.4.1", d + "/cuda_v12/libcublas.so.12");
  fs::create_symlink("/nonexistent", d + "/cuda_v12/libcuda.so.1");
  for (const char* name : {"libcuda.so.1", "libcudart.so.12"}) {
    fs::create_directories(lib);
    fs::copy_file("/proc/self/exe", lib + "/" + name);  // any ELF file
  }
  auto survey = TakeSurvey(d, lib, nullptr);
  REQUIRE(survey.ok());
  std::map<std::string, ItemState> states;
  for (const auto& item : survey->items) states[item.rel_path] = item.state;
  CHECK(states["cuda_v12/libcudart.so.12.8.90"] == ItemState::kOriginal);
  CHECK(states["cuda_v12/libcublas.so.12.8.4.1"] == ItemState::kNoVgpuLib);
  CHECK(states["cuda_v12/libcublasLt.so.12"] == ItemState::kAbsent);
  CHECK(states["cuda_v12/libcuda.so.1"] == ItemState::kBroken);
  CHECK(states["libcuda.so.1"] == ItemState::kOriginal);
  CHECK(states["libnvidia-ml.so.1"] == ItemState::kNoVgpuLib);
  int blockers = 0;
  CHECK(FirstBlocker(*survey, &blockers).find("dangling symlink") != std::string::npos);
  CHECK(blockers == 1);
}

TEST_CASE("cuBLAS chains of both CUDA folders are vgpu's to link once vgpu ships libcublas", "[installer][unit]") {
  TempDir t;
  const std::string d = t.path + "/ollama";
  const std::string lib = t.path + "/vgpu";
  Touch(d + "/libggml-base.so");
  fs::create_directories(lib);
  for (const std::string major : {"12", "13"}) {
    const std::string folder = d + "/cuda_v" + major;
    for (const std::string base : {"libcublas", "libcublasLt"}) {
      Touch(folder + "/" + base + ".so." + major + ".1.0.1");
      fs::create_symlink(base + ".so." + major + ".1.0.1", folder + "/" + base + ".so." + major);
      fs::copy_file("/proc/self/exe", lib + "/" + base + ".so." + major);  // any ELF file
    }
  }
  auto survey = TakeSurvey(d, lib, nullptr);
  REQUIRE(survey.ok());
  int chains = 0;
  for (const auto& item : survey->items) {
    if (item.vgpu_name.rfind("libcublas", 0) != 0) continue;
    INFO(item.rel_path << ": " << item.detail);
    ++chains;
    CHECK(item.state == ItemState::kOriginal);  // linked by install, not "vgpu has no ... yet"
    CHECK(item.detail.find("yet") == std::string::npos);
    CHECK(item.vgpu_target == lib + "/" + item.vgpu_name);
  }
  CHECK(chains == 4);
}
