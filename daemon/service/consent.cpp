#include "service/consent.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "service/child_process.hpp"
#include "service/consent_broker_loop.hpp"
#include "service/consent_protocol.hpp"
#include "service/consent_verdict.hpp"

namespace sealbridge::service {

namespace {

using steady = std::chrono::steady_clock;

constexpr int reap_poll_ms = 10;

// What the dialog needs to reach the user's session; nothing else of the daemon's environment
// (LD_PRELOAD, GTK_MODULES, ...) is handed on.
constexpr const char* passed_environment[] = {
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "LANG",
    "LC_ALL",
    "LC_MESSAGES",
    "XDG_RUNTIME_DIR",  // where WAYLAND_DISPLAY and the session bus live
    "HOME",             // GTK settings and fontconfig caches
};

std::vector<std::string> dialog_environment() {
  std::vector<std::string> out;
  for (const char* name : passed_environment)
    if (const char* value = std::getenv(name)) out.push_back(std::string(name) + "=" + value);
  return out;
}

bool have_display() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 && *x11) || (wayland && *wayland);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

dialog_ending ending_of(int status, const std::optional<std::string>& failure) {
  dialog_ending out;
  out.failure = failure;
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  out.description = describe_status(status);
  return out;
}

}  // namespace

class dialog_process_prompter::broker : public consent_broker_loop<broker> {
 public:
  explicit broker(options opts) : consent_broker_loop(opts.max_waiting), options_(std::move(opts)) {
    if (options_.program.empty()) options_.program = default_consent_program();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
      throw error(errc::internal, "consent: cannot create the wake-up pipe");
    wake_read_ = fds[0];
    wake_write_ = fds[1];
    launch();
  }

  ~broker() {
    halt();
    ::close(wake_read_);
    ::close(wake_write_);
  }

 private:
  friend class consent_broker_loop<broker>;

  struct dialog {
    pending_consent asked;
    std::unique_ptr<child_process> process;
    std::string input;
    std::size_t written = 0;
    std::array<char, consent_answer_max + 1> output{};
    std::size_t received = 0;
    steady::time_point deadline;
    std::optional<steady::time_point> exit_deadline;  // set once stdout has closed
    std::optional<std::string> failure;               // why it is being killed, when it is

    ~dialog() { OPENSSL_cleanse(output.data(), output.size()); }
  };

  void wake() noexcept {
    const char byte = 1;
    // A full pipe already holds a wake-up, so a failed write loses nothing.
    [[maybe_unused]] auto ignored = ::write(wake_write_, &byte, 1);
  }

  void drain_wake() noexcept {
    char buffer[64];
    while (::read(wake_read_, buffer, sizeof buffer) > 0) {
    }
  }

  bool dialog_open() const { return current_ != nullptr; }

  void start(pending_consent next) {
    if (!have_display()) {
      complete_consent(next.done,
                       error(errc::not_supported, "no graphical session for the consent dialog"));
      return;
    }
    auto d = std::make_unique<dialog>();
    d->input = encode_consent_request(next.request, options_.timeout);
    d->deadline = steady::now() + options_.timeout + dialog_watchdog_grace;
    try {
      d->process = std::make_unique<child_process>(options_.program, dialog_environment());
    } catch (const error& e) {
      spdlog::warn("consent: cannot start {}: {}", options_.program.string(), e.detail());
      complete_consent(next.done, e);
      return;
    }
    spdlog::info("consent: dialog {} opened for {}", d->process->pid(), next.request.origin);
    d->asked = std::move(next);
    current_ = std::move(d);
  }

  void wait_for_events() {
    std::array<pollfd, 3> fds{};
    nfds_t count = 0;
    fds[count++] = {wake_read_, POLLIN, 0};
    int timeout_ms = -1;
    if (current_) {
      auto& process = *current_->process;
      if (process.stdin_fd() >= 0) fds[count++] = {process.stdin_fd(), POLLOUT, 0};
      if (process.stdout_fd() >= 0) fds[count++] = {process.stdout_fd(), POLLIN, 0};
      if (current_->exit_deadline) {
        timeout_ms = reap_poll_ms;  // there is no portable fd for "child exited": look often
      } else {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(current_->deadline -
                                                                                steady::now());
        timeout_ms = static_cast<int>(std::clamp<long long>(left.count() + 1, 0, 60'000));
      }
    }
    if (::poll(fds.data(), count, timeout_ms) < 0 && errno != EINTR)
      spdlog::error("consent: poll failed: {}", std::strerror(errno));
    if (fds[0].revents) drain_wake();
  }

  void advance() {
    auto& d = *current_;
    auto& process = *d.process;
    if (process.stdin_fd() >= 0) feed(d);
    if (process.stdout_fd() >= 0) collect(d);

    const auto now = steady::now();
    if (!d.failure && !d.exit_deadline && now >= d.deadline) {
      spdlog::warn("consent: dialog {} did not answer in time, killing it", process.pid());
      kill(d, "the consent dialog timed out");
    }
    if (d.exit_deadline && !process.try_reap() && now >= *d.exit_deadline) {
      kill(d, d.failure.value_or("the consent dialog did not exit after answering"));
    }
    if (auto status = process.try_reap()) finish(*status);
  }

  void feed(dialog& d) {
    auto& process = *d.process;
    while (d.written < d.input.size()) {
      const long n = process.write_stdin(d.input.data() + d.written, d.input.size() - d.written);
      if (n == 0) return;  // the socket is full; poll tells us when it drains
      if (n < 0) break;    // the dialog stopped reading; its answer (or exit) will tell why
      d.written += static_cast<std::size_t>(n);
    }
    process.close_stdin();
    OPENSSL_cleanse(d.input.data(), d.input.size());
    d.input.clear();
  }

  void collect(dialog& d) {
    auto& process = *d.process;
    for (;;) {
      if (d.received == d.output.size()) {
        kill(d, "the consent dialog's answer is too long");
        return;
      }
      const ssize_t n =
          ::read(process.stdout_fd(), d.output.data() + d.received, d.output.size() - d.received);
      if (n > 0) {
        d.received += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      process.close_stdout();  // EOF (or an error): the answer is complete
      d.exit_deadline = steady::now() + dialog_exit_grace;
      return;
    }
  }

  void kill(dialog& d, std::string why) {
    if (!d.failure) d.failure = std::move(why);
    d.process->close_stdin();
    d.process->close_stdout();
    d.process->kill_and_reap();
  }

  void finish(int status) {
    std::unique_ptr<dialog> d = std::move(current_);
    const pid_t pid = d->process->pid();
    consent_outcome result =
        judge_dialog(d->asked.request, std::string_view(d->output.data(), d->received),
                     ending_of(status, d->failure));
    if (auto* e = std::get_if<error>(&result))
      spdlog::info("consent: dialog {} for {}: {}", pid, d->asked.request.origin, e->detail());
    else
      spdlog::info("consent: dialog {} for {}: approved", pid, d->asked.request.origin);
    consent_callback done = std::move(d->asked.done);
    d.reset();  // wipes the answer buffer before anyone else runs
    complete_consent(done, std::move(result));
  }

  void end_dialog_for_shutdown() {
    kill(*current_, "the signing service is shutting down");
    finish(current_->process->kill_and_reap());
  }

  options options_;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::unique_ptr<dialog> current_;
};

dialog_process_prompter::dialog_process_prompter(options opts)
    : broker_(std::make_unique<broker>(std::move(opts))) {}

dialog_process_prompter::~dialog_process_prompter() = default;

void dialog_process_prompter::ask(consent_request request, consent_callback done) {
  broker_->ask(std::move(request), std::move(done));
}

std::filesystem::path default_consent_program() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return self.parent_path() / "sealbridge-consent";
}

}  // namespace sealbridge::service
