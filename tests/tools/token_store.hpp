#pragma once

#include <filesystem>
#include <string>

#include "core/bytes.hpp"
#include "core/secret.hpp"
#include "pkcs11/module.hpp"

namespace sealbridge::tools {

// The slot of the one present token with this label; throws std::runtime_error when there is
// none or more than one.
CK_SLOT_ID slot_with_label(const pkcs11::module& m, const std::string& label);

struct store_request {
  std::filesystem::path module;
  std::string token_label;
  secret pin;
  std::string application = "SealBridge Seal";
  std::string label;  // the seal's esID, by convention
  bool private_object = false;
};

// Writes the seal as a CKO_DATA token object in one C_CreateObject: tools that write data
// objects in pieces (pkcs11-tool cuts them at 5000 bytes) corrupt 6-31 KB seals. Returns the
// new object's handle.
unsigned long store_seal(const store_request& request, byte_view seal_der);

}  // namespace sealbridge::tools
