#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "pkcs11/session.hpp"
#include "seal/types.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::service {

// A seal data object as found on the key.
struct stored_seal {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  std::string label;  // CKA_LABEL as UTF-8, like the decoded esID it is compared with
  bytes der;
  std::optional<sealbridge::seal::seal> decoded;  // empty when the bytes are not a seal
  std::string decode_error;
};

// Content id of a seal: the same bytes always get the same id, on any key.
std::string seal_id(byte_view der);

std::vector<stored_seal> read_seals(const pkcs11::session& session,
                                    const seal_storage_profile& profile);

// C_CreateObject in one call: seals are 6-31 KB and some tools truncate data objects written
// in pieces.
CK_OBJECT_HANDLE create_seal_object(pkcs11::session& session, const seal_storage_profile& profile,
                                    const std::string& label, byte_view der);

}  // namespace sealbridge::service
