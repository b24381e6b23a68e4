#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/csr_builder.hpp"
#include "crypto/digest.hpp"
#include "crypto/public_key.hpp"
#include "crypto/sm2.hpp"
#include "crypto/subject_name.hpp"

using namespace sealbridge;

namespace {

crypto::evp_pkey_ptr generate(const char* type, const char* curve = nullptr) {
  crypto::evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr)};
  REQUIRE(ctx);
  REQUIRE(EVP_PKEY_keygen_init(ctx.get()) == 1);
  if (curve) REQUIRE(EVP_PKEY_CTX_set_group_name(ctx.get(), curve) == 1);
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_generate(ctx.get(), &key) == 1);
  return crypto::evp_pkey_ptr{key};
}

bytes ec_point(const EVP_PKEY* key) {
  std::size_t len = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &len) == 1);
  bytes out(len);
  REQUIRE(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), len, &len) ==
          1);
  return out;
}

bytes bn_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key, name, &bn) == 1);
  bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

// What a certificate would carry: the key through SubjectPublicKeyInfo DER and back.
crypto::evp_pkey_ptr round_trip(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  REQUIRE(len > 0);
  const unsigned char* p = der;
  crypto::evp_pkey_ptr out{d2i_PUBKEY(nullptr, &p, len)};
  OPENSSL_free(der);
  REQUIRE(out);
  return out;
}

std::string name_text(const X509_NAME* name) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

int entry_type(const X509_NAME* name, int nid) {
  int at = X509_NAME_get_index_by_NID(name, nid, -1);
  REQUIRE(at >= 0);
  return ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
}

}  // namespace

TEST_CASE("RFC 2253 subjects are read most significant last, with escapes") {
  auto e = crypto::parse_rfc2253("CN=张三,OU=加密, O=示例科技有限公司,C=CN");
  crypto::name_entries want{{"C", "CN"}, {"O", "示例科技有限公司"}, {"OU", "加密"}, {"CN", "张三"}};
  CHECK(e == want);
  CHECK(crypto::parse_rfc2253("CN=a\\,b\\2Bc,O=x\\\\y") ==
        crypto::name_entries{{"O", "x\\y"}, {"CN", "a,b+c"}});
  CHECK(crypto::parse_rfc2253("CN=\\E5\\BC\\A0") == crypto::name_entries{{"CN", "张"}});
  for (const char* bad : {"", "CN", "CN=", "CN=a,", "CN=a+O=b", "CN=#0401", "=x", "CN=a\\"}) {
    INFO(bad);
    CHECK_THROWS_MATCHES(
        crypto::parse_rfc2253(bad), error,
        Catch::Predicate<error>([](const error& x) { return x.code() == errc::bad_params; }));
  }
}

TEST_CASE("named subject fields are put into X.500 order and unknown ones refused") {
  auto e = crypto::order_fields({{"CN", "张三"}, {"C", "CN"}, {"OU", "续期"}, {"O", "示例"}});
  CHECK(e == crypto::name_entries{{"C", "CN"}, {"O", "示例"}, {"OU", "续期"}, {"CN", "张三"}});
  CHECK_THROWS_AS(crypto::order_fields({{"CN", "x"}, {"XX", "y"}}), error);
  CHECK_THROWS_AS(crypto::order_fields({{"CN", ""}}), error);
  CHECK_THROWS_AS(crypto::order_fields({}), error);
}

TEST_CASE("names keep UTF-8 and use PrintableString for the country") {
  auto name = crypto::make_name(crypto::parse_rfc2253("CN=张三,O=示例科技有限公司,C=CN"));
  CHECK(name_text(name.get()) == "CN=张三,O=示例科技有限公司,C=CN");
  CHECK(entry_type(name.get(), NID_countryName) == V_ASN1_PRINTABLESTRING);
  CHECK(entry_type(name.get(), NID_commonName) == V_ASN1_UTF8STRING);
  CHECK_THROWS_AS(crypto::make_name({{"C", "CHN"}}), error);  // countryName is two letters
  CHECK_THROWS_AS(crypto::make_name({{"nonsense", "x"}}), error);
}

TEST_CASE("CKA_EC_POINT is accepted with and without its OCTET STRING wrapper") {
  auto key = generate("EC", "prime256v1");
  auto point = ec_point(key.get());
  REQUIRE(point.size() == 65);
  bytes wrapped{0x04, 0x41};
  wrapped.insert(wrapped.end(), point.begin(), point.end());
  CHECK(crypto::unwrap_ec_point(point, 32) == point);
  CHECK(crypto::unwrap_ec_point(wrapped, 32) == point);
  // A bare point whose x starts like a length (04 3F 04 …) is still a bare point.
  bytes tricky = point;
  tricky[1] = 0x3F;
  tricky[2] = 0x04;
  CHECK(crypto::unwrap_ec_point(tricky, 32) == tricky);
  CHECK_THROWS_AS(crypto::unwrap_ec_point(bytes(point.begin(), point.end() - 1), 32), error);
  bytes compressed(point.begin(), point.begin() + 33);
  compressed[0] = 0x02;
  CHECK_THROWS_AS(crypto::unwrap_ec_point(compressed, 32), error);
}

TEST_CASE("public keys rebuilt from PKCS#11 values match the certificate's, and only those") {
  SECTION("EC P-256") {
    auto key = generate("EC", "prime256v1");
    auto rebuilt = crypto::ec_public_key(false, ec_point(key.get()));
    CHECK(crypto::same_public_key(rebuilt.get(), round_trip(key.get()).get()));
    CHECK_FALSE(crypto::same_public_key(rebuilt.get(), generate("EC", "prime256v1").get()));
    // The same point read as an SM2 key is a different key.
    CHECK_THROWS_AS(crypto::ec_public_key(true, ec_point(key.get())), error);
  }
  SECTION("SM2, whichever type OpenSSL gives it") {
    auto key = generate("SM2");
    auto rebuilt = crypto::ec_public_key(true, ec_point(key.get()));
    CHECK(crypto::is_sm2_key(rebuilt.get()));
    CHECK(crypto::same_public_key(rebuilt.get(), round_trip(key.get()).get()));
    CHECK(crypto::same_public_key(rebuilt.get(), key.get()));
    CHECK_FALSE(crypto::same_public_key(rebuilt.get(), generate("SM2").get()));
    CHECK_FALSE(crypto::same_public_key(rebuilt.get(), generate("EC", "prime256v1").get()));
  }
  SECTION("RSA") {
    auto key = generate("RSA");
    auto rebuilt = crypto::rsa_public_key(bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N),
                                          bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E));
    CHECK(crypto::same_public_key(rebuilt.get(), round_trip(key.get()).get()));
    CHECK_FALSE(crypto::same_public_key(rebuilt.get(), generate("RSA").get()));
    CHECK_FALSE(crypto::same_public_key(rebuilt.get(), generate("EC", "prime256v1").get()));
  }
  CHECK_THROWS_AS(crypto::ec_public_key(false, bytes(65, 0x04)), error);  // not on the curve
}

TEST_CASE("e = SM3(Z||M) is what OpenSSL's SM2 with the default ID signs") {
  auto key = generate("SM2");
  const std::string text = "certification request info";
  auto message = as_bytes(text);
  auto e = crypto::sm2_e(key.get(), message, crypto::sm2_default_id);
  REQUIRE(e.size() == 32);
  // Sign e as a digest, the way a UKey's raw SM2 mechanism does, and verify over the message.
  crypto::evp_pkey_ctx_ptr ctx{EVP_PKEY_CTX_new(key.get(), nullptr)};
  REQUIRE(EVP_PKEY_sign_init(ctx.get()) == 1);
  std::size_t len = 0;
  REQUIRE(EVP_PKEY_sign(ctx.get(), nullptr, &len, e.data(), e.size()) == 1);
  bytes signature(len);
  REQUIRE(EVP_PKEY_sign(ctx.get(), signature.data(), &len, e.data(), e.size()) == 1);
  signature.resize(len);
  CHECK(crypto::verify_message(key.get(), crypto::sig_scheme::sm2_sm3, message, signature));
  CHECK(crypto::sm2_e(key.get(), message, "another id") != e);
}

TEST_CASE("a request signed outside OpenSSL's signing path verifies and carries the subject") {
  for (const auto& [type, curve] : {std::pair<const char*, const char*>{"EC", "prime256v1"},
                                    {"RSA", nullptr},
                                    {"SM2", nullptr}}) {
    INFO(type);
    auto key = generate(type, curve);
    auto subject = crypto::make_name({{"C", "CN"}, {"O", "示例"}, {"CN", "张三"}});
    auto req = crypto::new_request(subject.get(), key.get());
    auto tbs = crypto::request_info_der(req.get());
    auto scheme = crypto::scheme_for_key(key.get());
    crypto::attach_signature(req.get(), scheme, crypto::sign_message(key.get(), tbs));
    auto der = crypto::request_der(req.get());
    CHECK(crypto::request_pem(req.get()).starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"));

    const unsigned char* p = der.data();
    crypto::x509_req_ptr parsed{d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()))};
    REQUIRE(parsed);
    if (scheme == crypto::sig_scheme::sm2_sm3) {
      ASN1_OCTET_STRING* id = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(id,
                            reinterpret_cast<const unsigned char*>(crypto::sm2_default_id.data()),
                            static_cast<int>(crypto::sm2_default_id.size()));
      X509_REQ_set0_distinguishing_id(parsed.get(), id);
    }
    CHECK(X509_REQ_verify(parsed.get(), X509_REQ_get0_pubkey(parsed.get())) == 1);
    CHECK(name_text(X509_REQ_get_subject_name(parsed.get())) == "CN=张三,O=示例,C=CN");
    const X509_ALGOR* algorithm = nullptr;
    X509_REQ_get0_signature(parsed.get(), nullptr, &algorithm);
    const ASN1_OBJECT* object = nullptr;
    X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
    char oid[64] = {};
    OBJ_obj2txt(oid, sizeof oid, object, 1);
    CHECK(std::string(oid) == crypto::scheme_oid(scheme));
  }
}

TEST_CASE("a signature ending in zero bits is kept whole") {
  auto key = generate("EC", "prime256v1");
  auto subject = crypto::make_name({{"CN", "x"}});
  auto req = crypto::new_request(subject.get(), key.get());
  crypto::request_info_der(req.get());
  const bytes signature{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00};
  crypto::attach_signature(req.get(), crypto::sig_scheme::ecdsa_sha256, signature);
  auto der = crypto::request_der(req.get());
  // BIT STRING: tag, length 9, no unused bits, the signature unchanged. Spelled out rather
  // than appended: GCC 12 at -O2 misreports the append as out of bounds.
  const bytes tail{0x03, 0x09, 0x00, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x00};
  REQUIRE(der.size() > tail.size());
  CHECK(bytes(der.end() - static_cast<std::ptrdiff_t>(tail.size()), der.end()) == tail);
}
