#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sealbridge::pkcs11 {

class session;

struct certificate_object {
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  std::vector<std::uint8_t> id;   // CKA_ID, empty when absent
  std::string label;              // CKA_LABEL as UTF-8 for display, empty when absent
  std::string stored_label;       // CKA_LABEL as the key holds it, for objects written beside it
  std::vector<std::uint8_t> der;  // CKA_VALUE
};

// Every X.509 certificate object visible in the session. Objects without a readable CKA_VALUE
// are skipped: there is nothing to show or verify.
std::vector<certificate_object> find_certificates(const session& s);

// Whether a private key with this CKA_ID is visible in the session. Private keys are usually
// CKA_PRIVATE, so before login this reports false for keys that exist; the answer is "visible
// now", not "exists". Callers wanting the pairing before login should log in first.
bool has_private_key(const session& s, std::span<const std::uint8_t> id);

// The CKA_IDs of every key pair on the key, as far as can be seen without a PIN: of each
// visible private key and of each public key (keys store one beside the private key as a
// public object). Sorted, without repeats, for std::binary_search. Three searches however
// many certificates ask, where one search per certificate cost a slow key a round trip each.
std::vector<std::vector<std::uint8_t>> key_pair_ids(const session& s);

// The CKA_IDs of every private key visible in the session (after login: all of them). Keys
// without a CKA_ID are left out: nothing pairs with them.
std::vector<std::vector<std::uint8_t>> private_key_ids(const session& s);

}  // namespace sealbridge::pkcs11
