#include "tests/tools/maker_ca.hpp"

#include <openssl/x509v3.h>

#include <chrono>
#include <random>
#include <stdexcept>
#include <string>

#include "crypto/openssl_ptr.hpp"
#include "crypto/sm2.hpp"
#include "tests/tools/tool_files.hpp"

namespace sealbridge::tools {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("init-maker: ") + what + " failed");
}

crypto::evp_pkey_ptr sm2_key() {
  crypto::evp_pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")};
  check(key != nullptr, "SM2 key generation");
  return key;
}

struct issued {
  crypto::evp_pkey_ptr key;
  crypto::x509_ptr cert;
};

// Backdated by a day so that clocks a little behind still accept the maker.
issued make_certificate(const char* common_name, const issued* issuer, int valid_years,
                        bool is_ca) {
  issued out{sm2_key(), crypto::x509_ptr{X509_new()}};
  X509* c = out.cert.get();
  check(c != nullptr, "X509_new");
  check(X509_set_version(c, 2) == 1, "X509_set_version");
  std::mt19937_64 rng{std::random_device{}()};
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(c), rng() >> 1);

  X509_NAME* name = X509_get_subject_name(c);
  auto add_name = [&](const char* field, const char* value) {
    check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value), -1, -1, 0) == 1,
          "X509_NAME_add_entry");
  };
  add_name("C", "CN");
  add_name("O", "SealBridge");
  add_name("CN", common_name);
  check(X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer->cert.get()) : name) == 1,
        "X509_set_issuer_name");
  check(X509_gmtime_adj(X509_getm_notBefore(c), -24L * 3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(c), static_cast<long>(valid_years) * 365 * 24 * 3600) !=
            nullptr,
        "notAfter");
  check(X509_set_pubkey(c, out.key.get()) == 1, "X509_set_pubkey");

  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer ? issuer->cert.get() : c, c, nullptr, nullptr, 0);
  auto add_ext = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    check(ext != nullptr, "extension");
    X509_add_ext(c, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add_ext(NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(NID_key_usage,
          is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
  add_ext(NID_subject_key_identifier, "hash");
  if (issuer) add_ext(NID_authority_key_identifier, "keyid:always");

  // make_sign_ctx sets the SM2 distinguishing ID on the signing context; without it OpenSSL 3.0
  // signs with an empty ID and no GM/T verifier accepts the certificate.
  EVP_PKEY* signer = issuer ? issuer->key.get() : out.key.get();
  auto ctx = crypto::make_sign_ctx(signer);
  check(X509_sign_ctx(c, ctx.get()) > 0, "X509_sign_ctx");
  return out;
}

void save(const issued& what, const std::filesystem::path& cert, const std::filesystem::path& key) {
  auto key_pem = private_key_pem(what.key.get());
  write_file(key, as_bytes(key_pem), true);
  auto cert_pem = certificate_pem(what.cert.get());
  write_file(cert, as_bytes(cert_pem));
}

}  // namespace

void init_maker(const maker_files& files) {
  if (std::filesystem::exists(files.root_cert()) || std::filesystem::exists(files.maker_key()))
    throw std::runtime_error("init-maker: " + files.dir.string() + " already holds a seal maker");
  std::filesystem::create_directories(files.dir);
  auto root = make_certificate("SealBridge Demo Seal Maker Root", nullptr, 10, true);
  auto maker = make_certificate("SealBridge Demo Seal Maker", &root, 5, false);
  save(root, files.root_cert(), files.root_key());
  save(maker, files.maker_cert(), files.maker_key());
}

}  // namespace sealbridge::tools
