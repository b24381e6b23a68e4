#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "core/secret.hpp"
#include "pkcs11/keys.hpp"
#include "pkcs11/module.hpp"
#include "pkcs11/session.hpp"
#include "tests/unit/pkcs11/softhsm_fixture.hpp"

using sealbridge::errc;
using sealbridge::secret;
using sealbridge::test::slot_of;
using sealbridge::test::softhsm_fixture;
using namespace sealbridge::pkcs11;

namespace {

// DER OID 1.2.840.10045.3.1.7 (prime256v1), the CKA_EC_PARAMS of a P-256 key.
constexpr std::array<std::uint8_t, 10> p256_params = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                      0xce, 0x3d, 0x03, 0x01, 0x07};

CK_ATTRIBUTE attr(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t len) {
  return CK_ATTRIBUTE{type, const_cast<void*>(value), static_cast<CK_ULONG>(len)};
}

}  // namespace

TEST_CASE("generate_key_pair makes an EC P-256 pair that find_private_key finds",
          "[pkcs11][session]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  auto m = module::load(softhsm_fixture::module_path);
  session s(m, slot_of(*m, "alpha"), true);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));

  static constexpr CK_BBOOL yes = CK_TRUE;
  const std::array<std::uint8_t, 3> id = {0x0a, 0x0b, 0x0c};
  const std::string label = "generated";
  std::array pub{attr(CKA_TOKEN, &yes, sizeof yes), attr(CKA_VERIFY, &yes, sizeof yes),
                 attr(CKA_ID, id.data(), id.size()), attr(CKA_LABEL, label.data(), label.size()),
                 attr(CKA_EC_PARAMS, p256_params.data(), p256_params.size())};
  std::array priv{
      attr(CKA_TOKEN, &yes, sizeof yes),     attr(CKA_PRIVATE, &yes, sizeof yes),
      attr(CKA_SENSITIVE, &yes, sizeof yes), attr(CKA_SIGN, &yes, sizeof yes),
      attr(CKA_ID, id.data(), id.size()),    attr(CKA_LABEL, label.data(), label.size())};

  CHECK_FALSE(find_private_key(s, id).has_value());
  const CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  const auto [public_key, private_key] = s.generate_key_pair(mechanism, pub, priv);
  CHECK(public_key != CK_INVALID_HANDLE);
  CHECK(private_key != CK_INVALID_HANDLE);
  CHECK(public_key != private_key);

  const auto found = find_private_key(s, id);
  REQUIRE(found.has_value());
  CHECK(*found == private_key);
  CHECK(s.attribute_ulong(private_key, CKA_KEY_TYPE) == CKK_EC);
  CHECK(s.attribute_ulong(public_key, CKA_CLASS) == CKO_PUBLIC_KEY);
  CHECK(s.attribute_string(private_key, CKA_LABEL) == label);
  // The public key carries the curve it was asked for and a point on it (an uncompressed
  // P-256 point is 65 bytes, wrapped in a 2-byte DER OCTET STRING header).
  const auto params = s.attribute(public_key, CKA_EC_PARAMS);
  REQUIRE(params.has_value());
  CHECK(std::equal(params->begin(), params->end(), p256_params.begin(), p256_params.end()));
  const auto point = s.attribute(public_key, CKA_EC_POINT);
  REQUIRE(point.has_value());
  CHECK(point->size() == 67);

  // The private key signs: a raw ECDSA P-256 signature is r || s, 64 bytes.
  const std::array<std::uint8_t, 32> digest{};
  const CK_MECHANISM ecdsa{CKM_ECDSA, nullptr, 0};
  CHECK(s.sign(ecdsa, private_key, digest).size() == 64);
}

TEST_CASE("generate_key_pair reports the driver's refusal as a pkcs11 error", "[pkcs11][session]") {
  softhsm_fixture hsm;
  hsm.init_token("alpha");
  auto m = module::load(softhsm_fixture::module_path);
  session s(m, slot_of(*m, "alpha"), true);
  s.login(CKU_USER, secret(softhsm_fixture::user_pin));

  // An EC key pair without CKA_EC_PARAMS has no curve: the template is incomplete.
  std::array<CK_ATTRIBUTE, 0> pub{};
  std::array<CK_ATTRIBUTE, 0> priv{};
  const CK_MECHANISM mechanism{CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  try {
    (void)s.generate_key_pair(mechanism, pub, priv);
    FAIL("key pair generated without a curve");
  } catch (const sealbridge::error& e) {
    CHECK(e.detail().rfind("C_GenerateKeyPair: ", 0) == 0);
  }
}
