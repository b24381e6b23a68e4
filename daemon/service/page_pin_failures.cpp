#include "service/page_pin_failures.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error.hpp"

namespace sealbridge::service {

void page_pin_failures::check(std::string_view token, std::string_view origin,
                              clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = records_.find(key{token, origin});
  if (it == records_.end() || it->second.failures < max_failures) return;
  const auto since = now - it->second.last;
  if (since >= cool_down) {
    records_.erase(it);  // served its time: three tries again
    return;
  }
  const auto minutes_left = std::chrono::ceil<std::chrono::minutes>(cool_down - since).count();
  throw error(errc::pin_attempts_exceeded, std::to_string(max_failures) +
                                               " wrong PINs in a row from this page; its next PIN "
                                               "for this key is accepted in " +
                                               std::to_string(minutes_left) + " min");
}

void page_pin_failures::failed(std::string_view token, std::string_view origin,
                               clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = records_.try_emplace(key{token, origin});
  auto& r = it->second;
  // Failures far apart are not a run: a user's occasional typo never adds up to a block.
  if (!inserted && now - r.last >= cool_down) r.failures = 0;
  ++r.failures;
  r.last = now;
  if (r.failures == max_failures)
    spdlog::warn("key {}: {} wrong PINs in a row from {}; its PINs are refused for {} min",
                 it->first.first, max_failures, it->first.second, cool_down.count());
  if (records_.size() > max_records) {
    // The oldest record goes; a page that keeps failing is always the newest.
    auto oldest = std::min_element(
        records_.begin(), records_.end(),
        [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
    records_.erase(oldest);
  }
}

void page_pin_failures::succeeded(std::string_view token, std::string_view origin) {
  std::lock_guard lock(mutex_);
  records_.erase(key{token, origin});
}

page_pin_failures& page_pin_failures::process_wide() {
  // Never destroyed: a key's worker may still log in while the daemon exits.
  static auto& instance = *new page_pin_failures;
  return instance;
}

}  // namespace sealbridge::service
