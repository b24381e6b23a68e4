#pragma once

#include <filesystem>
#include <string>

#include "core/bytes.hpp"
#include "crypto/openssl_ptr.hpp"

// File helpers shared by the sealmaker subcommands. Failures throw std::runtime_error with the
// path in the message; main() prints it.
namespace sealbridge::tools {

bytes read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, byte_view data, bool secret = false);

crypto::evp_pkey_ptr read_private_key(const std::filesystem::path& path);
std::string private_key_pem(EVP_PKEY* key);
// DER or PEM in, DER out.
bytes read_certificate_der(const std::filesystem::path& path);
std::string certificate_pem(const X509* cert);

}  // namespace sealbridge::tools
