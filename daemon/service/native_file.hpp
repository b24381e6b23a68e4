#pragma once

#include <cstddef>
#include <filesystem>

// The file calls that differ between POSIX and Windows, on CRT-style integer descriptors:
// native_file_posix.cpp or native_file_win.cpp, chosen by CMake. Every function sets errno
// and returns -1 / false on failure, like the calls it stands for; none throws.
namespace sealbridge::service::native_file {

// Read-only, not inherited by child processes, not through a symbolic link (POSIX).
int open_for_reading(const std::filesystem::path& path) noexcept;
// A new file only the owner can read and write; fails when the name exists (also as a link).
int create_exclusive(const std::filesystem::path& path) noexcept;
// A new or emptied file only the owner can read and write.
int create_truncated(const std::filesystem::path& path) noexcept;

long read(int fd, void* buffer, std::size_t size) noexcept;
long write(int fd, const void* data, std::size_t size) noexcept;
// Data reaches the disk before this returns true.
bool sync(int fd) noexcept;
bool close(int fd) noexcept;
// Makes a rename inside `dir` durable where the system needs that said (POSIX); best effort.
void sync_directory(const std::filesystem::path& dir) noexcept;

}  // namespace sealbridge::service::native_file
