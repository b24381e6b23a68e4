#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace sealbridge::testmodule {

struct sm2_object;

using attribute_list = std::vector<std::pair<CK_ATTRIBUTE_TYPE, std::vector<std::uint8_t>>>;

// The attributes an SM2 key object shows, as a real UKey shows them: class, key type, ID,
// label, CKA_EC_PARAMS (the SM2 curve OID), CKA_EC_POINT (DER OCTET STRING of 04||x||y), usage
// flags. A private key's CKA_VALUE is sensitive and not in the list.
attribute_list attributes_of(const sm2_object& object);
// Whether every attribute of a search template is present with the same value.
bool matches(const attribute_list& attrs, const CK_ATTRIBUTE* tmpl, CK_ULONG count);
// C_GetAttributeValue semantics over `attrs`, including length queries and per-attribute
// CK_UNAVAILABLE_INFORMATION.
CK_RV answer(const sm2_object& object, const attribute_list& attrs, CK_ATTRIBUTE* tmpl,
             CK_ULONG count);

// Reading caller templates.
std::optional<std::vector<std::uint8_t>> template_bytes(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                                        CK_ATTRIBUTE_TYPE type);
std::optional<CK_ULONG> template_ulong(const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                       CK_ATTRIBUTE_TYPE type);
std::optional<bool> template_bool(const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_ATTRIBUTE_TYPE type);

}  // namespace sealbridge::testmodule
