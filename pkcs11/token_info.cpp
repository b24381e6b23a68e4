#include "pkcs11/token_info.hpp"

#include "core/text.hpp"

namespace sealbridge::pkcs11 {
namespace {

// CK_UTF8CHAR by the standard, GBK on many Chinese keys: made UTF-8 here, once.
template <std::size_t N>
std::string field(const unsigned char (&data)[N]) {
  return to_utf8_lenient(padded_field(data, N));
}

std::string version_string(const CK_VERSION& v) {
  return std::to_string(v.major) + "." + std::to_string(v.minor);
}

}  // namespace

std::string padded_field(const unsigned char* data, std::size_t size) {
  std::size_t end = size;
  // Some drivers pad with NULs despite the standard, so both count as padding.
  while (end > 0 && (data[end - 1] == ' ' || data[end - 1] == '\0')) --end;
  return std::string(reinterpret_cast<const char*>(data), end);
}

library_info to_library_info(const CK_INFO& info) {
  return library_info{field(info.manufacturerID), field(info.libraryDescription),
                      version_string(info.cryptokiVersion), version_string(info.libraryVersion)};
}

token_info to_token_info(CK_SLOT_ID slot, const CK_TOKEN_INFO& info) {
  token_info out;
  out.slot = slot;
  out.label = field(info.label);
  out.manufacturer = field(info.manufacturerID);
  out.model = field(info.model);
  out.serial = field(info.serialNumber);
  const CK_FLAGS f = info.flags;
  out.raw_flags = f;
  out.flags.login_required = (f & CKF_LOGIN_REQUIRED) != 0;
  out.flags.pin_count_low = (f & CKF_USER_PIN_COUNT_LOW) != 0;
  out.flags.pin_final_try = (f & CKF_USER_PIN_FINAL_TRY) != 0;
  out.flags.pin_locked = (f & CKF_USER_PIN_LOCKED) != 0;
  out.flags.protected_auth_path = (f & CKF_PROTECTED_AUTHENTICATION_PATH) != 0;
  out.flags.token_initialized = (f & CKF_TOKEN_INITIALIZED) != 0;
  out.flags.user_pin_initialized = (f & CKF_USER_PIN_INITIALIZED) != 0;
  out.flags.write_protected = (f & CKF_WRITE_PROTECTED) != 0;
  out.min_pin_len = info.ulMinPinLen;
  out.max_pin_len = info.ulMaxPinLen;
  return out;
}

}  // namespace sealbridge::pkcs11
