#pragma once

#include <p11-kit/pkcs11.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/testmodule/sm2_record.hpp"

namespace sealbridge::testmodule {

enum class sm2_kind { private_key, public_key };

// One half of an SM2 key pair as read from its backing object.
struct sm2_object {
  sm2_kind kind = sm2_kind::public_key;
  CK_OBJECT_HANDLE backing = CK_INVALID_HANDLE;
  sm2_record record;
  std::string label;
  bool token = false;
};

// SM2 key objects the target cannot hold. Each half of a key pair is a CKO_DATA object on the
// target (CKA_APPLICATION "sbtest-sm2-private", CKA_PRIVATE true / "sbtest-sm2-public",
// CKA_PRIVATE false), so keys persist with the token and obey its login rules; applications
// see them as CKO_PRIVATE_KEY / CKO_PUBLIC_KEY objects of type CKK_VENDOR_SM2 under virtual
// handles, and never see the backing objects. Handles are valid until C_Finalize, like the
// target's own.
class sm2_objects {
 public:
  static bool is_virtual(CK_OBJECT_HANDLE handle);
  // A C_CreateObject template for an SM2 key (class private/public key, CKK_VENDOR_SM2).
  static bool is_sm2_template(const CK_ATTRIBUTE* tmpl, CK_ULONG count);

  CK_RV generate_key_pair(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                          const CK_ATTRIBUTE* pub_tmpl, CK_ULONG pub_count,
                          const CK_ATTRIBUTE* priv_tmpl, CK_ULONG priv_count, CK_OBJECT_HANDLE* pub,
                          CK_OBJECT_HANDLE* priv);
  // A private key (CKA_VALUE: the 32-byte scalar) also creates its public key; a public key
  // takes CKA_EC_POINT.
  CK_RV create_object(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, const CK_ATTRIBUTE* tmpl,
                      CK_ULONG count, CK_OBJECT_HANDLE* object);
  CK_RV destroy_object(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object);
  CK_RV get_attribute_value(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                            CK_OBJECT_HANDLE object, CK_ATTRIBUTE* tmpl, CK_ULONG count);
  // Only CKA_LABEL may change.
  CK_RV set_attribute_value(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session,
                            CK_OBJECT_HANDLE object, const CK_ATTRIBUTE* tmpl, CK_ULONG count);

  // A search yields the target's own matches (minus backing objects), then matching SM2 keys.
  CK_RV find_init(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, const CK_ATTRIBUTE* tmpl,
                  CK_ULONG count);
  CK_RV find(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE* out, CK_ULONG max,
             CK_ULONG* count);
  CK_RV find_final(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session);

  // The object behind a virtual handle, as this session may see it.
  CK_RV load(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object,
             sm2_object& out);
  void forget_session(CK_SESSION_HANDLE session);
  void reset();

 private:
  struct search {
    std::vector<CK_OBJECT_HANDLE> virtual_matches;
    std::set<CK_OBJECT_HANDLE> backing;  // left out of the target's results
  };

  CK_OBJECT_HANDLE virtual_of(CK_OBJECT_HANDLE backing, sm2_kind kind);
  CK_RV store(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, sm2_kind kind,
              const sm2_record& record, const std::string& label, bool token,
              CK_OBJECT_HANDLE* virtual_handle);
  CK_RV read_backing(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE backing,
                     sm2_kind kind, sm2_object& out);
  CK_RV enumerate(CK_FUNCTION_LIST& api, CK_SESSION_HANDLE session, std::vector<sm2_object>& out);

  std::mutex mutex_;
  CK_OBJECT_HANDLE next_virtual_ = 0;
  std::map<CK_OBJECT_HANDLE, std::pair<CK_OBJECT_HANDLE, sm2_kind>> by_virtual_;
  std::map<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE> by_backing_;
  std::map<CK_SESSION_HANDLE, search> searches_;
};

}  // namespace sealbridge::testmodule
