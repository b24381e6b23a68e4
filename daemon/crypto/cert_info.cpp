#include "crypto/cert_info.hpp"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>
#include <memory>

#include "core/error.hpp"
#include "crypto/openssl_ptr.hpp"

namespace sealbridge::crypto {
namespace {

// OPENSSL_free is a macro, so it cannot be a template argument of openssl_deleter.
struct openssl_string_free {
  void operator()(char* p) const noexcept { OPENSSL_free(p); }
};

std::string name_to_string(const X509_NAME* name) {
  bio_ptr bio{BIO_new(BIO_s_mem())};
  if (!bio) throw error(errc::internal, "BIO_new failed");
  // RFC 2253 escapes every non-ASCII byte by default; Chinese names must stay readable UTF-8.
  constexpr unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0)
    throw error(errc::cert_invalid, "unprintable name");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

sys_seconds to_sys_seconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) throw error(errc::cert_invalid, "unreadable validity time");
  return sys_seconds{std::chrono::seconds{timegm(&tm)}};
}

std::string serial_to_hex(const ASN1_INTEGER* serial) {
  std::unique_ptr<BIGNUM, openssl_deleter<BN_free>> bn{ASN1_INTEGER_to_BN(serial, nullptr)};
  if (!bn) throw error(errc::cert_invalid, "unreadable serial number");
  if (BN_is_zero(bn.get())) return "00";
  std::unique_ptr<char, openssl_string_free> hex{BN_bn2hex(bn.get())};
  std::string out = hex ? hex.get() : "";
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Keep whole octets so the value matches what `openssl x509 -serial` users compare against.
  if (!out.empty() && out[0] != '-' && out.size() % 2 == 1) out.insert(out.begin(), '0');
  return out;
}

std::string key_type_of(X509* cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert);
  if (key == nullptr) return "unknown";
  if (EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "RSA-PSS")) return "RSA";
  if (EVP_PKEY_is_a(key, "SM2")) return "SM2";
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 &&
        std::string_view(group, len) == "SM2")
      return "SM2";
    return "EC";
  }
  return EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "unknown";
}

std::vector<std::string> usage_of(X509* cert) {
  static constexpr std::pair<std::uint32_t, const char*> kBits[] = {
      {KU_DIGITAL_SIGNATURE, "digitalSignature"}, {KU_NON_REPUDIATION, "nonRepudiation"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},   {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},         {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"},                   {KU_ENCIPHER_ONLY, "encipherOnly"},
      {KU_DECIPHER_ONLY, "decipherOnly"}};
  std::vector<std::string> out;
  // Without the extension every usage is permitted; report none rather than guess.
  if ((X509_get_extension_flags(cert) & EXFLAG_KUSAGE) == 0) return out;
  std::uint32_t bits = X509_get_key_usage(cert);
  for (auto [bit, name] : kBits) {
    if (bits & bit) out.emplace_back(name);
  }
  return out;
}

}  // namespace

certificate_info parse_certificate(byte_view der) {
  const unsigned char* p = der.data();
  x509_ptr cert{d2i_X509(nullptr, &p, static_cast<long>(der.size()))};
  if (!cert) throw error(errc::cert_invalid, "not a DER X.509 certificate");
  if (p != der.data() + der.size()) throw error(errc::cert_invalid, "trailing bytes after certificate");
  certificate_info info;
  info.subject = name_to_string(X509_get_subject_name(cert.get()));
  info.issuer = name_to_string(X509_get_issuer_name(cert.get()));
  info.serial_hex = serial_to_hex(X509_get0_serialNumber(cert.get()));
  info.not_before = to_sys_seconds(X509_get0_notBefore(cert.get()));
  info.not_after = to_sys_seconds(X509_get0_notAfter(cert.get()));
  info.key_type = key_type_of(cert.get());
  info.usage = usage_of(cert.get());
  return info;
}

}  // namespace sealbridge::crypto
