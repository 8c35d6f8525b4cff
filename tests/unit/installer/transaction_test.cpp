#include "installer/transaction.h"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "installer/fs_util.h"

using namespace vgpu::installer;

TEST_CASE("undo runs newest first and reports failures", "[installer][unit]") {
  Transaction tx;
  std::vector<int> order;
  tx.OnUndo("one", [&] {
    order.push_back(1);
    return vgpu::Status::Ok();
  });
  tx.OnUndo("two", [&] {
    order.push_back(2);
    return vgpu::Status(vgpu::Code::kUnknown, "boom");
  });
  vgpu::Status s = tx.Undo();
  CHECK(order == std::vector<int>{2, 1});
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("two: boom") != std::string::npos);
  CHECK(tx.size() == 0);
}

TEST_CASE("VGPU_INSTALL_FAIL_AT fails exactly the Nth change", "[installer][unit]") {
  char tmpl[] = "/tmp/vgpu-installer-fault-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  ::setenv("VGPU_INSTALL_FAIL_AT", "2", 1);
  ResetFaultInjection();
  CHECK(Symlink("a", dir + "/one").ok());
  auto second = Symlink("b", dir + "/two");
  CHECK_FALSE(second.ok());
  CHECK(second.message().find("injected failure") != std::string::npos);
  {
    NoFaultScope no_faults;  // not counted
    CHECK(Unlink(dir + "/one").ok());
  }
  CHECK(Symlink("c", dir + "/three").ok());
  ::unsetenv("VGPU_INSTALL_FAIL_AT");
  ResetFaultInjection();
  std::filesystem::remove_all(dir);
}

TEST_CASE("atomic writes and symlink replacement leave no temporary names", "[installer][unit]") {
  char tmpl[] = "/tmp/vgpu-installer-atomic-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  ResetFaultInjection();
  REQUIRE(WriteFileAtomic(dir + "/f", "hello", 0640).ok());
  CHECK(*ReadFile(dir + "/f") == "hello");
  CHECK(Lstat(dir + "/f")->mode == 0640u);
  REQUIRE(ReplaceWithSymlink("/target", dir + "/f").ok());
  CHECK(Lstat(dir + "/f")->link_target == "/target");
  CHECK(ListDir(dir)->size() == 1);
  auto err = ErrnoStatus("write", "/x", EROFS);
  CHECK(err.message().rfind("read-only filesystem", 0) == 0);
  std::filesystem::remove_all(dir);
}
