#pragma once

#include <p11-kit/pkcs11.h>

#include <functional>
#include <optional>
#include <string_view>

namespace sealbridge::testmodule {

// What a hook learns about a call before it is forwarded.
struct call_context {
  std::string_view function;                 // "C_Sign"
  std::optional<CK_SLOT_ID> slot;            // for calls addressed to a slot
  std::optional<CK_SESSION_HANDLE> session;  // for calls on a session
};

// Extension point for failure injection. Every call that passed presence control runs through
// the installed hooks in order, outside the module lock (a hook may block). Each hook wraps the
// rest of the chain: it may answer without calling `next` (nothing is forwarded), or call it
// and then replace or delay the answer (the call happened, its answer is lost or late).
// Hooks are installed in make_hooks() (faults.cpp). Behaviour that changes a call's outputs
// rather than its return code -- retry flags in C_GetTokenInfo, SM2 under vendor mechanism
// codes -- replaces the call's body in entry.cpp instead; hooks wrap those bodies too.
class call_hook {
 public:
  virtual ~call_hook() = default;
  virtual CK_RV around(const call_context& call, const std::function<CK_RV()>& next) = 0;
};

}  // namespace sealbridge::testmodule
