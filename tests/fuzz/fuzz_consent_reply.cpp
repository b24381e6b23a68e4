// Fuzz target: the reader of the consent dialog's answer line, which the daemon takes from
// another process. It may refuse anything (error(cancelled) only); what it accepts must be JSON
// that nlohmann reads the same way, and a refusal never carries a PIN.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.hpp"
#include "service/consent_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  sealbridge::service::dialog_reply reply;
  try {
    reply = sealbridge::service::parse_dialog_reply(line);
  } catch (const sealbridge::error& e) {
    if (e.code() != sealbridge::errc::cancelled) __builtin_trap();
    return 0;
  }
  const auto parsed = nlohmann::json::parse(line, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) __builtin_trap();
  if (parsed.at("approved").get<bool>() != reply.approved) __builtin_trap();
  if (!reply.approved && !reply.pin.empty()) __builtin_trap();
  if (parsed.contains("pin") && parsed["pin"].get<std::string>() != reply.pin.reveal())
    __builtin_trap();
  return 0;
}
