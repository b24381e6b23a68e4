#pragma once

#include <p11-kit/pkcs11.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "tests/testmodule/config.hpp"
#include "tests/testmodule/sm2_crypto.hpp"
#include "tests/testmodule/sm2_objects.hpp"

namespace sealbridge::testmodule {

// SM2 signing and SM3 digesting under the vendor mechanism codes of sm2_mechanisms.hpp, and
// the mechanism list that advertises them. Operations on anything else go to the target.
class sm2_signing {
 public:
  explicit sm2_signing(sm2_objects& objects) : objects_(objects) {}
  void configure(const config& c);

  CK_RV sign_init(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_MECHANISM* mech,
                  CK_OBJECT_HANDLE key);
  CK_RV sign(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG len,
             CK_BYTE* signature, CK_ULONG* signature_len);
  CK_RV sign_update(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* part, CK_ULONG len);
  CK_RV sign_final(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* signature,
                   CK_ULONG* signature_len);

  CK_RV digest_init(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_MECHANISM* mech);
  CK_RV digest(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* data, CK_ULONG len,
               CK_BYTE* out, CK_ULONG* out_len);
  CK_RV digest_update(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* part,
                      CK_ULONG len);
  CK_RV digest_final(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_BYTE* out,
                     CK_ULONG* out_len);

  CK_RV mechanism_list(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_MECHANISM_TYPE* list,
                       CK_ULONG* count);
  CK_RV mechanism_info(CK_FUNCTION_LIST& api, CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
                       CK_MECHANISM_INFO* info);

  void forget_session(CK_SESSION_HANDLE session);
  void reset();

 private:
  struct operation {
    CK_MECHANISM_TYPE mechanism = 0;
    sm2_key_pair key;
    std::vector<std::uint8_t> user_id;
    std::vector<std::uint8_t> data;  // accumulated by C_*Update
    ~operation();
  };

  bool signing(CK_SESSION_HANDLE session);
  bool digesting(CK_SESSION_HANDLE session);
  // Signs what C_SignUpdate gathered plus `data`; the operation ends unless only the length
  // was asked or the buffer was short.
  CK_RV finish_sign(CK_SESSION_HANDLE session, const CK_BYTE* data, CK_ULONG len,
                    CK_BYTE* signature, CK_ULONG* signature_len);
  CK_RV finish_digest(CK_SESSION_HANDLE session, const CK_BYTE* data, CK_ULONG len, CK_BYTE* out,
                      CK_ULONG* out_len);

  sm2_objects& objects_;
  std::mutex mutex_;
  sm2_signature_format format_ = sm2_signature_format::raw;
  std::map<CK_SESSION_HANDLE, operation> signs_;
  std::map<CK_SESSION_HANDLE, std::vector<std::uint8_t>> digests_;
};

}  // namespace sealbridge::testmodule
