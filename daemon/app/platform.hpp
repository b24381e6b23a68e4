#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "app/config.hpp"

// What sealbridged does differently on POSIX and on Windows: platform_posix.cpp or
// platform_win.cpp, chosen by CMake. Everything else in the daemon is the same code.
namespace sealbridge::app {

// The administrator's config file read when --config is not given:
// /etc/sealbridge/config.json; on Windows %ProgramData%\SealBridge\config.json.
std::filesystem::path system_config_file();

// Windows: %ProgramData%\SealBridge, whose tls\ the installer fills once for every user
// (`tls-setup --machine`, app/machine_tls.hpp); empty on POSIX, where each user mints their own.
std::filesystem::path machine_tls_state_dir();

// Settings an administrator fixes for every user of the machine, applied after both config
// files so that neither the system's defaults nor a user's own file can change them: on
// Windows the policy key HKLM\Software\Policies\SealBridge (values AllowedOrigins, Modules,
// RenewalUrl, UpdateUrl, written by the MSI or a group policy); on POSIX the file
// /etc/sealbridge/policy.json, with the keys of config.json. Sets cfg.policy_source when a
// policy was there. Throws error(bad_params) for a value of the wrong type.
void apply_machine_policy(config& cfg);

// The running program's own file; `argv0` when the system does not say.
std::filesystem::path executable_path(const char* argv0);
// Logs, journals and runtime files of this user when no state dir is configured.
std::filesystem::path default_state_dir();
// The local pages of an installed daemon, or an empty path when `executable` is not installed
// (a build tree then serves the source checkout's pages).
std::filesystem::path installed_webroot(const std::filesystem::path& executable);

unsigned long current_process_id();

// Windows: a GUI-subsystem program has no console of its own; when started from one, its
// output goes there. Nothing on POSIX. Call first thing in main().
void attach_console();

// POSIX: blocks SIGINT and SIGTERM (stop_request takes them) and ignores SIGPIPE. Call before
// the daemon starts any thread: threads inherit the mask. Nothing on Windows.
void block_stop_signals();

// Calls `on_stop` once, on its own thread, when the system asks the daemon to stop: SIGINT or
// SIGTERM on POSIX (block_stop_signals first); on Windows WM_CLOSE to its hidden window
// (taskkill without /F), the session ending, Ctrl+C or Ctrl+Break. The destructor returns once
// `on_stop` has returned or will never run.
class stop_request {
 public:
  explicit stop_request(std::function<void()> on_stop);
  ~stop_request();
  stop_request(const stop_request&) = delete;
  stop_request& operator=(const stop_request&) = delete;

  struct state;  // per platform; public so that the platform's callbacks can name it

 private:
  std::unique_ptr<state> state_;
};

}  // namespace sealbridge::app
