#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

// Wrong PINs sent by pages, counted per page and key. A portal allowed to send the PIN
// (origin_policy "pin_from_page") could otherwise spend a key's whole retry counter, or guess
// on a key whose driver never counts (many do not report the flags; SoftHSM2 never locks):
// after three wrong PINs in a row from one page, that page's PINs for that key are refused
// without reaching the key until a quarter of an hour has passed since the last one. A PIN the
// user types in the signing dialog or on the device is the user's act and is not counted.
namespace sealbridge::service {

class page_pin_failures {
 public:
  using clock = std::chrono::steady_clock;

  static constexpr int max_failures = 3;
  static constexpr std::chrono::minutes cool_down{15};
  static constexpr std::size_t max_records = 256;  // pages × keys remembered at once

  // Throws error(pin_attempts_exceeded) when this page has used its tries on this key.
  void check(std::string_view token, std::string_view origin, clock::time_point now);
  void failed(std::string_view token, std::string_view origin, clock::time_point now);
  void succeeded(std::string_view token, std::string_view origin);

  // The daemon's one instance: every path that logs in with a page's PIN counts in it.
  static page_pin_failures& process_wide();

 private:
  struct record {
    int failures = 0;
    clock::time_point last;
  };
  using key = std::pair<std::string, std::string>;  // token id, origin

  std::mutex mutex_;
  std::map<key, record> records_;
};

}  // namespace sealbridge::service
