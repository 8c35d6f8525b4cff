// vgpu-server: serves CUDA calls from vgpu's client libraries on a real GPU
// (backend cuda) or on the software GPU (backend emu).
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "common/log.h"
#include "proto/protocol.h"
#include "server/backends/factory.h"
#include "server/image_cache.h"
#include "server/security.h"
#include "server/service.h"
#include "server/session/cancellation.h"
#include "server/session/limits.h"

namespace {

// Waits for SIGTERM or SIGINT on a dedicated thread, then shuts down cleanly.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// How long after SIGTERM the process exits, whatever its sessions do.
constexpr std::chrono::seconds kExitBackstop{5};

}  // namespace

int main(int argc, char** argv) {
  // Block before gRPC starts its threads, so they inherit the mask.
  sigset_t shutdown_signals = BlockShutdownSignals();

  CLI::App app{"vgpu-server: runs CUDA calls from vgpu clients on this machine's GPU"};
  std::string listen = "127.0.0.1:50051";
  std::string log_level = "info";
  std::string cache_dir;
  double emu_memory_gib = 16;
  double emu_kernel_timeout_s = 0;
  uint64_t cache_max_mib = 1024;
  uint64_t quota_mib = 0;
  vgpu::server::Admission::Options admission;
  vgpu::backend::BackendOptions options;
  app.add_option("--listen", listen, "address:port to listen on")->capture_default_str();
  app.add_option("--backend", options.kind, "cuda, emu, or auto (cuda when a GPU is found)")
      ->check(CLI::IsMember({"cuda", "emu", "auto"}))
      ->capture_default_str();
  app.add_option("--log-level", log_level, "error, warn, info, debug or trace")
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace", "off"}))
      ->capture_default_str();
  app.add_option("--cache-dir", cache_dir, "keep module images here across restarts");
  app.add_option("--emu-memory-gib", emu_memory_gib, "device memory of the software GPU")
      ->check(CLI::Range(0.001, 1024.0))
      ->capture_default_str();
  app.add_option("--emu-kernel-timeout", emu_kernel_timeout_s,
                 "seconds a launch on the software GPU may run before it fails with CUDA_ERROR_LAUNCH_TIMEOUT "
                 "(0: no limit, as on a GPU without a display)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  app.add_option("--cache-max-mib", cache_max_mib, "bound on the images kept in --cache-dir (least recently used go)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--quota-mib", quota_mib, "device memory each client may allocate (0: the whole device)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--max-sessions", admission.max_sessions, "clients served at once; more are refused")
      ->check(CLI::Range(size_t{1}, size_t{100000}))
      ->capture_default_str();
  app.add_option("--max-contexts", admission.per_session.max_contexts, "contexts one client may hold")
      ->check(CLI::Range(size_t{1}, size_t{1} << 16))
      ->capture_default_str();
  app.add_option("--max-streams", admission.per_session.max_streams, "streams one client may hold")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24))
      ->capture_default_str();
  app.add_option("--max-events", admission.per_session.max_events, "events one client may hold")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24))
      ->capture_default_str();
  app.add_option("--max-modules", admission.per_session.max_modules, "modules one client may hold")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24))
      ->capture_default_str();
  vgpu::server::SecurityOptions security_options;
  app.add_option("--tls-cert", security_options.tls_cert, "PEM server certificate: serve TLS");
  app.add_option("--tls-key", security_options.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-ca", security_options.tls_ca, "PEM CA: require client certificates it signed (mutual TLS)");
  app.add_option("--token-file", security_options.token_file,
                 "accept only clients presenting a token of this file (one per line: TOKEN [quota_mib=N])");
  app.add_flag("--insecure", security_options.insecure,
               "allow a non-loopback --listen without TLS and a token (trusted networks only)");
  CLI11_PARSE(app, argc, argv);
  if (quota_mib > 0) admission.per_session.quota_bytes = quota_mib << 20;

  vgpu::log::SetComponent("server");
  vgpu::log::Configure(log_level.c_str());
  options.emu_memory_bytes = static_cast<uint64_t>(emu_memory_gib * (1ull << 30));
  options.emu_kernel_timeout =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(emu_kernel_timeout_s));

  auto security = vgpu::server::ConfigureSecurity(security_options, listen);
  if (!security.ok()) {
    std::fprintf(stderr, "vgpu-server: %s\n", security.status().message().c_str());
    return 1;
  }

  auto backend = vgpu::backend::CreateBackend(options);
  if (!backend.ok()) {
    std::fprintf(stderr, "vgpu-server: %s\n", backend.status().message().c_str());
    return 1;
  }
  vgpu::server::ImageCache images(cache_dir, 4ull << 30, cache_max_mib << 20);
  vgpu::server::Admission sessions(admission);
  vgpu::server::Service service(**backend, images, sessions);
  if (!security->tokens.empty()) service.RequireTokens(&security->tokens);

  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen, security->credentials, &bound_port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(vgpu::wire::kMaxMessageBytes);
  builder.SetMaxSendMessageSize(vgpu::wire::kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Bulk copies: a large stream window and frames keep the pipe full.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 << 20);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_FRAME_SIZE, (16 << 20) - 1);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "vgpu-server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  const auto& devices = (*backend)->devices();
  VGPU_LOG(Info, "main", "listening on %s (%s, %s), backend %s, %zu device(s)%s%s", listen.c_str(),
           security->mutual_tls ? "mutual TLS" : security->tls ? "TLS" : "no TLS",
           security->tokens.empty() ? "no token" : "token required", (*backend)->name().c_str(), devices.size(),
           devices.empty() ? "" : ": ", devices.empty() ? "" : devices[0].name.c_str());

  std::thread shutdown_thread([&] {
    int signal_number = 0;
    sigwait(&shutdown_signals, &signal_number);
    VGPU_LOG(Info, "main", "signal %d: shutting down", signal_number);
    // Launches stop between thread blocks; streams still open after the grace
    // period are cancelled. Whatever still runs then (a kernel on the real
    // GPU that never ends) does not keep the process alive.
    vgpu::server::Cancellation::StopAll();
    std::thread([] {
      std::this_thread::sleep_for(kExitBackstop);
      VGPU_LOG(Warn, "main", "sessions did not end within %lld s of the signal; exiting anyway",
               static_cast<long long>(kExitBackstop.count()));
      _exit(0);
    }).detach();
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  });
  server->Wait();
  shutdown_thread.join();
  VGPU_LOG(Info, "main", "stopped");
  return 0;
}
