#pragma once

#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/iso_time.hpp"
#include "service/seals.hpp"
#include "service/signing_key.hpp"
#include "service/token_registry.hpp"

// Stamping with a seal from the key: finding the seal a page named, the certificate it is
// bound to, and making the GB/T 38540 (or, for GM/T 0031 seals, version 1) SES_Signature.
namespace sealbridge::service {

// The seal with this id (from seal.list) as `session` sees it; OBJECT_NOT_FOUND when it is
// not there, SEAL_INVALID when it cannot be decoded.
seal_report find_seal(const token_access& key, const pkcs11::session& session,
                      const seal_policy& policy, std::string_view seal_id, sys_seconds now);

// The id of the key's certificate that the seal's certList names (by certificate or by
// digest); empty when none does.
std::optional<bytes> bound_certificate_id(const token_access& key, const seal::seal& decoded);

// SES_Signature over `data_hash` (SM3 of the document part) with the seal byte for byte and
// the signer's certificate, signed on the key. Version 4 for GB/T 38540 seals, version 1 for
// GM/T 0031 ones.
bytes make_seal_signature(signing_key& key, const seal_report& seal, byte_view data_hash,
                          const std::string& property_info, sys_seconds time);

}  // namespace sealbridge::service
