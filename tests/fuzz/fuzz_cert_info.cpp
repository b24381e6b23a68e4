#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/error.hpp"
#include "core/text.hpp"
#include "crypto/cert_info.hpp"

// Certificates come from keys and from portals (cert.write): parsing one for display gives a
// value whose names are valid UTF-8, or a sealbridge::error, nothing else.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto info = sealbridge::crypto::parse_certificate({data, size});
    if (!sealbridge::is_valid_utf8(info.subject) || !sealbridge::is_valid_utf8(info.issuer))
      std::abort();
  } catch (const sealbridge::error&) {
  }
  return 0;
}
