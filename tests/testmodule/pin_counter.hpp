#pragma once

#include <p11-kit/pkcs11.h>

#include <map>
#include <mutex>
#include <string>

#include "tests/testmodule/config.hpp"

namespace sealbridge::testmodule {

// User-PIN retry counting and lockout the way UKeys do it, on top of a target that has none.
// The tries left live in <control>/pin-tries-<serial> (absent: all of them), so a restarted
// daemon sees the same count and a test can reset it by deleting the file; without a control
// directory they live in memory until C_Finalize.
class pin_counter {
 public:
  void configure(const config& c);

  // Bodies of the calls the counter changes; each forwards to `api` when it lets the call pass.
  CK_RV login(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR* pin,
              CK_ULONG pin_len);
  CK_RV set_pin(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_UTF8CHAR* old_pin,
                CK_ULONG old_len, CK_UTF8CHAR* new_pin, CK_ULONG new_len);
  // The SO setting a new user PIN unlocks it, as on real keys.
  CK_RV init_pin(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_UTF8CHAR* pin,
                 CK_ULONG pin_len);
  // Adds the CKF_USER_PIN_* flags and the configured PIN lengths.
  CK_RV token_info(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_TOKEN_INFO* info);

 private:
  bool length_ok(CK_ULONG len) const;
  // Runs a call that checks the user PIN, counting a CKR_PIN_INCORRECT against the token.
  template <typename F>
  CK_RV counted(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, F&& forward);
  unsigned long left(const std::string& serial);
  void store(const std::string& serial, unsigned long left);
  std::filesystem::path file(const std::string& serial) const;

  std::mutex mutex_;
  config config_;
  std::map<std::string, unsigned long> memory_;
};

}  // namespace sealbridge::testmodule
