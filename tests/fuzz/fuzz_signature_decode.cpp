#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "seal/decode.hpp"
#include "seal/verify.hpp"

// SES_Signature blobs (GB/T 38540 v4, GM/T 0031 v1) come from documents and portal pages:
// decoding and verifying must give a value or a sealbridge::error, nothing else.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto doc = sealbridge::seal::decode_signature(sealbridge::byte_view{data, size});
    (void)sealbridge::seal::verify_signature_document(doc);
    (void)sealbridge::seal::maker_signature_valid(doc.eseal);
  } catch (const sealbridge::error&) {
  }
  return 0;
}
