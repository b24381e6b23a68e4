#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>

#include "service/native_file.hpp"

namespace sealbridge::service::native_file {
namespace {

// Binary, or the CRT would translate line ends inside documents; not inherited by children.
constexpr int kAlways = _O_BINARY | _O_NOINHERIT;

// The CRT counts in unsigned int; callers loop over partial reads and writes anyway.
unsigned chunk(std::size_t size) noexcept {
  return static_cast<unsigned>(std::min<std::size_t>(size, INT_MAX));
}

}  // namespace

// Who else may read is decided by the directory's ACL, which under %LOCALAPPDATA% is the
// user's alone; _S_IREAD | _S_IWRITE only keeps the read-only attribute off.
int open_for_reading(const std::filesystem::path& path) noexcept {
  return ::_wopen(path.c_str(), kAlways | _O_RDONLY);
}

int create_exclusive(const std::filesystem::path& path) noexcept {
  return ::_wopen(path.c_str(), kAlways | _O_WRONLY | _O_CREAT | _O_EXCL, _S_IREAD | _S_IWRITE);
}

int create_truncated(const std::filesystem::path& path) noexcept {
  return ::_wopen(path.c_str(), kAlways | _O_WRONLY | _O_CREAT | _O_TRUNC, _S_IREAD | _S_IWRITE);
}

long read(int fd, void* buffer, std::size_t size) noexcept {
  return ::_read(fd, buffer, chunk(size));
}

long write(int fd, const void* data, std::size_t size) noexcept {
  return ::_write(fd, data, chunk(size));
}

bool sync(int fd) noexcept {
  return ::_commit(fd) == 0;
}

bool close(int fd) noexcept {
  return ::_close(fd) == 0;
}

// NTFS journals the rename itself; there is no directory handle to flush.
void sync_directory(const std::filesystem::path&) noexcept {}

}  // namespace sealbridge::service::native_file
