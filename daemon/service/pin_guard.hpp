#pragma once

#include <string_view>

#include "core/secret.hpp"
#include "pkcs11/session.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::service {

struct login_request {
  const secret& pin;
  // The page that asked (empty for a local client that sent no Origin). With pin_from_page,
  // its wrong PINs are counted and capped (page_pin_failures.hpp).
  std::string_view origin;
  bool confirm_final_try = false;  // the user was told one try is left and typed it anyway
  bool pin_from_page = true;       // false: typed by the user in the signing dialog
};

// Logs `session` in as the user, but only when the key's own counters say it is safe: a web
// page must never be able to walk a key into lockout. Refuses without calling C_Login when the
// PIN is locked (PIN_LOCKED), when one try is left and the request did not confirm it
// (PIN_FINAL_TRY) and when the PIN's length is outside what the key accepts (PIN_LENGTH).
// A wrong PIN is reported once, with the tries left when the key's flags tell them; there is
// no automatic retry. A page whose PINs failed three times in a row is refused for a while
// without a call to the key (PIN_ATTEMPTS_EXCEEDED). Calls run on the key's worker, so there
// is one login at a time per key.
void guarded_login(const token_access& key, pkcs11::session& session, const login_request& request);

}  // namespace sealbridge::service
