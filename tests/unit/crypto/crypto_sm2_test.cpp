#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "crypto/der.hpp"
#include "crypto/sm2.hpp"
#include "test_certs.hpp"

using namespace sealbridge;
using namespace sealbridge::crypto;

namespace {

// DER SEQUENCE{r, s} back to fixed 32-byte halves.
bytes der_to_raw(const bytes& sig) {
  der::reader top(sig);
  auto seq = top.next();
  auto parts = top.children(seq);
  bytes raw;
  for (int i = 0; i < 2; ++i) {
    auto v = parts.next().value;
    bytes n(v.begin(), v.end());
    while (n.size() > 32 && n.front() == 0) n.erase(n.begin());
    while (n.size() < 32) n.insert(n.begin(), 0);
    raw.insert(raw.end(), n.begin(), n.end());
  }
  return raw;
}

}  // namespace

TEST_CASE("SM2 sign and verify with the default user ID") {
  auto key = testing::generate_key("SM2");
  CHECK(is_sm2_key(key.get()));
  CHECK(scheme_for_key(key.get()) == sig_scheme::sm2_sm3);
  const bytes msg = {'s', 'e', 'a', 'l'};
  bytes sig = sign_message(key.get(), msg);
  CHECK(sig[0] == 0x30);
  CHECK(verify_message(key.get(), sig_scheme::sm2_sm3, msg, sig));
  bytes other = msg;
  other[0] ^= 1;
  CHECK_FALSE(verify_message(key.get(), sig_scheme::sm2_sm3, other, sig));
  CHECK_FALSE(verify_message(key.get(), sig_scheme::ecdsa_sha256, msg, sig));

  SECTION("raw r||s is accepted") {
    bytes raw = der_to_raw(sig);
    REQUIRE(raw.size() == 64);
    CHECK(verify_message(key.get(), sig_scheme::sm2_sm3, msg, raw));
    CHECK(ec_raw_to_der(raw).size() <= 72);
    raw[10] ^= 1;
    CHECK_FALSE(verify_message(key.get(), sig_scheme::sm2_sm3, msg, raw));
  }
}

TEST_CASE("SM2 signatures made without the ID do not verify") {
  auto key = testing::generate_key("SM2");
  const bytes msg = {1, 2, 3};
  evp_md_ctx_ptr ctx{EVP_MD_CTX_new()};
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sm3(), nullptr, key.get()) == 1);
  std::size_t len = 0;
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &len, msg.data(), msg.size()) == 1);
  bytes sig(len);
  REQUIRE(EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) == 1);
  sig.resize(len);
  CHECK_FALSE(verify_message(key.get(), sig_scheme::sm2_sm3, msg, sig));
}

TEST_CASE("ECDSA P-256 and RSA schemes") {
  const bytes msg = {'x'};
  auto ec = testing::generate_key("P-256");
  CHECK_FALSE(is_sm2_key(ec.get()));
  CHECK(scheme_oid(scheme_for_key(ec.get())) == oid_ecdsa_with_sha256);
  auto ec_sig = sign_message(ec.get(), msg);
  CHECK(verify_message(ec.get(), sig_scheme::ecdsa_sha256, msg, ec_sig));
  CHECK(verify_message(ec.get(), sig_scheme::ecdsa_sha256, msg, der_to_raw(ec_sig)));
  CHECK_FALSE(verify_message(ec.get(), sig_scheme::sm2_sm3, msg, ec_sig));

  auto rsa = testing::generate_key("RSA");
  CHECK(scheme_oid(scheme_for_key(rsa.get())) == oid_sha256_with_rsa);
  auto rsa_sig = sign_message(rsa.get(), msg);
  CHECK(verify_message(rsa.get(), sig_scheme::rsa_sha256, msg, rsa_sig));
  rsa_sig[5] ^= 1;
  CHECK_FALSE(verify_message(rsa.get(), sig_scheme::rsa_sha256, msg, rsa_sig));
}

TEST_CASE("signature algorithm OIDs") {
  CHECK(scheme_from_oid("1.2.156.10197.1.501") == sig_scheme::sm2_sm3);
  CHECK(scheme_from_oid("1.2.156.10197.1.301.1") == sig_scheme::sm2_sm3);
  CHECK(scheme_from_oid("1.2.840.10045.4.3.2") == sig_scheme::ecdsa_sha256);
  CHECK(scheme_from_oid("1.2.840.113549.1.1.11") == sig_scheme::rsa_sha256);
  CHECK_FALSE(scheme_from_oid("1.2.840.113549.1.1.5"));
  CHECK_THROWS_AS(ec_raw_to_der(bytes(63, 1)), error);
}
