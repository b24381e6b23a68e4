#include "tests/testmodule/config.hpp"

#include <cstdlib>
#include <string_view>

namespace sealbridge::testmodule {
namespace {

std::string_view env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string_view(value) : std::string_view{};
}

std::optional<unsigned long> number(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  unsigned long n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned long>(c - '0');
  }
  return n;
}

}  // namespace

std::optional<config> read_config(std::string& why) {
  config c;
  if (const auto dir = env("SEALBRIDGE_TESTMODULE_CONTROL"); !dir.empty()) c.control_dir = dir;

  if (const auto sig = env("SEALBRIDGE_TESTMODULE_SM2_SIGNATURE"); sig == "der") {
    c.sm2_signature = sm2_signature_format::der;
  } else if (!sig.empty() && sig != "raw") {
    why = "SEALBRIDGE_TESTMODULE_SM2_SIGNATURE must be der or raw";
    return std::nullopt;
  }

  if (const auto tries = env("SEALBRIDGE_TESTMODULE_PIN_TRIES"); !tries.empty()) {
    const auto n = number(tries);
    if (!n) {
      why = "SEALBRIDGE_TESTMODULE_PIN_TRIES must be a number";
      return std::nullopt;
    }
    c.pin_tries = *n;
  }

  if (const auto len = env("SEALBRIDGE_TESTMODULE_PIN_LEN"); !len.empty()) {
    const auto colon = len.find(':');
    const auto lo = colon == std::string_view::npos ? std::nullopt : number(len.substr(0, colon));
    const auto hi = colon == std::string_view::npos ? std::nullopt : number(len.substr(colon + 1));
    if (!lo || !hi || *lo > *hi) {
      why = "SEALBRIDGE_TESTMODULE_PIN_LEN must be min:max";
      return std::nullopt;
    }
    c.min_pin_len = lo;
    c.max_pin_len = hi;
  }
  if (const auto pin = env("SEALBRIDGE_TESTMODULE_PROTECTED_PIN"); !pin.empty()) {
    c.protected_pin = std::string(pin);
  }
  return c;
}

}  // namespace sealbridge::testmodule
