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
  explicit secret(std::string value) : value_(std::move(value)) {}
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
  void wipe() noexcept {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
  }
  std::string value_;
};

}  // namespace sealbridge
