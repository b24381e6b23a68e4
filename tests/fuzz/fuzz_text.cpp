#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/text.hpp"

// Labels, seal fields and certificate strings arrive in any encoding: every decoder must give
// valid UTF-8 (what nlohmann/json needs to answer at all) for any bytes, and never throw.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sealbridge::byte_view input{data, size};
  for (const auto& out :
       {sealbridge::to_utf8_lenient(input), sealbridge::from_bmp_string(input),
        sealbridge::from_universal_string(input), sealbridge::from_t61_string(input)}) {
    if (!sealbridge::is_valid_utf8(out)) std::abort();
  }
  return 0;
}
