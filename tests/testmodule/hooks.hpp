#pragma once

#include <p11-kit/pkcs11.h>

#include <optional>
#include <string_view>

namespace sealbridge::testmodule {

// What a hook learns about a call before it is forwarded.
struct call_context {
  std::string_view function;                 // "C_Sign"
  std::optional<CK_SLOT_ID> slot;            // for calls addressed to a slot
  std::optional<CK_SESSION_HANDLE> session;  // for calls on a session
};

// Extension point for failure injection. Every forwarded call passes through the installed
// hooks in order (after presence control, outside the module lock, so a hook may block);
// the first hook that returns a value answers the call instead of the target module.
// Intended uses: removal on the Nth call (hide a serial, answer CKR_DEVICE_REMOVED), a pause at
// a named call (block until a control file appears), PIN retry counters with lockout (answer
// C_Login). Install them in make_hooks() (state.cpp). Behaviour that changes a call's outputs
// rather than its return code -- retry flags in C_GetTokenInfo, SM2 under vendor mechanism
// codes in C_GetMechanismList / C_SignInit -- replaces that entry of the function table in
// entry.cpp instead.
class call_hook {
 public:
  virtual ~call_hook() = default;
  virtual std::optional<CK_RV> before(const call_context& call) = 0;
};

}  // namespace sealbridge::testmodule
