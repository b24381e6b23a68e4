#include "test_certs.hpp"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include "crypto/sm2.hpp"

namespace sealbridge::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

ASN1_TIME* set_time(ASN1_TIME* t, sys_seconds at) {
  return ASN1_TIME_set(t, static_cast<time_t>(at.time_since_epoch().count()));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

crypto::evp_pkey_ptr generate_key(std::string_view kind) {
  EVP_PKEY* key = nullptr;
  if (kind == "SM2") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2");
  } else if (kind == "P-256") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  } else if (kind == "P-384") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  } else if (kind == "RSA") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  }
  check(key != nullptr, "key generation failed");
  return crypto::evp_pkey_ptr{key};
}

issued make_cert(std::string_view kind, const std::string& common_name, const issued* issuer,
                 sys_seconds not_before, sys_seconds not_after, bool is_ca) {
  issued out;
  out.key = generate_key(kind);
  out.cert.reset(X509_new());
  X509* c = out.cert.get();
  check(X509_set_version(c, 2) == 1, "version");
  static std::mt19937_64 rng{std::random_device{}()};
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(c), rng() >> 1);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("CN"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer->cert.get()) : name);
  set_time(X509_getm_notBefore(c), not_before);
  set_time(X509_getm_notAfter(c), not_after);
  check(X509_set_pubkey(c, out.key.get()) == 1, "pubkey");

  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, issuer ? issuer->cert.get() : c, c, nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    check(ext != nullptr, "extension");
    X509_add_ext(c, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add(NID_key_usage,
      is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
  add(NID_subject_key_identifier, "hash");
  if (issuer) add(NID_authority_key_identifier, "keyid:always");

  EVP_PKEY* signer = issuer ? issuer->key.get() : out.key.get();
  auto ctx = crypto::make_sign_ctx(signer);
  check(X509_sign_ctx(c, ctx.get()) > 0, "X509_sign_ctx");

  const int len = i2d_X509(c, nullptr);
  out.der.resize(static_cast<std::size_t>(len));
  unsigned char* p = out.der.data();
  i2d_X509(c, &p);
  return out;
}

bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& path, byte_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::filesystem::path sample(std::string_view name) {
  return std::filesystem::path(SEALBRIDGE_SAMPLES_DIR) / name;
}

std::filesystem::path fresh_temp_dir(std::string_view prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  auto dir =
      std::filesystem::temp_directory_path() / (std::string(prefix) + "-" + std::to_string(rng()));
  std::filesystem::create_directories(dir);
  return dir;
}

int run(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) text.append(buf, n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string pem_of(const X509* cert) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

std::string private_key_pem(EVP_PKEY* key) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

std::string public_key_pem(EVP_PKEY* key) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  PEM_write_bio_PUBKEY(bio.get(), key);
  return bio_text(bio.get());
}

errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.code();
  }
  FAIL("no error thrown");
  return errc::internal;
}

}  // namespace sealbridge::testing
