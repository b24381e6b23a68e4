#pragma once

#include <spdlog/spdlog.h>

#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "core/thread_name.hpp"
#include "service/consent.hpp"
#include "service/consent_verdict.hpp"

// The part of a consent broker that does not depend on how a dialog process is run: requests
// handed over from any thread, one dialog at a time, a bounded waiting list with BUSY beyond it,
// and every caller answered at shutdown. consent.cpp (POSIX) and consent_win.cpp (Windows) add
// only the waiting and the process.
namespace sealbridge::service {

struct pending_consent {
  consent_request request;
  consent_callback done;
};

// `Platform` derives from this and provides, all called on the broker thread only:
//   bool dialog_open() const;          a dialog is running
//   void start(pending_consent);       open one (or complete it at once when that fails)
//   void wait_for_events();            sleep until woken, the dialog stirs, or its deadline
//   void advance();                    handle what the dialog did; may end it
//   void end_dialog_for_shutdown();    kill the open dialog and complete its request
// and, from any thread, `void wake() noexcept;` to end a wait_for_events early.
template <class Platform>
class consent_broker_loop {
 public:
  consent_broker_loop(const consent_broker_loop&) = delete;
  consent_broker_loop& operator=(const consent_broker_loop&) = delete;

  // Never blocks; `done` runs on the broker thread.
  void ask(consent_request request, consent_callback done) {
    {
      std::lock_guard lock(mutex_);
      inbox_.push_back({std::move(request), std::move(done)});
    }
    self().wake();
  }

 protected:
  explicit consent_broker_loop(std::size_t max_waiting) : max_waiting_(max_waiting) {}
  ~consent_broker_loop() = default;

  // The platform calls this last in its constructor (everything the loop uses exists by then)
  // and halt() first in its destructor (the loop is gone before anything it uses).
  void launch() {
    thread_ = std::thread([this] {
      name_this_thread("consent");
      run();
    });
  }

  void halt() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    self().wake();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Platform& self() { return static_cast<Platform&>(*this); }

  void run() {
    for (;;) {
      std::deque<pending_consent> arrived;
      bool stopping;
      {
        std::lock_guard lock(mutex_);
        arrived.swap(inbox_);
        stopping = stopping_;
      }
      if (stopping) {
        for (auto& p : arrived) waiting_.push_back(std::move(p));
        break;
      }
      for (auto& p : arrived) admit(std::move(p));
      start_next();
      self().wait_for_events();
      if (self().dialog_open()) self().advance();
    }
    shut_down();
  }

  // One dialog open, at most max_waiting behind it, everything beyond refused at once.
  void admit(pending_consent p) {
    if (!self().dialog_open() && waiting_.empty()) {
      waiting_.push_back(std::move(p));
      start_next();
    } else if (waiting_.size() < max_waiting_) {
      waiting_.push_back(std::move(p));
    } else {
      spdlog::warn("consent: {} requests already waiting, refusing one from {}", waiting_.size(),
                   p.request.origin);
      complete_consent(p.done,
                       error(errc::busy, "too many signing requests are waiting for approval"));
    }
  }

  // A request whose dialog cannot start is completed at once; the next one is tried.
  void start_next() {
    while (!self().dialog_open() && !waiting_.empty()) {
      pending_consent next = std::move(waiting_.front());
      waiting_.pop_front();
      self().start(std::move(next));
    }
  }

  void shut_down() {
    if (self().dialog_open()) self().end_dialog_for_shutdown();
    {
      std::lock_guard lock(mutex_);
      for (auto& p : inbox_) waiting_.push_back(std::move(p));
      inbox_.clear();
    }
    for (auto& p : waiting_)
      complete_consent(p.done, error(errc::cancelled, "the signing service is shutting down"));
    waiting_.clear();
  }

  const std::size_t max_waiting_;

  std::mutex mutex_;  // guards inbox_ and stopping_; the rest is the broker thread's
  std::deque<pending_consent> inbox_;
  bool stopping_ = false;

  std::deque<pending_consent> waiting_;
  std::thread thread_;
};

}  // namespace sealbridge::service
