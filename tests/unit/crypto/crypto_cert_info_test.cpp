#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/text.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/openssl_ptr.hpp"
#include "test_certs.hpp"

using namespace sealbridge;

namespace {

struct name_entry {
  const char* field;
  int type;  // V_ASN1_* string type, written as is (no conversion or checks by OpenSSL)
  std::string value;
  int set = 0;  // 0: a new RDN; -1: joined to the previous one (a multi-valued RDN)
};

// A self-signed certificate whose subject holds exactly these entries (first is most
// significant), the way a CA with its own encoder would write them.
crypto::x509_ptr make_named_cert(const std::vector<name_entry>& entries) {
  auto key = testing::generate_key("P-256");
  crypto::x509_ptr cert{X509_new()};
  REQUIRE(cert);
  X509* c = cert.get();
  REQUIRE(X509_set_version(c, 2) == 1);
  ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
  X509_NAME* name = X509_get_subject_name(c);
  for (const auto& e : entries) {
    REQUIRE(X509_NAME_add_entry_by_txt(name, e.field, e.type,
                                       reinterpret_cast<const unsigned char*>(e.value.data()),
                                       static_cast<int>(e.value.size()), -1, e.set) == 1);
  }
  REQUIRE(X509_set_issuer_name(c, name) == 1);
  X509_gmtime_adj(X509_getm_notBefore(c), 0);
  X509_gmtime_adj(X509_getm_notAfter(c), 86400);
  REQUIRE(X509_set_pubkey(c, key.get()) == 1);
  REQUIRE(X509_sign(c, key.get(), EVP_sha256()) > 0);
  return cert;
}

bytes der_of(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_X509(cert, &p);
  return der;
}

// What the daemon printed before: OpenSSL's RFC 2253 with UTF-8 left readable. For names that
// are valid UTF-8 the new printing must be identical.
std::string openssl_rfc2253(const X509_NAME* name) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  REQUIRE(X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string raw(std::initializer_list<unsigned char> b) {
  return std::string(b.begin(), b.end());
}

// Replaces every occurrence of each ASCII placeholder with bytes of the same length: how a CA
// with its own encoder writes what OpenSSL's API refuses to build. The signature no longer
// matches, which showing a certificate does not look at.
bytes patched(bytes der, const std::vector<std::pair<std::string, std::string>>& swaps) {
  for (const auto& [from, to] : swaps) {
    REQUIRE(from.size() == to.size());
    int found = 0;
    for (auto it = std::search(der.begin(), der.end(), from.begin(), from.end()); it != der.end();
         it = std::search(it, der.end(), from.begin(), from.end())) {
      std::copy(to.begin(), to.end(), it);
      ++found;
    }
    REQUIRE(found > 0);
  }
  return der;
}

const std::string kGbkShili = raw({0xCA, 0xBE, 0xC0, 0xFD});  // 示例 in GBK
const std::string kGbkKeji = raw({0xBF, 0xC6, 0xBC, 0xBC});   // 科技 in GBK

}  // namespace

TEST_CASE("GBK in any string type of a certificate name comes out as the characters") {
  auto cert = make_named_cert({
      {"C", V_ASN1_PRINTABLESTRING, "CN"},
      {"O", V_ASN1_UTF8STRING, "OOOOOOOO"},
      {"OU", V_ASN1_PRINTABLESTRING, "UUUU"},
      {"L", V_ASN1_T61STRING, "LLLL"},
      {"CN", V_ASN1_BMPSTRING, raw({0x5F, 0x20, 0x4E, 0x09})},  // 张三 in UCS-2
  });
  // GBK where UTF-8 belongs, GBK in a PrintableString, and old OpenSSL's T61String of raw bytes.
  const auto der =
      patched(der_of(cert.get()),
              {{"OOOOOOOO", kGbkShili + kGbkKeji}, {"UUUU", kGbkKeji}, {"LLLL", kGbkShili}});
  // OpenSSL itself refuses the UTF8String that is not UTF-8.
  const unsigned char* p = der.data();
  crypto::x509_ptr strict{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
  CHECK_FALSE(strict);
  const auto info = crypto::parse_certificate(der);
  CHECK(info.subject == "CN=张三,L=示例,OU=科技,O=示例科技,C=CN");
  CHECK(info.issuer == info.subject);
  CHECK(info.serial_hex == "07");
}

TEST_CASE("GBK in PrintableString and T61String, which OpenSSL reads as Latin-1") {
  auto cert =
      make_named_cert({{"O", V_ASN1_PRINTABLESTRING, "UUUU"}, {"CN", V_ASN1_T61STRING, "LLLL"}});
  const auto der = patched(der_of(cert.get()), {{"UUUU", kGbkKeji}, {"LLLL", kGbkShili}});
  const unsigned char* p = der.data();
  crypto::x509_ptr parsed{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
  REQUIRE(parsed);
  CHECK(openssl_rfc2253(X509_get_subject_name(parsed.get())).find("示例") == std::string::npos);
  CHECK(crypto::parse_certificate(der).subject == "CN=示例,O=科技");
}

TEST_CASE("valid UTF-8 names print exactly as OpenSSL's RFC 2253") {
  const std::vector<std::vector<name_entry>> names = {
      {{"C", V_ASN1_PRINTABLESTRING, "CN"},
       {"O", V_ASN1_UTF8STRING, "示例科技有限公司"},
       {"CN", V_ASN1_UTF8STRING, "张三"}},
      // Characters RFC 2253 escapes, leading '#' and spaces, a control character.
      {{"O", V_ASN1_UTF8STRING, "A, B + C; \"D\" <E> \\F"},
       {"OU", V_ASN1_UTF8STRING, "#1 "},
       {"CN", V_ASN1_UTF8STRING, " x\x01y "}},
      // A multi-valued RDN, an email address and an attribute type OpenSSL does not know.
      {{"CN", V_ASN1_UTF8STRING, "张三"},
       {"serialNumber", V_ASN1_PRINTABLESTRING, "110101", -1},
       {"emailAddress", V_ASN1_IA5STRING, "a@example.cn"},
       {"1.2.156.10260.4.1.1", V_ASN1_UTF8STRING, "91110000"}},
      {{"CN", V_ASN1_BMPSTRING, raw({0x00, 'A', 0x5F, 0x20})}},
  };
  for (const auto& entries : names) {
    auto cert = make_named_cert(entries);
    const auto expected = openssl_rfc2253(X509_get_subject_name(cert.get()));
    INFO(expected);
    CHECK(crypto::parse_certificate(der_of(cert.get())).subject == expected);
  }
}

TEST_CASE("undecodable bytes in a name still give valid UTF-8") {
  auto cert = make_named_cert({{"CN", V_ASN1_UTF8STRING, "aXYb"}});
  const auto der = patched(der_of(cert.get()), {{"aXYb", raw({'a', 0xFF, 0x80, 'b'})}});
  const auto info = crypto::parse_certificate(der);
  CHECK(is_valid_utf8(info.subject));
  CHECK(info.subject.find("CN=a") != std::string::npos);
  // Not a certificate at all is still refused.
  CHECK_THROWS_AS(crypto::parse_certificate(bytes(der.begin(), der.begin() + 40)), error);
}

TEST_CASE("a certificate read again is described the same, and other bytes are not confused") {
  auto first = make_named_cert({{"CN", V_ASN1_UTF8STRING, "AAAA"}});
  const auto der = der_of(first.get());
  const auto once = crypto::parse_certificate(der);
  const auto again = crypto::parse_certificate(der);
  CHECK(again.subject == once.subject);
  CHECK(again.serial_hex == once.serial_hex);
  CHECK(again.not_after == once.not_after);
  CHECK(again.usage == once.usage);
  // Same length, one name changed: what the bytes say, never what was remembered.
  const auto other = patched(der, {{"AAAA", raw({'B', 'B', 'B', 'B'})}});
  REQUIRE(other.size() == der.size());
  CHECK(crypto::parse_certificate(other).subject == "CN=BBBB");
  CHECK(crypto::parse_certificate(der).subject == "CN=AAAA");
  // More certificates than are remembered: each still described by its own bytes.
  for (int i = 0; i < 40; ++i) {
    auto cert = make_named_cert({{"CN", V_ASN1_UTF8STRING, "n" + std::to_string(i)}});
    CHECK(crypto::parse_certificate(der_of(cert.get())).subject == "CN=n" + std::to_string(i));
  }
  CHECK(crypto::parse_certificate(der).subject == "CN=AAAA");
  // A refused certificate is refused every time.
  const bytes cut(der.begin(), der.begin() + 40);
  CHECK_THROWS_AS(crypto::parse_certificate(cut), error);
  CHECK_THROWS_AS(crypto::parse_certificate(cut), error);
}
