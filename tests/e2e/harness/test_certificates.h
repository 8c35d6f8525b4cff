// Throwaway TLS material for the end-to-end tests, made by the `openssl`
// command at test time (keys are never committed): a CA, a server
// certificate it signed for localhost and 127.0.0.1, a client certificate
// it signed, and an unrelated second CA.
#pragma once

#include <memory>
#include <string>

namespace vgpu::test {

class TestCertificates {
 public:
  // Null when `openssl` is missing or fails (the caller skips with a warning).
  static std::unique_ptr<TestCertificates> Generate();
  ~TestCertificates();  // removes the folder

  const std::string& dir() const { return dir_; }
  std::string ca() const { return dir_ + "/ca.crt"; }
  std::string server_cert() const { return dir_ + "/server.crt"; }
  std::string server_key() const { return dir_ + "/server.key"; }
  std::string client_cert() const { return dir_ + "/client.crt"; }
  std::string client_key() const { return dir_ + "/client.key"; }
  std::string other_ca() const { return dir_ + "/other-ca.crt"; }
  // Writes `text` to dir()/name and returns its path.
  std::string WriteFile(const std::string& name, const std::string& text) const;

 private:
  explicit TestCertificates(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace vgpu::test
