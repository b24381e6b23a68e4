// Windows has no consent/PIN dialog yet (the GTK one is POSIX-only, the Win32 one is to come).
// Signing that needs the user's approval is refused with NOT_SUPPORTED instead of ever going
// ahead unapproved; an origin an administrator set to consent "none" still signs.
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "service/consent.hpp"

namespace sealbridge::service {

namespace {

constexpr const char* kRefusal =
    "no consent dialog on Windows in this version: signing that needs the user's approval is "
    "refused";

}  // namespace

// Keeps the prompter's promise that completions run on its own thread, never inside ask().
class dialog_process_prompter::broker {
 public:
  explicit broker(options) : thread_([this] { run(); }) {}

  ~broker() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  void ask(consent_callback done) {
    {
      std::lock_guard lock(mutex_);
      inbox_.push_back(std::move(done));
    }
    wake_.notify_one();
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stopping_ || !inbox_.empty(); });
      if (inbox_.empty()) return;
      auto done = std::move(inbox_.front());
      inbox_.pop_front();
      lock.unlock();
      spdlog::warn("consent: {}", kRefusal);
      try {
        done(error(errc::not_supported, kRefusal));
      } catch (const std::exception& e) {
        spdlog::error("consent: a completion threw: {}", e.what());
      } catch (...) {
        spdlog::error("consent: a completion threw");
      }
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<consent_callback> inbox_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after everything it uses exists
};

dialog_process_prompter::dialog_process_prompter(options opts)
    : broker_(std::make_unique<broker>(std::move(opts))) {}

dialog_process_prompter::~dialog_process_prompter() = default;

void dialog_process_prompter::ask(consent_request, consent_callback done) {
  broker_->ask(std::move(done));
}

std::filesystem::path default_consent_program() {
  return {};
}

}  // namespace sealbridge::service
