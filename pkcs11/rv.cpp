#include "pkcs11/rv.hpp"

#include <cstdio>
#include <string>
#include <utility>

namespace sealbridge::pkcs11 {

std::string_view rv_name(CK_RV rv) noexcept {
  switch (rv) {
#define SB_RV(name) \
  case name:        \
    return #name;
    SB_RV(CKR_OK)
    SB_RV(CKR_CANCEL)
    SB_RV(CKR_HOST_MEMORY)
    SB_RV(CKR_SLOT_ID_INVALID)
    SB_RV(CKR_GENERAL_ERROR)
    SB_RV(CKR_FUNCTION_FAILED)
    SB_RV(CKR_ARGUMENTS_BAD)
    SB_RV(CKR_NO_EVENT)
    SB_RV(CKR_NEED_TO_CREATE_THREADS)
    SB_RV(CKR_CANT_LOCK)
    SB_RV(CKR_ATTRIBUTE_READ_ONLY)
    SB_RV(CKR_ATTRIBUTE_SENSITIVE)
    SB_RV(CKR_ATTRIBUTE_TYPE_INVALID)
    SB_RV(CKR_ATTRIBUTE_VALUE_INVALID)
    SB_RV(CKR_ACTION_PROHIBITED)
    SB_RV(CKR_DATA_INVALID)
    SB_RV(CKR_DATA_LEN_RANGE)
    SB_RV(CKR_DEVICE_ERROR)
    SB_RV(CKR_DEVICE_MEMORY)
    SB_RV(CKR_DEVICE_REMOVED)
    SB_RV(CKR_ENCRYPTED_DATA_INVALID)
    SB_RV(CKR_ENCRYPTED_DATA_LEN_RANGE)
    SB_RV(CKR_FUNCTION_CANCELED)
    SB_RV(CKR_FUNCTION_NOT_PARALLEL)
    SB_RV(CKR_FUNCTION_NOT_SUPPORTED)
    SB_RV(CKR_KEY_HANDLE_INVALID)
    SB_RV(CKR_KEY_SIZE_RANGE)
    SB_RV(CKR_KEY_TYPE_INCONSISTENT)
    SB_RV(CKR_KEY_NOT_NEEDED)
    SB_RV(CKR_KEY_CHANGED)
    SB_RV(CKR_KEY_NEEDED)
    SB_RV(CKR_KEY_INDIGESTIBLE)
    SB_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)
    SB_RV(CKR_KEY_NOT_WRAPPABLE)
    SB_RV(CKR_KEY_UNEXTRACTABLE)
    SB_RV(CKR_MECHANISM_INVALID)
    SB_RV(CKR_MECHANISM_PARAM_INVALID)
    SB_RV(CKR_OBJECT_HANDLE_INVALID)
    SB_RV(CKR_OPERATION_ACTIVE)
    SB_RV(CKR_OPERATION_NOT_INITIALIZED)
    SB_RV(CKR_PIN_INCORRECT)
    SB_RV(CKR_PIN_INVALID)
    SB_RV(CKR_PIN_LEN_RANGE)
    SB_RV(CKR_PIN_EXPIRED)
    SB_RV(CKR_PIN_LOCKED)
    SB_RV(CKR_SESSION_CLOSED)
    SB_RV(CKR_SESSION_COUNT)
    SB_RV(CKR_SESSION_HANDLE_INVALID)
    SB_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED)
    SB_RV(CKR_SESSION_READ_ONLY)
    SB_RV(CKR_SESSION_EXISTS)
    SB_RV(CKR_SESSION_READ_ONLY_EXISTS)
    SB_RV(CKR_SESSION_READ_WRITE_SO_EXISTS)
    SB_RV(CKR_SIGNATURE_INVALID)
    SB_RV(CKR_SIGNATURE_LEN_RANGE)
    SB_RV(CKR_TEMPLATE_INCOMPLETE)
    SB_RV(CKR_TEMPLATE_INCONSISTENT)
    SB_RV(CKR_TOKEN_NOT_PRESENT)
    SB_RV(CKR_TOKEN_NOT_RECOGNIZED)
    SB_RV(CKR_TOKEN_WRITE_PROTECTED)
    SB_RV(CKR_UNWRAPPING_KEY_SIZE_RANGE)
    SB_RV(CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)
    SB_RV(CKR_USER_ALREADY_LOGGED_IN)
    SB_RV(CKR_USER_NOT_LOGGED_IN)
    SB_RV(CKR_USER_PIN_NOT_INITIALIZED)
    SB_RV(CKR_USER_TYPE_INVALID)
    SB_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
    SB_RV(CKR_USER_TOO_MANY_TYPES)
    SB_RV(CKR_WRAPPED_KEY_INVALID)
    SB_RV(CKR_WRAPPED_KEY_LEN_RANGE)
    SB_RV(CKR_WRAPPING_KEY_HANDLE_INVALID)
    SB_RV(CKR_WRAPPING_KEY_SIZE_RANGE)
    SB_RV(CKR_WRAPPING_KEY_TYPE_INCONSISTENT)
    SB_RV(CKR_RANDOM_SEED_NOT_SUPPORTED)
    SB_RV(CKR_RANDOM_NO_RNG)
    SB_RV(CKR_DOMAIN_PARAMS_INVALID)
    SB_RV(CKR_CURVE_NOT_SUPPORTED)
    SB_RV(CKR_BUFFER_TOO_SMALL)
    SB_RV(CKR_SAVED_STATE_INVALID)
    SB_RV(CKR_INFORMATION_SENSITIVE)
    SB_RV(CKR_STATE_UNSAVEABLE)
    SB_RV(CKR_CRYPTOKI_NOT_INITIALIZED)
    SB_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    SB_RV(CKR_MUTEX_BAD)
    SB_RV(CKR_MUTEX_NOT_LOCKED)
    SB_RV(CKR_NEW_PIN_MODE)
    SB_RV(CKR_NEXT_OTP)
    SB_RV(CKR_EXCEEDED_MAX_ITERATIONS)
    SB_RV(CKR_FIPS_SELF_TEST_FAILED)
    SB_RV(CKR_LIBRARY_LOAD_FAILED)
    SB_RV(CKR_PIN_TOO_WEAK)
    SB_RV(CKR_PUBLIC_KEY_INVALID)
    SB_RV(CKR_FUNCTION_REJECTED)
#undef SB_RV
    default:
      break;
  }
  return rv >= CKR_VENDOR_DEFINED ? "CKR_VENDOR_DEFINED" : "CKR_UNKNOWN";
}

sealbridge::errc map_rv(CK_RV rv) noexcept {
  using sealbridge::errc;
  switch (rv) {
    case CKR_PIN_INCORRECT:
      return errc::pin_incorrect;
    case CKR_PIN_LOCKED:
      return errc::pin_locked;
    // Both mean the token refused the PIN's form without trying it: no retry was consumed.
    case CKR_PIN_LEN_RANGE:
    case CKR_PIN_INVALID:
      return errc::pin_length;
    case CKR_USER_NOT_LOGGED_IN:
      return errc::pin_required;
    // A session or slot that vanished is what an unplug looks like from inside a call; drivers
    // differ in which of these they return.
    case CKR_DEVICE_REMOVED:
    case CKR_TOKEN_NOT_PRESENT:
    case CKR_SESSION_HANDLE_INVALID:
    case CKR_SESSION_CLOSED:
    case CKR_SLOT_ID_INVALID:
      return errc::token_removed;
    // CKR_DEVICE_ERROR stays a pkcs11_error: drivers also return it for a key that is still
    // plugged in (a full file system, a card applet fault). The caller can ask token_present()
    // to tell the cases apart instead of dropping a working key's sessions.
    case CKR_FUNCTION_CANCELED:
    case CKR_CANCEL:
    case CKR_FUNCTION_REJECTED:  // the user declined on the device (button, display)
      return errc::cancelled;
    case CKR_FUNCTION_NOT_SUPPORTED:
    case CKR_MECHANISM_INVALID:
      return errc::not_supported;
    // Another application holds every session the token allows.
    case CKR_SESSION_COUNT:
      return errc::busy;
    // The object was deleted underneath us, e.g. by another application.
    case CKR_OBJECT_HANDLE_INVALID:
    case CKR_KEY_HANDLE_INVALID:
      return errc::object_not_found;
    default:
      return errc::pkcs11_error;
  }
}

void check(CK_RV rv, std::string_view function) {
  if (rv == CKR_OK) return;
  std::string detail{function};
  detail += ": ";
  const std::string_view name = rv_name(rv);
  detail += name;
  if (name == "CKR_VENDOR_DEFINED" || name == "CKR_UNKNOWN") {
    char hex[24];
    std::snprintf(hex, sizeof hex, " (0x%lx)", static_cast<unsigned long>(rv));
    detail += hex;
  }
  throw sealbridge::error(map_rv(rv), std::move(detail));
}

}  // namespace sealbridge::pkcs11
