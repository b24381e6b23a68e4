#include "service/pin_guard.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "pkcs11/objects.hpp"
#include "service/page_pin_failures.hpp"

namespace sealbridge::service {
namespace {

// PKCS#11 keys report no count, only flags: one try left, or none.
std::optional<int> tries_left_from(const pkcs11::token_flags& flags) {
  if (flags.pin_locked) return 0;
  if (flags.pin_final_try) return 1;
  return std::nullopt;
}

// Logged in, every private key is visible: from now until the key is unplugged, cert.list can
// tell which certificates have one. A courtesy: failing to list them leaves them "unknown".
void remember_private_keys(const token_access& key, const pkcs11::session& session) {
  try {
    key.private_keys().remember(pkcs11::private_key_ids(session));
  } catch (const error& e) {
    spdlog::debug("key {}: private keys not listed after login: {}", key.token().id, e.what());
  }
}

}  // namespace

void guarded_login(const token_access& key, pkcs11::session& session,
                   const login_request& request) {
  auto info = key.refresh_info();
  if (request.pin.empty() && info.flags.protected_auth_path) {
    // The user types the PIN on the device or in the driver's own dialog; the page never does.
    session.login_protected(CKU_USER);
    remember_private_keys(key, session);
    return;
  }
  if (request.pin.empty()) throw error(errc::pin_required, "the operation needs the key's PIN");
  if (info.flags.pin_locked) {
    error e(errc::pin_locked, "the key reports CKF_USER_PIN_LOCKED");
    e.tries_left = 0;
    throw e;
  }
  if (info.flags.pin_final_try && !request.confirm_final_try) {
    error e(errc::pin_final_try, "the key reports CKF_USER_PIN_FINAL_TRY");
    e.tries_left = 1;
    throw e;
  }
  // Lengths are in bytes for PKCS#11; 0 or CK_UNAVAILABLE_INFORMATION-sized maxima mean "no limit".
  auto length = request.pin.size();
  bool max_known = info.max_pin_len > 0 && info.max_pin_len < 0x10000;
  if (length < info.min_pin_len || (max_known && length > info.max_pin_len)) {
    throw error(errc::pin_length, "the key accepts PINs of " + std::to_string(info.min_pin_len) +
                                      " to " + std::to_string(info.max_pin_len) + " bytes");
  }
  auto& page_failures = page_pin_failures::process_wide();
  const auto now = page_pin_failures::clock::now();
  if (request.pin_from_page) page_failures.check(key.token().id, request.origin, now);
  try {
    session.login(CKU_USER, request.pin);
  } catch (error& e) {
    if (e.code() == errc::pin_incorrect && request.pin_from_page)
      page_failures.failed(key.token().id, request.origin, now);
    if (e.code() == errc::pin_incorrect || e.code() == errc::pin_locked) {
      try {
        e.tries_left = tries_left_from(key.refresh_info().flags);
      } catch (const error&) {
        // The flags are a courtesy; the login error itself is what matters.
      }
      spdlog::warn("key {}: login refused: {}", key.token().id, e.detail());
    }
    throw;
  }
  if (request.pin_from_page) page_failures.succeeded(key.token().id, request.origin);
  remember_private_keys(key, session);
}

}  // namespace sealbridge::service
