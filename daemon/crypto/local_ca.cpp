#include "crypto/local_ca.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>

#include "core/error.hpp"
#include "crypto/cert_info.hpp"
#include "crypto/openssl_ptr.hpp"

namespace sealbridge::crypto {
namespace {

using x509_extension_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BN_free>>;

[[noreturn]] void fail(const std::string& what) {
  std::array<char, 256> reason{};
  ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
  ERR_clear_error();
  throw error(errc::internal, "local TLS: " + what + ": " + reason.data());
}

evp_pkey_ptr new_p256_key() {
  evp_pkey_ptr key(EVP_EC_gen("P-256"));
  if (!key) fail("P-256 key generation");
  return key;
}

void set_random_serial(X509* cert) {
  // 127 random bits: positive, unique per installation, and unpredictable.
  std::array<unsigned char, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) fail("random serial");
  raw[0] &= 0x7f;
  raw[0] |= 0x01;
  bignum_ptr number(BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr));
  if (!number || !BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(cert)))
    fail("serial number");
}

void set_validity(X509* cert, sys_seconds from, sys_seconds until) {
  if (!ASN1_TIME_set(X509_getm_notBefore(cert),
                     static_cast<time_t>(from.time_since_epoch().count())) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert),
                     static_cast<time_t>(until.time_since_epoch().count())))
    fail("validity");
}

void set_name(X509* cert, const std::string& common_name, bool also_issuer) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto* organisation = reinterpret_cast<const unsigned char*>("SealBridge");
  const auto* cn = reinterpret_cast<const unsigned char*>(common_name.c_str());
  if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, organisation, -1, -1, 0) ||
      !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0))
    fail("subject name");
  if (also_issuer && !X509_set_issuer_name(cert, name)) fail("issuer name");
}

// Extensions are given in OpenSSL's configuration syntax: it is the notation administrators
// check certificates with (`openssl x509 -text`), so the code reads like what it produces.
void add_extension(X509* cert, X509V3_CTX& context, int nid, const char* value) {
  x509_extension_ptr ext(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) fail(std::string("extension ") + OBJ_nid2sn(nid));
}

x509_ptr new_certificate(EVP_PKEY* subject_key, sys_seconds from, sys_seconds until) {
  x509_ptr cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), 2) || !X509_set_pubkey(cert.get(), subject_key))
    fail("certificate");
  set_random_serial(cert.get());
  set_validity(cert.get(), from, until);
  return cert;
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    fail("random");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0f];
  }
  return out;
}

std::string pem_of(X509* cert) {
  bio_ptr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("certificate PEM");
  char* data = nullptr;
  auto size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

secret private_key_pem(EVP_PKEY* key) {
  bio_ptr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    fail("private key PEM");
  char* data = nullptr;
  auto size = BIO_get_mem_data(bio.get(), &data);
  return secret(std::string(data, static_cast<std::size_t>(size)));
}

void sign(X509* cert, EVP_PKEY* issuer_key) {
  if (X509_sign(cert, issuer_key, EVP_sha256()) <= 0) fail("signing");
}

}  // namespace

local_tls_material mint_local_tls(sys_seconds now, std::chrono::days leaf_lifetime) {
  leaf_lifetime = std::clamp(leaf_lifetime, std::chrono::days{1}, kMaxLeafLifetime);
  // An hour of slack for clocks that are a little behind the one that minted.
  const sys_seconds from = now - std::chrono::hours{1};
  const sys_seconds until = from + leaf_lifetime;

  local_tls_material out;
  {
    // The root key lives in this scope only; EVP_PKEY_free wipes it on the way out.
    auto root_key = new_p256_key();
    auto root = new_certificate(root_key.get(), from, until);
    // A random suffix tells one installation's root from another's in a trust store.
    set_name(root.get(), "SealBridge Local Root " + random_hex(4), true);
    X509V3_CTX context;
    X509V3_set_ctx(&context, root.get(), root.get(), nullptr, nullptr, 0);
    add_extension(root.get(), context, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_extension(root.get(), context, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(root.get(), context, NID_name_constraints,
                  "critical,permitted;DNS:localhost,permitted;IP:127.0.0.1/255.255.255.255,"
                  "permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    add_extension(root.get(), context, NID_subject_key_identifier, "hash");
    sign(root.get(), root_key.get());

    auto leaf_key = new_p256_key();
    auto leaf = new_certificate(leaf_key.get(), from, until);
    set_name(leaf.get(), "localhost", false);
    if (!X509_set_issuer_name(leaf.get(), X509_get_subject_name(root.get()))) fail("issuer name");
    X509V3_set_ctx(&context, root.get(), leaf.get(), nullptr, nullptr, 0);
    add_extension(leaf.get(), context, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(leaf.get(), context, NID_key_usage, "critical,digitalSignature");
    add_extension(leaf.get(), context, NID_ext_key_usage, "serverAuth");
    add_extension(leaf.get(), context, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    add_extension(leaf.get(), context, NID_subject_key_identifier, "hash");
    add_extension(leaf.get(), context, NID_authority_key_identifier, "keyid:always");
    sign(leaf.get(), root_key.get());

    out.root_certificate_pem = pem_of(root.get());
    out.leaf_certificate_pem = pem_of(leaf.get());
    out.leaf_private_key_pem = private_key_pem(leaf_key.get());
  }
  return out;
}

std::optional<sys_seconds> certificate_not_after(std::string_view pem) {
  bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert) return std::nullopt;
  try {
    return asn1_time_to_sys_seconds(X509_get0_notAfter(cert.get()));
  } catch (const error&) {
    return std::nullopt;
  }
}

bool certificate_matches_key(std::string_view certificate_pem, const secret& key_pem) {
  bio_ptr cert_bio(
      BIO_new_mem_buf(certificate_pem.data(), static_cast<int>(certificate_pem.size())));
  bio_ptr key_bio(BIO_new_mem_buf(key_pem.reveal().data(), static_cast<int>(key_pem.size())));
  if (!cert_bio || !key_bio) return false;
  x509_ptr cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  evp_pkey_ptr key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  bool matches = cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
  ERR_clear_error();
  return matches;
}

}  // namespace sealbridge::crypto
