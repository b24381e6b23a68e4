// sealbridge-manifest: the release engineers' tool for signed update manifests (docs/updates.md).
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/error.hpp"
#include "crypto/ed25519.hpp"
#include "service/update_manifest.hpp"

namespace {

constexpr const char* kUsage =
    R"(Usage: sealbridge-manifest sign --key KEY.pem [--key KEY.pem] SIGNED.json
       sealbridge-manifest canonical SIGNED.json
       sealbridge-manifest public-key --key KEY.pem

  sign        prints the manifest file: SIGNED.json (the "signed" object: version, serial,
              expires, notes, url, size, sha256) with one Ed25519 signature per key
  canonical   prints the exact bytes a signature covers, e.g. for
              openssl pkeyutl -sign -rawin -inkey KEY.pem -in canonical.bin
  public-key  prints the base64 public key for the daemon's update_public_keys and its keyid

Keys are PEM Ed25519 private keys (openssl genpkey -algorithm ed25519 -out KEY.pem).
)";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sealbridge::error(sealbridge::errc::io_error, "cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sealbridge;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  try {
    std::vector<std::string> keys;
    std::vector<std::string> files;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--key" && i + 1 < args.size()) {
        keys.push_back(read_file(args[++i]));
      } else if (args[i].starts_with("-")) {
        throw error(errc::bad_params, "unknown option " + args[i]);
      } else {
        files.push_back(args[i]);
      }
    }
    const auto& command = args[0];
    if (command == "sign" && files.size() == 1 && !keys.empty()) {
      std::cout << service::sign_manifest(read_file(files[0]), keys);
      return 0;
    }
    if (command == "canonical" && files.size() == 1 && keys.empty()) {
      std::cout << service::canonical_manifest_bytes(read_file(files[0]));
      return 0;
    }
    if (command == "public-key" && files.empty() && keys.size() == 1) {
      auto key = crypto::ed25519_private_key_from_pem(keys[0]);
      auto raw = crypto::ed25519_raw_public_key(key.get());
      std::cout << to_base64(raw) << "\n"
                << "keyid " << service::update_key_id(raw) << "\n";
      return 0;
    }
    std::cerr << kUsage;
    return 2;
  } catch (const error& e) {
    std::cerr << "sealbridge-manifest: " << e.what() << "\n";
    return e.code() == errc::bad_params || e.code() == errc::update_manifest_invalid ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "sealbridge-manifest: " << e.what() << "\n";
    return 1;
  }
}
