#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "crypto/cms_verify.hpp"

// CMS arrives inside PDFs and from portal pages: the verifier must turn any input into a
// verdict or a sealbridge::error, nothing else.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sealbridge::byte_view input{data, size};
  // The input doubles as a (mostly unreadable) trusted root, which the chain check must skip.
  const std::vector<sealbridge::bytes> roots{sealbridge::bytes(input.begin(), input.end())};
  const auto at = std::chrono::system_clock::time_point{std::chrono::seconds{1767225600}};
  try {
    (void)sealbridge::crypto::verify_signed_data(input, sealbridge::crypto::content_feeder{}, roots,
                                                 at);
  } catch (const sealbridge::error&) {
  }
  try {
    const std::uint8_t content[] = {'a', 'b', 'c'};
    (void)sealbridge::crypto::verify_signed_data(
        input, sealbridge::byte_view{content, sizeof content}, {}, at);
  } catch (const sealbridge::error&) {
  }
  return 0;
}
