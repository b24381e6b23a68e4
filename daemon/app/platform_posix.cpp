#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "app/platform.hpp"
#include "core/thread_name.hpp"

namespace sealbridge::app {

std::filesystem::path machine_tls_state_dir() {
  return {};
}

std::filesystem::path system_config_file() {
  return "/etc/sealbridge/config.json";
}

void apply_machine_policy(config& cfg) {
  const std::filesystem::path file = "/etc/sealbridge/policy.json";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return;
  apply_config_file(cfg, file);
  cfg.policy_source = file.string();
}

std::filesystem::path executable_path(const char* argv0) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(argv0) : exe;
}

std::filesystem::path default_state_dir() {
  if (::geteuid() == 0) return "/var/lib/sealbridge";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg)
    return std::filesystem::path(xdg) / "sealbridge";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".local/state/sealbridge";
  return std::filesystem::temp_directory_path() / "sealbridge";
}

std::filesystem::path installed_webroot(const std::filesystem::path& executable) {
  std::error_code ec;
  auto installed = executable.parent_path() / "../share/sealbridge/webroot";
  return std::filesystem::is_directory(installed, ec) ? installed : std::filesystem::path();
}

unsigned long current_process_id() {
  return static_cast<unsigned long>(::getpid());
}

// Signals are taken by a dedicated thread; every other thread has them blocked.
struct stop_request::state {
  sigset_t signals;
  std::thread waiter;
};

namespace {

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

}  // namespace

void attach_console() {}

void block_stop_signals() {
  const auto signals = stop_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

stop_request::stop_request(std::function<void()> on_stop) : state_(std::make_unique<state>()) {
  state_->signals = stop_signals();
  state_->waiter = std::thread([signals = state_->signals, on_stop = std::move(on_stop)] {
    name_this_thread("signals");
    int received = 0;
    sigwait(&signals, &received);
    spdlog::info("signal {} received, stopping", received);
    on_stop();
  });
}

stop_request::~stop_request() {
  // The daemon may stop on its own (the server failed): wake the waiter so it can be joined.
  pthread_kill(state_->waiter.native_handle(), SIGTERM);
  state_->waiter.join();
}

}  // namespace sealbridge::app
