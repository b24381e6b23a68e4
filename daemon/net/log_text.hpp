#pragma once

#include <string>
#include <string_view>

namespace sealbridge::net {

// A header value or target made safe for a one-line log entry: control characters replaced and
// the length capped. Request bodies never go through here; they are never logged.
inline std::string log_text(std::string_view text) {
  constexpr std::size_t kMax = 160;
  std::string out(text.substr(0, kMax));
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

}  // namespace sealbridge::net
