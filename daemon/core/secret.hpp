#pragma once

#include <openssl/crypto.h>

#include <string>
#include <string_view>
#include <utility>

namespace sealbridge {

// A PIN or other secret. Move-only, wiped on destruction, and with no stream or fmt
// formatter, so it cannot reach a log by accident.
class secret {
 public:
  secret() = default;
  // Takes the bytes and wipes `value`: moving a short string copies it (small-string
  // optimisation) and leaves the original bytes behind in the moved-from object.
  explicit secret(std::string&& value) : value_(std::move(value)) { cleanse(value); }
  explicit secret(std::string_view value) : value_(value) {}
  explicit secret(const char* value) : value_(value) {}
  secret(const secret&) = delete;
  secret& operator=(const secret&) = delete;
  secret(secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  secret& operator=(secret&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }
  ~secret() { wipe(); }

  bool empty() const noexcept { return value_.empty(); }
  std::size_t size() const noexcept { return value_.size(); }
  // Deliberately verbose name: every use is a place to review.
  std::string_view reveal() const noexcept { return value_; }

 private:
  // The whole buffer, not just size(): a moved-from string is empty but its inline buffer may
  // still hold the bytes it had.
  static void cleanse(std::string& text) noexcept {
    OPENSSL_cleanse(text.data(), text.capacity());
    text.clear();
  }
  void wipe() noexcept { cleanse(value_); }
  std::string value_;
};

}  // namespace sealbridge
