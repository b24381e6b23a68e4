// The Windows broker: runs sealbridge-consent.exe (daemon/consent_dialog, the Win32 window)
// for each request, one at a time, as consent.cpp does on POSIX. The program, its protocol and
// the verdict on its answer (consent_verdict.cpp) are the same; only the waiting differs: one
// WaitForMultipleObjects on a wake-up event, the child's process handle and its "stdout ended"
// event, with the watchdog's deadline as the timeout.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "core/win32_handle.hpp"
#include "core/win32_text.hpp"
#include "service/child_process_win.hpp"
#include "service/consent.hpp"
#include "service/consent_broker_loop.hpp"
#include "service/consent_protocol.hpp"
#include "service/consent_verdict.hpp"

namespace sealbridge::service {

namespace {

using steady = std::chrono::steady_clock;

// Exit codes from 0xC0000000 up are NTSTATUS values of a crash (0xC0000005: access violation).
std::string describe_exit(DWORD code) {
  if (code >= 0xC0000000u) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(code));
    return std::string("crashed with exception code ") + hex;
  }
  return "exited with status " + std::to_string(code);
}

}  // namespace

class dialog_process_prompter::broker : public consent_broker_loop<broker> {
 public:
  explicit broker(options opts) : consent_broker_loop(opts.max_waiting), options_(std::move(opts)) {
    if (options_.program.empty()) options_.program = default_consent_program();
    wake_.reset(CreateEventW(nullptr, FALSE, FALSE, nullptr));
    if (!wake_)
      throw error(errc::internal,
                  "consent: cannot create the wake-up event: " + win32_error_text(GetLastError()));
    launch();
  }

  ~broker() { halt(); }

 private:
  friend class consent_broker_loop<broker>;

  struct dialog {
    pending_consent asked;
    std::unique_ptr<windows_child_process> process;
    steady::time_point deadline;
    bool output_seen = false;
    std::optional<steady::time_point> exit_deadline;  // set once stdout has ended
    std::optional<std::string> failure;               // why it is being killed, when it is
  };

  void wake() noexcept { SetEvent(wake_.get()); }

  bool dialog_open() const { return current_ != nullptr; }

  // No display check here, unlike POSIX: whether this session has a desktop to show a window
  // on is for the dialog to find out (it exits 3 when it has none).
  void start(pending_consent next) {
    auto d = std::make_unique<dialog>();
    d->deadline = steady::now() + options_.timeout + dialog_watchdog_grace;
    try {
      d->process = std::make_unique<windows_child_process>(
          options_.program, encode_consent_request(next.request, options_.timeout),
          consent_answer_max);
    } catch (const error& e) {
      spdlog::warn("consent: cannot start {}: {}", utf8_from_wide(options_.program.wstring()),
                   e.detail());
      complete_consent(next.done, e);
      return;
    }
    spdlog::info("consent: dialog {} opened for {}", d->process->pid(), next.request.origin);
    d->asked = std::move(next);
    current_ = std::move(d);
  }

  void wait_for_events() {
    HANDLE handles[3];
    DWORD count = 0;
    handles[count++] = wake_.get();
    DWORD timeout_ms = INFINITE;
    if (current_) {
      auto& process = *current_->process;
      if (!process.exited()) handles[count++] = process.process_handle();
      if (!current_->output_seen) handles[count++] = process.output_done();
      const auto until = current_->exit_deadline.value_or(current_->deadline);
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now());
      timeout_ms = static_cast<DWORD>(std::clamp<long long>(left.count() + 1, 0, 60'000));
    }
    if (WaitForMultipleObjects(count, handles, FALSE, timeout_ms) == WAIT_FAILED)
      spdlog::error("consent: waiting failed: {}", win32_error_text(GetLastError()));
  }

  void advance() {
    auto& d = *current_;
    auto& process = *d.process;
    const auto now = steady::now();
    if (!d.output_seen && process.output_finished()) {
      d.output_seen = true;
      if (process.output_overflowed())
        kill(d, "the consent dialog's answer is too long");
      else
        d.exit_deadline = now + dialog_exit_grace;
    }
    if (!d.failure && !d.exit_deadline && now >= d.deadline) {
      spdlog::warn("consent: dialog {} did not answer in time, killing it", process.pid());
      kill(d, "the consent dialog timed out");
    }
    if (d.exit_deadline && !process.exited() && now >= *d.exit_deadline)
      kill(d, d.failure.value_or("the consent dialog did not exit after answering"));
    // An exit ends the dialog once its answer has been read (the pipe breaks with the exit, so
    // that is a moment later), or at once when we killed it.
    if (process.exited() && (d.output_seen || d.failure)) finish();
  }

  void kill(dialog& d, std::string why) {
    if (!d.failure) d.failure = std::move(why);
    d.process->terminate();
  }

  void finish() {
    std::unique_ptr<dialog> d = std::move(current_);
    const DWORD pid = d->process->pid();
    dialog_ending ending;
    ending.failure = d->failure;
    if (const auto code = d->process->exit_code()) {
      ending.exit_code = static_cast<int>(*code);
      ending.description = describe_exit(*code);
    } else {
      ending.description = "ended in an unknown way";
    }
    const std::string_view answer =
        d->process->output_finished() ? d->process->output() : std::string_view{};
    consent_outcome result = judge_dialog(d->asked.request, answer, ending);
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
    finish();
  }

  options options_;
  unique_handle wake_;  // auto-reset: one SetEvent wakes the loop once, however many came
  std::unique_ptr<dialog> current_;
};

dialog_process_prompter::dialog_process_prompter(options opts)
    : broker_(std::make_unique<broker>(std::move(opts))) {}

dialog_process_prompter::~dialog_process_prompter() = default;

void dialog_process_prompter::ask(consent_request request, consent_callback done) {
  broker_->ask(std::move(request), std::move(done));
}

// sealbridge-consent.exe in the directory of the running executable, as the MSI installs it.
std::filesystem::path default_consent_program() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) return {};
    if (n < path.size()) {
      path.resize(n);
      break;
    }
    if (path.size() >= 32768) return {};  // longer than any Windows path
    path.resize(path.size() * 2);
  }
  return std::filesystem::path(path).parent_path() / L"sealbridge-consent.exe";
}

}  // namespace sealbridge::service
