// The raw round-trip baseline the benchmarks compare with: a 1-byte
// request/response over loopback TCP, nothing else.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace vgpu::bench {

// Baseline: 1-byte request/response over loopback TCP, nothing else.
inline double TcpPingPongMicros(int rounds) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t length = sizeof(addr);
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length);
  listen(listener, 1);
  std::thread echo([&] {
    int fd = accept(listener, nullptr, nullptr);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    char byte;
    while (read(fd, &byte, 1) == 1) {
      if (write(fd, &byte, 1) != 1) break;
    }
    close(fd);
  });
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  char byte = 1;
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  for (int i = 0; i < rounds; ++i) {
    if (write(fd, &byte, 1) != 1 || read(fd, &byte, 1) != 1) break;
  }
  double per = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / rounds;
  close(fd);
  echo.join();
  close(listener);
  return per;
}

}  // namespace vgpu::bench
