#include <fcntl.h>
#include <unistd.h>

#include "service/native_file.hpp"

namespace sealbridge::service::native_file {

int open_for_reading(const std::filesystem::path& path) noexcept {
  return ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

int create_exclusive(const std::filesystem::path& path) noexcept {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int create_truncated(const std::filesystem::path& path) noexcept {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

long read(int fd, void* buffer, std::size_t size) noexcept {
  return ::read(fd, buffer, size);
}

long write(int fd, const void* data, std::size_t size) noexcept {
  return ::write(fd, data, size);
}

bool sync(int fd) noexcept {
  return ::fsync(fd) == 0;
}

bool close(int fd) noexcept {
  return ::close(fd) == 0;
}

void sync_directory(const std::filesystem::path& dir) noexcept {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace sealbridge::service::native_file
