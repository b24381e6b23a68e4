#pragma once

#include <p11-kit/pkcs11.h>

#include <optional>
#include <string_view>

namespace sealbridge::testmodule {

// "CKR_DEVICE_ERROR" -> CKR_DEVICE_ERROR for the `fail` control file; also accepts a number
// ("0x80000010", "48") for vendor codes.
std::optional<CK_RV> rv_from_name(std::string_view name);

}  // namespace sealbridge::testmodule
