#pragma once

#include <p11-kit/pkcs11.h>

#include <span>
#include <vector>

namespace sealbridge::pkcs11 {

class session;

// One C_FindObjectsInit .. C_FindObjectsFinal bracket. A session allows a single active search,
// so the destructor always ends it, even when a batch call threw: otherwise every later search
// on the session fails with CKR_OPERATION_ACTIVE.
class object_search {
 public:
  object_search(const session& s, std::span<const CK_ATTRIBUTE> tmpl);
  ~object_search();
  object_search(const object_search&) = delete;
  object_search& operator=(const object_search&) = delete;

  // Up to `max` more handles; empty once the search is exhausted.
  std::vector<CK_OBJECT_HANDLE> next(CK_ULONG max = 64);
  // Every remaining handle. Drivers may return fewer than asked while more remain, so only an
  // empty batch ends the loop.
  std::vector<CK_OBJECT_HANDLE> all();

 private:
  const session& session_;
};

}  // namespace sealbridge::pkcs11
