#pragma once

#include <p11-kit/pkcs11.h>

#include <string>

namespace sealbridge::pkcs11 {

struct library_info {
  std::string manufacturer;
  std::string description;
  std::string cryptoki_version;  // "2.40"
  std::string library_version;   // "2.6"
};

// Reported exactly as the token sets them; many tokens (SoftHSM among them) never set the
// PIN-retry flags, so absence proves nothing.
struct token_flags {
  bool login_required = false;
  bool pin_count_low = false;
  bool pin_final_try = false;
  bool pin_locked = false;
  bool protected_auth_path = false;
  bool token_initialized = false;
  bool user_pin_initialized = false;
  bool write_protected = false;
};

// Text fields here and in library_info are valid UTF-8: blank padding removed, GBK and other
// non-UTF-8 bytes decoded (core/text.hpp).
struct token_info {
  CK_SLOT_ID slot = 0;
  std::string label;  // blank padding removed
  std::string manufacturer;
  std::string model;
  std::string serial;
  token_flags flags;
  unsigned long min_pin_len = 0;
  unsigned long max_pin_len = 0;
  CK_FLAGS raw_flags = 0;
};

library_info to_library_info(const CK_INFO& info);
token_info to_token_info(CK_SLOT_ID slot, const CK_TOKEN_INFO& info);

// PKCS#11 text fields are fixed-width, blank-padded and not NUL-terminated. The bytes as the
// token wrote them; to_token_info makes them UTF-8.
std::string padded_field(const unsigned char* data, std::size_t size);

}  // namespace sealbridge::pkcs11
