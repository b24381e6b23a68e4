#pragma once

#include <filesystem>
#include <string>

namespace sealbridge::app {

// stderr plus a size-rotated file in <state_dir>/logs. Throws error(bad_params) for an
// unknown level name.
void setup_logging(const std::filesystem::path& state_dir, const std::string& level);

}  // namespace sealbridge::app
