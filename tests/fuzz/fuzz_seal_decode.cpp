#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "seal/decode.hpp"
#include "seal/verify.hpp"

// Seals and SES_Signature blobs arrive from UKeys and from portal pages: both decoders must
// turn any input into a value or a sealbridge::error, nothing else.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const sealbridge::byte_view input{data, size};
  try {
    auto s = sealbridge::seal::decode_seal(input);
    (void)sealbridge::seal::maker_signature_valid(s);
  } catch (const sealbridge::error&) {
  }
  try {
    auto doc = sealbridge::seal::decode_signature(input);
    (void)sealbridge::seal::verify_signature_document(doc);
  } catch (const sealbridge::error&) {
  }
  return 0;
}
