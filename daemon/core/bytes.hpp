#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sealbridge {

using bytes = std::vector<std::uint8_t>;
using byte_view = std::span<const std::uint8_t>;

std::string to_hex(byte_view data);                 // lower case
bytes from_hex(std::string_view hex);               // throws error(bad_params) on bad input
std::string to_base64(byte_view data);
bytes from_base64(std::string_view text);           // throws error(bad_params); ignores whitespace

inline byte_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace sealbridge
