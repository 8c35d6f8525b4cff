// vgpu-install: puts vgpu's CUDA libraries where Ollama's runners look, and
// takes them out again. See installer/README.md.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "installer/commands.h"
#include "installer/settings.h"

#ifndef VGPU_VERSION
#define VGPU_VERSION "0.0.0"
#endif

namespace {

using vgpu::installer::Settings;

void AddCommonOptions(CLI::App* cmd, Settings* s) {
  cmd->add_option("--ollama-dir", s->ollama_dir,
                  "Ollama's lib/ollama folder (default: auto-detect /usr/local/lib/ollama, /usr/lib/ollama, "
                  "/opt/ollama/lib/ollama, <ollama on PATH>/../lib/ollama)");
  cmd->add_option("--lib-dir", s->lib_dir, "folder of vgpu's client libraries (default /usr/lib/vgpu)");
  cmd->add_option("--state-dir", s->state_dir,
                  "where backups and manifests live (default /var/lib/vgpu, env VGPU_INSTALL_STATE_DIR)")
      ->each([s](const std::string&) { s->state_dir_explicit = true; });
  cmd->add_option("--client-conf", s->client_conf,
                  "client configuration file (default /etc/vgpu/client.conf, env VGPU_INSTALL_CLIENT_CONF)");
  cmd->add_option("--systemd-dir", s->systemd_dir,
                  "systemd unit folder for the drop-in (default /etc/systemd/system, env VGPU_INSTALL_SYSTEMD_DIR)");
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings = vgpu::installer::DefaultSettings();
  CLI::App app{"vgpu-install: link vgpu's CUDA libraries into an Ollama install, and roll back exactly"};
  app.set_version_flag("--version", "vgpu-install " VGPU_VERSION);
  app.require_subcommand(1);

  auto* install = app.add_subcommand("install", "back up Ollama's CUDA libraries and link vgpu's in their place");
  AddCommonOptions(install, &settings);
  install->add_option("--server", settings.server, "HOST:PORT of vgpu-server; writes the client.conf file");
  install->add_flag("--systemd", settings.systemd, "add an ollama.service drop-in that re-applies before each start");
  install->add_flag("--dry-run", settings.dry_run, "say what would change, change nothing");
  install->add_flag("-q,--quiet", settings.quiet, "print only errors and warnings");

  auto* rollback = app.add_subcommand("rollback", "restore Ollama's original libraries and remove vgpu's links");
  AddCommonOptions(rollback, &settings);
  rollback->add_flag("--dry-run", settings.dry_run, "say what would change, change nothing");
  rollback->add_flag("-q,--quiet", settings.quiet, "print only errors and warnings");

  auto* status = app.add_subcommand("status", "show per folder what is original, vgpu's, foreign or broken");
  AddCommonOptions(status, &settings);
  auto* verify = app.add_subcommand("verify", "exit non-zero on any drift from the installed state");
  AddCommonOptions(verify, &settings);
  auto* doctor = app.add_subcommand("doctor", "check server, Ollama version, links, client.conf and a runner's view");
  AddCommonOptions(doctor, &settings);

  int probe_major = 0;
  std::string probe_ggml;
  auto* probe = app.add_subcommand("__probe", "");  // hidden: doctor's child process
  probe->group("");
  probe->add_option("--cuda-major", probe_major)->required();
  probe->add_option("--ggml", probe_ggml);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vgpu-install: error: %s (see vgpu-install --help)\n", e.what());
    return 2;
  }

  using namespace vgpu::installer;
  if (install->parsed()) return RunInstall(settings);
  if (rollback->parsed()) return RunRollback(settings);
  if (status->parsed()) return RunStatus(settings, false);
  if (verify->parsed()) return RunStatus(settings, true);
  if (doctor->parsed()) return RunDoctor(settings);
  if (probe->parsed()) return RunProbe(probe_major, probe_ggml);
  return 2;
}
