#pragma once

#include <filesystem>
#include <string_view>

namespace sealbridge::service {

// Writes `text` to `path` so that after return it survives a crash or power loss: a temp file
// is written and fsynced, renamed over `path`, and the directory is fsynced so the rename
// itself is on disk. Readers see the old file or the whole new one, never a torn one. Journals
// rely on this before they let a key be changed. Throws error(io_error).
void write_file_durably(const std::filesystem::path& path, std::string_view text);

}  // namespace sealbridge::service
