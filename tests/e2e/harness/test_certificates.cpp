#include "tests/e2e/harness/test_certificates.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vgpu::test {

std::unique_ptr<TestCertificates> TestCertificates::Generate() {
  char pattern[] = "/tmp/vgpu-tls-test.XXXXXX";
  if (mkdtemp(pattern) == nullptr) return nullptr;
  std::unique_ptr<TestCertificates> certificates(new TestCertificates(pattern));
  const std::string& d = certificates->dir_;
  // P-256 keys: quick to make. One day of validity is plenty for a test.
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  const std::string script =
      "set -e; cd '" + d + "'\n" +
      "openssl req -x509" + key + " -keyout ca.key -out ca.crt -days 1 -subj /CN=vgpu-test-ca\n" +
      "openssl req -x509" + key + " -keyout other-ca.key -out other-ca.crt -days 1 -subj /CN=vgpu-other-ca\n" +
      "openssl req" + key + " -keyout server.key -out server.csr -subj /CN=localhost\n" +
      "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext\n" +
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -extfile server.ext"
      " -out server.crt\n" +
      "openssl req" + key + " -keyout client.key -out client.csr -subj /CN=vgpu-test-client\n" +
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 -out client.crt\n";
  std::string script_path = d + "/make.sh";
  std::ofstream(script_path) << script;
  if (std::system(("sh '" + script_path + "' > '" + d + "/openssl.log' 2>&1").c_str()) != 0) return nullptr;
  return certificates;
}

std::string TestCertificates::WriteFile(const std::string& name, const std::string& text) const {
  std::string path = dir_ + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TestCertificates::~TestCertificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace vgpu::test
