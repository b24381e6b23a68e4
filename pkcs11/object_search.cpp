#include "pkcs11/object_search.hpp"

#include "pkcs11/module.hpp"
#include "pkcs11/rv.hpp"
#include "pkcs11/session.hpp"

namespace sealbridge::pkcs11 {

object_search::object_search(const session& s, std::span<const CK_ATTRIBUTE> tmpl) : session_(s) {
  // The template is only read; the C signature just predates const.
  auto* attrs = const_cast<CK_ATTRIBUTE*>(tmpl.data());
  check(s.owner().api().C_FindObjectsInit(s.handle(), attrs, static_cast<CK_ULONG>(tmpl.size())),
        "C_FindObjectsInit");
}

object_search::~object_search() {
  session_.owner().api().C_FindObjectsFinal(session_.handle());
}

std::vector<CK_OBJECT_HANDLE> object_search::next(CK_ULONG max) {
  std::vector<CK_OBJECT_HANDLE> batch(max);
  CK_ULONG found = 0;
  check(session_.owner().api().C_FindObjects(session_.handle(), batch.data(), max, &found),
        "C_FindObjects");
  batch.resize(found);
  return batch;
}

std::vector<CK_OBJECT_HANDLE> object_search::all() {
  std::vector<CK_OBJECT_HANDLE> out;
  for (;;) {
    auto batch = next();
    if (batch.empty()) return out;
    out.insert(out.end(), batch.begin(), batch.end());
  }
}

}  // namespace sealbridge::pkcs11
