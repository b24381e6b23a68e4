#include <openssl/rsa.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "crypto/digest.hpp"
#include "crypto/sm2.hpp"
#include "test_certs.hpp"

using namespace sealbridge;
using namespace sealbridge::crypto;

using sealbridge::testing::code_of;

TEST_CASE("digest names, sizes and OIDs") {
  CHECK(digest_from_name("SHA-256") == digest_alg::sha256);
  CHECK(digest_from_name("sha256") == digest_alg::sha256);
  CHECK(digest_from_name("Sha-384") == digest_alg::sha384);
  CHECK(digest_from_name("SHA512") == digest_alg::sha512);
  CHECK(digest_from_name("sm3") == digest_alg::sm3);
  CHECK_FALSE(digest_from_name("MD5"));
  CHECK_FALSE(digest_from_name(""));
  CHECK(digest_name(digest_alg::sha384) == "SHA-384");
  CHECK(digest_size(digest_alg::sha512) == 64);
  CHECK(digest_oid(digest_alg::sha256) == "2.16.840.1.101.3.4.2.1");
  CHECK(digest_oid(digest_alg::sm3) == "1.2.156.10197.1.401");
  CHECK(digest_from_oid("2.16.840.1.101.3.4.2.3") == digest_alg::sha512);
  for (auto alg : {digest_alg::sha256, digest_alg::sha384, digest_alg::sha512, digest_alg::sm3}) {
    CHECK(digest_from_name(digest_name(alg)) == alg);
    CHECK(static_cast<std::size_t>(EVP_MD_get_size(evp_md(alg))) == digest_size(alg));
  }
}

TEST_CASE("digests match the published test vectors, streamed or not") {
  const bytes abc = {'a', 'b', 'c'};
  CHECK(to_hex(digest(digest_alg::sha256, abc)) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // GB/T 32905 example 1.
  CHECK(to_hex(digest(digest_alg::sm3, abc)) ==
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  bytes big(100000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 7);
  for (auto alg : {digest_alg::sha384, digest_alg::sm3}) {
    digest_stream s(alg);
    for (std::size_t at = 0; at < big.size(); at += 333)
      s.update(byte_view(big).subspan(at, std::min<std::size_t>(333, big.size() - at)));
    CHECK(s.finish() == digest(alg, big));
    CHECK(code_of([&] { s.finish(); }) == errc::internal);
    CHECK(code_of([&] { s.update(abc); }) == errc::internal);
  }
}

TEST_CASE("DigestInfo makes CKM_RSA_PKCS-style signatures that verify as SHA-256 RSA") {
  const bytes hash = digest(digest_alg::sha256, as_bytes("document"));
  const bytes info = rsa_digest_info(digest_alg::sha256, hash);
  CHECK(to_hex(info).rfind("3031300d060960864801650304020105000420", 0) == 0);
  CHECK(to_hex(rsa_digest_info(digest_alg::sha512, digest(digest_alg::sha512, hash)))
            .rfind("3051300d060960864801650304020305000440", 0) == 0);
  CHECK(code_of([&] { rsa_digest_info(digest_alg::sha384, hash); }) == errc::bad_params);

  // What a token does with CKM_RSA_PKCS: PKCS#1 v1.5 padding over the given bytes, no hashing.
  auto key = testing::generate_key("RSA");
  evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(key.get(), nullptr)};
  REQUIRE(EVP_PKEY_sign_init(ctx.get()) == 1);
  REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
  std::size_t len = 0;
  REQUIRE(EVP_PKEY_sign(ctx.get(), nullptr, &len, info.data(), info.size()) == 1);
  bytes sig(len);
  REQUIRE(EVP_PKEY_sign(ctx.get(), sig.data(), &len, info.data(), info.size()) == 1);
  sig.resize(len);
  CHECK(verify_message(key.get(), sig_scheme::rsa_sha256, as_bytes("document"), sig));
}

TEST_CASE("ECDSA DER and raw r||s convert both ways") {
  for (auto [kind, width] :
       {std::pair{"P-256", std::size_t{32}}, std::pair{"P-384", std::size_t{48}}}) {
    INFO(kind);
    auto key = testing::generate_key(kind);
    for (int i = 0; i < 20; ++i) {  // some r or s have a leading zero octet or a short form
      const bytes msg = {static_cast<std::uint8_t>(i), 'm'};
      const bytes der_sig = sign_message(key.get(), msg);
      const bytes raw = ecdsa_der_to_raw(der_sig, width);
      REQUIRE(raw.size() == 2 * width);
      CHECK(ec_raw_to_der(raw) == der_sig);
    }
  }
  auto key = testing::generate_key("P-384");
  const bytes sig = sign_message(key.get(), as_bytes("x"));
  CHECK(code_of([&] { ecdsa_der_to_raw(sig, 32); }) == errc::bad_params);
  CHECK(code_of([&] {
          ecdsa_der_to_raw(bytes{0x30, 0x03, 0x02, 0x01, 0x01}, 32);
        }) == errc::bad_params);
  CHECK(code_of([&] {
          ecdsa_der_to_raw(bytes{0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01}, 32);
        }) == errc::bad_params);
  CHECK(code_of([&] { ecdsa_der_to_raw(bytes{0x04, 0x00}, 32); }) == errc::bad_params);
}

TEST_CASE("SM2 e = SM3(Z||M) is what OpenSSL's SM2 verifies as the digest") {
  auto key = testing::generate_key("SM2");
  const bytes msg = {'s', 'e', 'a', 'l', 0x00, 0xff};
  const bytes z = sm2_z(key.get());
  REQUIRE(z.size() == 32);
  bytes zm = z;
  zm.insert(zm.end(), msg.begin(), msg.end());
  const bytes e = sm2_e(key.get(), msg);
  CHECK(e == digest(digest_alg::sm3, zm));
  CHECK(sm2_e(key.get(), msg, "another id") != e);

  // A signature made over M with the default ID verifies as a signature over the digest e.
  const bytes sig = sign_message(key.get(), msg);
  evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(key.get(), nullptr)};
  REQUIRE(EVP_PKEY_verify_init(ctx.get()) == 1);
  CHECK(EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), e.data(), e.size()) == 1);
  bytes wrong = e;
  wrong[0] ^= 1;
  CHECK(EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), wrong.data(), wrong.size()) != 1);

  auto p256 = testing::generate_key("P-256");
  CHECK(code_of([&] { sm2_z(p256.get()); }) == errc::bad_params);
  CHECK(code_of([&] { sm2_z(key.get(), std::string(0x2000, 'a')); }) == errc::bad_params);
}

TEST_CASE("sm-crypto accepts a signature made over our e = SM3(Z||M) as one over M", "[node]") {
  // sm-crypto computes Z itself, sharing no code with OpenSSL or us: a signature over our e
  // (signed as a bare digest, as an SM2 token mechanism does) must verify over the message.
  const std::filesystem::path source = SEALBRIDGE_SOURCE_DIR;
  const auto script = source / "tests" / "testmodule" / "verify_sm2.mjs";
  INFO("needs tests/node_modules (npm ci in tests/)");
  REQUIRE(std::filesystem::exists(source / "tests" / "node_modules" / "sm-crypto"));
  auto key = testing::generate_key("SM2");
  const bytes msg = {'d', 'o', 'c', 0xe7, 0xab, 0xa0};
  const bytes e = sm2_e(key.get(), msg);
  evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(key.get(), nullptr)};
  REQUIRE(EVP_PKEY_sign_init(ctx.get()) == 1);
  std::size_t len = 0;
  REQUIRE(EVP_PKEY_sign(ctx.get(), nullptr, &len, e.data(), e.size()) == 1);
  bytes sig(len);
  REQUIRE(EVP_PKEY_sign(ctx.get(), sig.data(), &len, e.data(), e.size()) == 1);
  sig.resize(len);
  unsigned char point[65];
  std::size_t point_len = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(key.get(), "pub", point, sizeof point, &point_len) == 1);
  const auto judge = [&](const bytes& m) {
    return testing::run("node '" + script.string() + "' " + to_hex(m) + " " + to_hex(sig) + " " +
                        to_hex(byte_view(point, point_len)) + " der");
  };
  CHECK(judge(msg) == 0);
  CHECK(judge(bytes{'o', 't', 'h', 'e', 'r'}) == 1);
}
