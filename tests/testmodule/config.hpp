#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sealbridge::testmodule {

enum class sm2_signature_format { raw, der };

// Everything the environment decides, read once at C_Initialize (see README.md).
struct config {
  std::filesystem::path control_dir;  // empty: no control files
  sm2_signature_format sm2_signature = sm2_signature_format::raw;
  unsigned long pin_tries = 0;  // 0: PIN retry emulation off
  std::optional<unsigned long> min_pin_len;
  std::optional<unsigned long> max_pin_len;
  // Set: the token reports CKF_PROTECTED_AUTHENTICATION_PATH and a user C_Login(NULL, 0) logs in
  // with this PIN, as if typed on the device's own keypad; a PIN passed by the caller is refused.
  std::optional<std::string> protected_pin;
};

// nullopt (and `why`) when a variable holds something the module does not understand: a typo
// in a test's environment should fail C_Initialize, not silently test the default.
std::optional<config> read_config(std::string& why);

}  // namespace sealbridge::testmodule
