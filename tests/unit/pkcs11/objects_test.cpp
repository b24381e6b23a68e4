#include "pkcs11/objects.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "crypto/openssl_ptr.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/session.hpp"
#include "tests/unit/pkcs11/softhsm_fixture.hpp"

using sealbridge::secret;
using sealbridge::test::slot_of;
using sealbridge::test::softhsm_fixture;
using namespace sealbridge::pkcs11;
namespace crypto = sealbridge::crypto;

namespace {

crypto::x509_ptr parse_x509(const std::vector<std::uint8_t>& der) {
  const unsigned char* p = der.data();
  return crypto::x509_ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

struct token_with_credential {
  softhsm_fixture hsm;
  std::vector<std::uint8_t> cert_der;
  std::shared_ptr<module> m;
  CK_SLOT_ID slot = 0;

  token_with_credential() {
    hsm.init_token("alpha");
    cert_der = hsm.import_credential("alpha", "signer", "01");
    m = module::load(softhsm_fixture::module_path);
    slot = slot_of(*m, "alpha");
  }
};

CK_OBJECT_HANDLE private_key(const session& s, std::uint8_t id) {
  CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
  std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls}, CK_ATTRIBUTE{CKA_ID, &id, 1}};
  const auto found = s.find(tmpl);
  REQUIRE(found.size() == 1);
  return found.front();
}

}  // namespace

TEST_CASE("certificates come back as DER with id and label", "[pkcs11][objects]") {
  token_with_credential t;
  session s(t.m, t.slot, false);

  const auto certs = find_certificates(s);
  REQUIRE(certs.size() == 1);
  CHECK(certs[0].id == std::vector<std::uint8_t>{0x01});
  CHECK(certs[0].label == "signer");
  CHECK(certs[0].der == t.cert_der);
  auto x509 = parse_x509(certs[0].der);
  REQUIRE(x509);
  char subject[256];
  X509_NAME_oneline(X509_get_subject_name(x509.get()), subject, sizeof subject);
  CHECK(std::string(subject) == "/CN=signer");

  const std::array<std::uint8_t, 1> id{0x01};
  const std::array<std::uint8_t, 1> other{0x02};
  // The private key is CKA_PRIVATE: invisible until login.
  CHECK_FALSE(has_private_key(s, id));
  CHECK_FALSE(s.user_logged_in());
  CHECK(private_key_ids(s).empty());
  // The public half is a public object: the pair is seen without a PIN, once.
  CHECK(key_pair_ids(s) == std::vector<std::vector<std::uint8_t>>{{0x01}});
  session second(t.m, t.slot, false);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));
  CHECK(has_private_key(s, id));
  CHECK_FALSE(has_private_key(s, other));
  // Login state is the application's: another session sees it too.
  CHECK(second.user_logged_in());
  CHECK(private_key_ids(second) == std::vector<std::vector<std::uint8_t>>{{0x01}});
  // Private and public key share the CKA_ID: still one entry.
  CHECK(key_pair_ids(second) == std::vector<std::vector<std::uint8_t>>{{0x01}});
}

TEST_CASE("attribute reads handle absent, sensitive and typed values", "[pkcs11][objects]") {
  token_with_credential t;
  session s(t.m, t.slot, false);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));
  const auto cert = find_certificates(s).at(0).handle;
  const auto key = private_key(s, 0x01);

  CHECK(s.attribute_ulong(cert, CKA_CLASS) == CKO_CERTIFICATE);
  CHECK(s.attribute_ulong(cert, CKA_CERTIFICATE_TYPE) == CKC_X_509);
  CHECK(s.attribute_bool(cert, CKA_TOKEN) == true);
  CHECK(s.attribute_bool(cert, CKA_PRIVATE) == false);
  CHECK(s.attribute_string(cert, CKA_LABEL) == "signer");
  CHECK_FALSE(s.attribute(cert, CKA_MODULUS).has_value());  // not a certificate attribute
  CHECK(s.attribute_ulong(key, CKA_KEY_TYPE) == CKK_RSA);
  CHECK(s.attribute(key, CKA_MODULUS).value().size() == 256);
  CHECK(s.attribute_bool(key, CKA_SENSITIVE) == true);
  CHECK_FALSE(s.attribute(key, CKA_PRIVATE_EXPONENT).has_value());        // sensitive
  CHECK_THROWS_AS(s.attribute_bool(cert, CKA_LABEL), sealbridge::error);  // wrong size

  // Several at once: each as the single read gives it, in the order asked.
  const std::array<CK_ATTRIBUTE_TYPE, 3> of_cert{CKA_VALUE, CKA_ID, CKA_LABEL};
  const auto together = s.attributes(cert, of_cert);
  REQUIRE(together.size() == 3);
  CHECK(together[0] == s.attribute(cert, CKA_VALUE));
  CHECK(together[1] == std::vector<std::uint8_t>{0x01});
  CHECK(together[2] == s.attribute(cert, CKA_LABEL));
  // One the object lacks, and one that is sensitive, among good ones.
  const std::array<CK_ATTRIBUTE_TYPE, 3> with_missing{CKA_LABEL, CKA_MODULUS, CKA_ID};
  const auto partial = s.attributes(cert, with_missing);
  CHECK(partial[0] == s.attribute(cert, CKA_LABEL));
  CHECK_FALSE(partial[1].has_value());
  CHECK(partial[2] == std::vector<std::uint8_t>{0x01});
  const std::array<CK_ATTRIBUTE_TYPE, 3> of_key{CKA_PRIVATE_EXPONENT, CKA_MODULUS, CKA_ID};
  const auto guarded = s.attributes(key, of_key);
  CHECK_FALSE(guarded[0].has_value());
  CHECK(guarded[1] == s.attribute(key, CKA_MODULUS));
  CHECK(guarded[2] == std::vector<std::uint8_t>{0x01});
}

TEST_CASE("a 31 KB data object is created, read back, found and destroyed", "[pkcs11][objects]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  auto m = module::load(softhsm_fixture::module_path);
  session s(m, slot_of(*m, "alpha"), true);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));

  std::vector<std::uint8_t> value(31 * 1024);
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>(i * 7 + 3);
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_BBOOL yes = CK_TRUE;
  std::string label = "seal-01";
  std::string application = "SealBridge";
  std::array tmpl{
      CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
      CK_ATTRIBUTE{CKA_TOKEN, &yes, sizeof yes},
      CK_ATTRIBUTE{CKA_PRIVATE, &yes, sizeof yes},
      CK_ATTRIBUTE{CKA_LABEL, label.data(), label.size()},
      CK_ATTRIBUTE{CKA_APPLICATION, application.data(), application.size()},
      CK_ATTRIBUTE{CKA_VALUE, value.data(), value.size()},
  };
  const auto obj = s.create_object(tmpl);
  CHECK(s.attribute(obj, CKA_VALUE) == value);
  CHECK(s.attribute_string(obj, CKA_APPLICATION) == application);

  std::array query{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
                   CK_ATTRIBUTE{CKA_LABEL, label.data(), label.size()}};
  CHECK(s.find(query) == std::vector<CK_OBJECT_HANDLE>{obj});
  // Searches can follow each other: every search was finalized.
  CHECK(s.find(query).size() == 1);

  s.destroy_object(obj);
  CHECK(s.find(query).empty());
  try {
    s.destroy_object(obj);
    FAIL("destroyed twice");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == sealbridge::errc::object_not_found);
  }
}

TEST_CASE("many objects are found across several C_FindObjects batches", "[pkcs11][objects]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  auto m = module::load(softhsm_fixture::module_path);
  session s(m, slot_of(*m, "alpha"), true);
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_BBOOL no = CK_FALSE;
  std::string app = "batch";
  for (int i = 0; i < 150; ++i) {
    // Session objects, public: no login needed and nothing left on the token.
    std::array tmpl{CK_ATTRIBUTE{CKA_CLASS, &cls, sizeof cls},
                    CK_ATTRIBUTE{CKA_TOKEN, &no, sizeof no},
                    CK_ATTRIBUTE{CKA_PRIVATE, &no, sizeof no},
                    CK_ATTRIBUTE{CKA_APPLICATION, app.data(), app.size()}};
    s.create_object(tmpl);
  }
  std::array query{CK_ATTRIBUTE{CKA_APPLICATION, app.data(), app.size()}};
  CHECK(s.find(query).size() == 150);
}

TEST_CASE("CKM_SHA256_RSA_PKCS signature verifies against the certificate", "[pkcs11][sign]") {
  token_with_credential t;
  session s(t.m, t.slot, false);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));
  const std::string text = "bid document digest input";
  const std::vector<std::uint8_t> data(text.begin(), text.end());

  CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
  const auto signature = s.sign(mech, private_key(s, 0x01), data);
  REQUIRE(signature.size() == 256);

  auto x509 = parse_x509(t.cert_der);
  REQUIRE(x509);
  crypto::evp_pkey_ptr pub(X509_get_pubkey(x509.get()));
  crypto::evp_md_ctx_ptr ctx(EVP_MD_CTX_new());
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pub.get()) == 1);
  CHECK(EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) ==
        1);

  CK_MECHANISM bogus{CKM_VENDOR_DEFINED + 0x42, nullptr, 0};
  try {
    s.sign(bogus, private_key(s, 0x01), data);
    FAIL("vendor mechanism accepted");
  } catch (const sealbridge::error& e) {
    CHECK(e.code() == sealbridge::errc::not_supported);
  }
}
