#include "tests/tools/tool_files.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "crypto/x509_verify.hpp"

namespace sealbridge::tools {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace

bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const std::filesystem::path& path, byte_view data, bool secret) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  // Private keys are readable by their owner only, as openssl genpkey leaves them.
  if (secret) ::chmod(path.c_str(), 0600);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

crypto::evp_pkey_ptr read_private_key(const std::filesystem::path& path) {
  auto pem = read_file(path);
  crypto::bio_ptr bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  crypto::evp_pkey_ptr key{bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                               : nullptr};
  ERR_clear_error();
  if (!key) throw std::runtime_error("no private key in " + path.string());
  return key;
}

std::string private_key_pem(EVP_PKEY* key) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("cannot encode a private key");
  return bio_text(bio.get());
}

bytes read_certificate_der(const std::filesystem::path& path) {
  auto data = read_file(path);
  try {
    return crypto::certificate_der(crypto::load_certificate(data).get());
  } catch (const std::exception&) {
    throw std::runtime_error("no certificate in " + path.string());
  }
}

std::string certificate_pem(const X509* cert) {
  crypto::bio_ptr bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1)
    throw std::runtime_error("cannot encode a certificate");
  return bio_text(bio.get());
}

}  // namespace sealbridge::tools
