#pragma once

#include <p11-kit/pkcs11.h>

#include <string_view>

#include "core/error.hpp"

namespace sealbridge::pkcs11 {

// "CKR_PIN_INCORRECT"; "CKR_VENDOR_DEFINED" for vendor codes, "CKR_UNKNOWN" otherwise.
std::string_view rv_name(CK_RV rv) noexcept;

// The project error code a failing PKCS#11 call becomes. CKR_OK maps to pkcs11_error: callers
// must not ask.
sealbridge::errc map_rv(CK_RV rv) noexcept;

// Throws error(map_rv(rv), "<function>: <rv_name>") unless rv is CKR_OK. Unknown and vendor
// codes carry the number too, so a log line is enough to look them up in the vendor manual.
void check(CK_RV rv, std::string_view function);

}  // namespace sealbridge::pkcs11
