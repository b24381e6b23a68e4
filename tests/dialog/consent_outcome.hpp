#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "service/consent.hpp"

namespace sealbridge::testing {

using consent_outcome = std::variant<service::consent_answer, sealbridge::error>;

// Holds the outcome a consent callback delivers on the broker thread, for a test to wait on.
class consent_result {
 public:
  service::consent_callback callback() {
    return [this](consent_outcome outcome) {
      std::lock_guard lock(mutex_);
      ++calls_;
      caller_ = std::this_thread::get_id();
      outcome_ = std::move(outcome);
      ready_.notify_all();
    };
  }

  // The outcome, or empty when none came within `limit`.
  std::optional<consent_outcome> wait(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, limit, [this] { return outcome_.has_value(); })) return {};
    auto out = std::move(outcome_);
    outcome_.reset();
    return out;
  }

  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::thread::id caller() {
    std::lock_guard lock(mutex_);
    return caller_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<consent_outcome> outcome_;
  int calls_ = 0;
  std::thread::id caller_;
};

inline bool approved(const std::optional<consent_outcome>& o) {
  return o && std::holds_alternative<service::consent_answer>(*o) &&
         std::get<service::consent_answer>(*o).approved;
}
inline std::optional<errc> error_code(const std::optional<consent_outcome>& o) {
  if (!o || !std::holds_alternative<sealbridge::error>(*o)) return {};
  return std::get<sealbridge::error>(*o).code();
}
inline std::string error_detail(const std::optional<consent_outcome>& o) {
  if (!o || !std::holds_alternative<sealbridge::error>(*o)) return {};
  return std::get<sealbridge::error>(*o).detail();
}

}  // namespace sealbridge::testing
