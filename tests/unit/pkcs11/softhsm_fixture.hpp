#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pkcs11/module.hpp"

namespace sealbridge::test {

// A throwaway SoftHSM2 installation: a temp dir with its own softhsm2.conf, pointed at by
// SOFTHSM2_CONF for the life of the fixture. SoftHSM only sees tokens that exist when it is
// initialized, so create every token before module::load().
class softhsm_fixture {
 public:
  static constexpr const char* module_path = "/usr/lib/softhsm/libsofthsm2.so";
  static constexpr const char* so_pin = "12345678";
  static constexpr const char* user_pin = "123456";

  softhsm_fixture();
  ~softhsm_fixture();
  softhsm_fixture(const softhsm_fixture&) = delete;
  softhsm_fixture& operator=(const softhsm_fixture&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  // softhsm2-util --init-token --free.
  void init_token(const std::string& label);

  // A fresh RSA-2048 key and self-signed certificate, both written to the token under
  // CKA_ID id_hex and CKA_LABEL object_label. Returns the certificate's DER.
  std::vector<std::uint8_t> import_credential(const std::string& token_label,
                                              const std::string& object_label,
                                              const std::string& id_hex);

 private:
  void run(const std::string& command) const;

  std::filesystem::path dir_;
  int counter_ = 0;
};

std::vector<std::uint8_t> read_file(const std::filesystem::path& path);

// The slot holding the token with this label; fails the test when there is none.
CK_SLOT_ID slot_of(const pkcs11::module& m, const std::string& label);

}  // namespace sealbridge::test
