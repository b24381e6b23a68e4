#pragma once

#include <filesystem>

namespace sealbridge::tools {

// The files of a demo seal maker directory made by init_maker.
struct maker_files {
  std::filesystem::path dir;
  std::filesystem::path root_cert() const { return dir / "root.pem"; }
  std::filesystem::path root_key() const { return dir / "root.key"; }
  std::filesystem::path maker_cert() const { return dir / "maker.pem"; }
  std::filesystem::path maker_key() const { return dir / "maker.key"; }
};

// An SM2 seal-maker root CA (self-signed) and a maker certificate under it, keys as PEM.
// Refuses to overwrite an existing maker: seals issued by it would stop verifying.
void init_maker(const maker_files& files);

}  // namespace sealbridge::tools
