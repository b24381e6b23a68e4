#pragma once

#include "core/bytes.hpp"
#include "seal/types.hpp"

namespace sealbridge::seal {

// Decodes a GB/T 38540 or GM/T 0031 seal, told apart by the shape of the top-level SEQUENCE,
// never by the header version (vendors write whatever they like there). Throws
// error(seal_invalid, "<what> at offset N") on any malformed input, and only that.
seal decode_seal(byte_view der);

// Decodes a GB/T 38540 or GM/T 0031 SES_Signature, told apart by shape. Throws
// error(seal_invalid) on malformed input.
signature_document decode_signature(byte_view der);

}  // namespace sealbridge::seal
