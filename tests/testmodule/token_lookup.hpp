#pragma once

#include <p11-kit/pkcs11.h>

#include <optional>
#include <string>

#include "tests/testmodule/hooks.hpp"

namespace sealbridge::testmodule {

// Which token a call concerns, asked of the target directly (not through our own entry points,
// so hooks do not count these calls). Tokens are named by serial, as in the `hidden` file.
std::string trimmed_serial(const CK_TOKEN_INFO& info);
std::optional<std::string> serial_of_slot(CK_FUNCTION_LIST& api, CK_SLOT_ID slot);
std::optional<std::string> serial_of_session(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session);
std::optional<std::string> serial_of_call(CK_FUNCTION_LIST& api, const call_context& call);

}  // namespace sealbridge::testmodule
