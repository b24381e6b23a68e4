#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "core/iso_time.hpp"
#include "crypto/openssl_ptr.hpp"

// Key and certificate factory for crypto and seal tests: real OpenSSL objects, no fixtures on
// disk except the public samples.
namespace sealbridge::testing {

// kind: "SM2", "P-256", "P-384" or "RSA".
crypto::evp_pkey_ptr generate_key(std::string_view kind);

struct issued {
  crypto::evp_pkey_ptr key;
  crypto::x509_ptr cert;
  bytes der;
};

// A certificate for a fresh key of `kind`, signed by `issuer` (self-signed when null).
issued make_cert(std::string_view kind, const std::string& common_name, const issued* issuer,
                 sys_seconds not_before, sys_seconds not_after, bool is_ca);

bytes read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, byte_view data);
std::filesystem::path sample(std::string_view name);
// A fresh empty directory under the system temp dir, removed by the caller if it cares.
std::filesystem::path fresh_temp_dir(std::string_view prefix);
// Runs a shell command; returns its exit status. Output goes to `output` when given.
int run(const std::string& command, std::string* output = nullptr);
// The code of the sealbridge::error `f` throws; fails the test when it throws none.
errc code_of(const std::function<void()>& f);
std::string pem_of(const X509* cert);
std::string private_key_pem(EVP_PKEY* key);
std::string public_key_pem(EVP_PKEY* key);

}  // namespace sealbridge::testing
