#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/iso_time.hpp"
#include "crypto/local_ca.hpp"
#include "crypto/openssl_ptr.hpp"
#include "test_certs.hpp"

using namespace sealbridge;

namespace {

using general_names_ptr =
    std::unique_ptr<GENERAL_NAMES, crypto::openssl_deleter<GENERAL_NAMES_free>>;

const sys_seconds kNow = *parse_iso8601("2026-12-01T10:00:00Z");

crypto::x509_ptr parse(const std::string& pem) {
  crypto::bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  crypto::x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

crypto::evp_pkey_ptr parse_key(const secret& pem) {
  crypto::bio_ptr bio(BIO_new_mem_buf(pem.reveal().data(), static_cast<int>(pem.size())));
  crypto::evp_pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(key);
  return key;
}

bool is_critical(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  REQUIRE(index >= 0);
  return X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

std::string curve_of(X509* cert) {
  char name[64] = {};
  std::size_t length = 0;
  REQUIRE(EVP_PKEY_get_utf8_string_param(X509_get0_pubkey(cert), "group", name, sizeof name,
                                         &length) == 1);
  return name;
}

// "DNS:localhost", or "IP:" and the address (then the mask, for name constraints) in hex.
std::string describe(const GENERAL_NAME* name) {
  int type = 0;
  auto* value = static_cast<ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
  const auto* data = ASN1_STRING_get0_data(value);
  auto length = static_cast<std::size_t>(ASN1_STRING_length(value));
  if (type == GEN_DNS) return "DNS:" + std::string(reinterpret_cast<const char*>(data), length);
  REQUIRE(type == GEN_IPADD);
  std::string out = "IP:";
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < length; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0x0f];
  }
  return out;
}

std::vector<std::string> subject_alt_names(X509* cert) {
  general_names_ptr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  REQUIRE(names);
  std::vector<std::string> out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i)
    out.push_back(describe(sk_GENERAL_NAME_value(names.get(), i)));
  return out;
}

std::string write_temp(const std::filesystem::path& dir, const char* name,
                       const std::string& text) {
  auto path = dir / name;
  testing::write_file(path, bytes(text.begin(), text.end()));
  return path.string();
}

}  // namespace

TEST_CASE("local TLS root: P-256, CA pathLen 0, keyCertSign, critical name constraints") {
  auto minted = crypto::mint_local_tls(kNow);
  auto root = parse(minted.root_certificate_pem);

  CHECK(curve_of(root.get()) == "prime256v1");
  CHECK(X509_check_ca(root.get()) == 1);
  CHECK(is_critical(root.get(), NID_basic_constraints));
  auto* constraints = static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(root.get(), NID_basic_constraints, nullptr, nullptr));
  REQUIRE(constraints);
  CHECK(constraints->ca);
  REQUIRE(constraints->pathlen);
  CHECK(ASN1_INTEGER_get(constraints->pathlen) == 0);
  BASIC_CONSTRAINTS_free(constraints);

  CHECK(is_critical(root.get(), NID_key_usage));
  CHECK((X509_get_key_usage(root.get()) & KU_KEY_CERT_SIGN) != 0);
  CHECK((X509_get_key_usage(root.get()) & KU_DIGITAL_SIGNATURE) == 0);

  CHECK(is_critical(root.get(), NID_name_constraints));
  auto* name_constraints = static_cast<NAME_CONSTRAINTS*>(
      X509_get_ext_d2i(root.get(), NID_name_constraints, nullptr, nullptr));
  REQUIRE(name_constraints);
  std::vector<std::string> permitted;
  for (int i = 0; i < sk_GENERAL_SUBTREE_num(name_constraints->permittedSubtrees); ++i)
    permitted.push_back(
        describe(sk_GENERAL_SUBTREE_value(name_constraints->permittedSubtrees, i)->base));
  CHECK(sk_GENERAL_SUBTREE_num(name_constraints->excludedSubtrees) <= 0);
  NAME_CONSTRAINTS_free(name_constraints);
  CHECK(permitted == std::vector<std::string>{
                         "DNS:localhost", "IP:7f000001ffffffff",
                         "IP:00000000000000000000000000000001ffffffffffffffffffffffffffffffff"});

  // Self-signed, and each installation's root has its own name.
  CHECK(X509_verify(root.get(), X509_get0_pubkey(root.get())) == 1);
  auto other = parse(crypto::mint_local_tls(kNow).root_certificate_pem);
  CHECK(X509_NAME_cmp(X509_get_subject_name(root.get()), X509_get_subject_name(other.get())) != 0);
}

TEST_CASE("local TLS leaf: own key, localhost SANs, serverAuth, at most 825 days") {
  auto minted = crypto::mint_local_tls(kNow);
  auto root = parse(minted.root_certificate_pem);
  auto leaf = parse(minted.leaf_certificate_pem);
  auto key = parse_key(minted.leaf_private_key_pem);

  CHECK(curve_of(leaf.get()) == "prime256v1");
  CHECK(X509_check_ca(leaf.get()) == 0);
  CHECK(subject_alt_names(leaf.get()) ==
        std::vector<std::string>{"DNS:localhost", "IP:7f000001",
                                 "IP:00000000000000000000000000000001"});
  CHECK((X509_get_extended_key_usage(leaf.get()) & XKU_SSL_SERVER) != 0);
  CHECK((X509_get_extended_key_usage(leaf.get()) & ~XKU_SSL_SERVER) == 0);
  CHECK(X509_check_private_key(leaf.get(), key.get()) == 1);
  // The leaf's key is its own, not the root's.
  CHECK(EVP_PKEY_eq(X509_get0_pubkey(leaf.get()), X509_get0_pubkey(root.get())) != 1);
  CHECK(X509_verify(leaf.get(), X509_get0_pubkey(root.get())) == 1);

  int days = 0, seconds = 0;
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(leaf.get()),
                         X509_get0_notAfter(leaf.get())) == 1);
  CHECK(days <= 825);
  CHECK(days >= 790);
  CHECK(crypto::certificate_not_after(minted.leaf_certificate_pem) ==
        kNow - std::chrono::hours{1} + crypto::kDefaultLeafLifetime);

  // A longer lifetime asked for is cut to what browsers accept.
  auto long_lived =
      parse(crypto::mint_local_tls(kNow, std::chrono::days{2000}).leaf_certificate_pem);
  REQUIRE(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(long_lived.get()),
                         X509_get0_notAfter(long_lived.get())) == 1);
  CHECK(days == 825);
  CHECK(seconds == 0);
}

TEST_CASE("local TLS leaf verifies for localhost, 127.0.0.1 and ::1 with openssl verify") {
  auto minted = crypto::mint_local_tls(
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
  auto dir = testing::fresh_temp_dir("sb-local-ca");
  auto root = write_temp(dir, "root.pem", minted.root_certificate_pem);
  auto leaf = write_temp(dir, "leaf.pem", minted.leaf_certificate_pem);
  auto verify = [&](const std::string& check) {
    std::string output;
    int status = testing::run("openssl verify -x509_strict -purpose sslserver -CAfile " + root +
                                  " " + check + " " + leaf + " 2>&1",
                              &output);
    INFO(output);
    return status;
  };
  CHECK(verify("-verify_hostname localhost") == 0);
  CHECK(verify("-verify_ip 127.0.0.1") == 0);
  CHECK(verify("-verify_ip ::1") == 0);
  CHECK(verify("-verify_hostname example.com") != 0);
  CHECK(verify("-verify_ip 192.168.1.10") != 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("certificate_matches_key tells the leaf's key from another") {
  auto first = crypto::mint_local_tls(kNow);
  auto second = crypto::mint_local_tls(kNow);
  CHECK(crypto::certificate_matches_key(first.leaf_certificate_pem, first.leaf_private_key_pem));
  CHECK_FALSE(
      crypto::certificate_matches_key(first.leaf_certificate_pem, second.leaf_private_key_pem));
  CHECK_FALSE(crypto::certificate_matches_key("not a certificate", first.leaf_private_key_pem));
  CHECK_FALSE(crypto::certificate_not_after("garbage"));
}
