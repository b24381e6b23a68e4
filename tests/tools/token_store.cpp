#include "tests/tools/token_store.hpp"

#include <array>
#include <optional>
#include <stdexcept>

#include "pkcs11/module.hpp"
#include "pkcs11/session.hpp"

namespace sealbridge::tools {

CK_SLOT_ID slot_with_label(const pkcs11::module& m, const std::string& label) {
  std::optional<CK_SLOT_ID> found;
  for (auto slot : m.slots(true)) {
    if (m.token(slot).label != label) continue;
    if (found) throw std::runtime_error("more than one token is labelled '" + label + "'");
    found = slot;
  }
  if (!found) throw std::runtime_error("no token labelled '" + label + "'");
  return *found;
}

unsigned long store_seal(const store_request& request, byte_view seal_der) {
  auto m = pkcs11::module::load(request.module);
  pkcs11::session session(m, slot_with_label(*m, request.token_label), true);
  session.login(CKU_USER, request.pin);

  CK_OBJECT_CLASS data_class = CKO_DATA;
  CK_BBOOL yes = CK_TRUE;
  CK_BBOOL is_private = request.private_object ? CK_TRUE : CK_FALSE;
  std::string application = request.application;
  std::string label = request.label;
  bytes value(seal_der.begin(), seal_der.end());
  std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &data_class, sizeof data_class},
      CK_ATTRIBUTE{CKA_TOKEN, &yes, sizeof yes},
      CK_ATTRIBUTE{CKA_PRIVATE, &is_private, sizeof is_private},
      CK_ATTRIBUTE{CKA_APPLICATION, application.data(), static_cast<CK_ULONG>(application.size())},
      CK_ATTRIBUTE{CKA_LABEL, label.data(), static_cast<CK_ULONG>(label.size())},
      CK_ATTRIBUTE{CKA_VALUE, value.data(), static_cast<CK_ULONG>(value.size())}};
  auto handle = session.create_object(tmpl);

  // Read back: a driver that silently truncates must not leave a broken seal unnoticed.
  auto stored = session.attribute(handle, CKA_VALUE);
  if (!stored || *stored != value) {
    session.destroy_object(handle);
    throw std::runtime_error("the seal read back from the token differs from the one written");
  }
  return handle;
}

}  // namespace sealbridge::tools
