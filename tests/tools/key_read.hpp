#pragma once

#include <filesystem>
#include <string>

#include "core/bytes.hpp"

namespace sealbridge::tools {

// The uncompressed point (04 || x || y) of the EC or SM2 public key object with this CKA_ID,
// read without login as a UKey shows it. Throws std::runtime_error when there is none.
bytes token_public_point(const std::filesystem::path& module, const std::string& token_label,
                         byte_view id);

}  // namespace sealbridge::tools
