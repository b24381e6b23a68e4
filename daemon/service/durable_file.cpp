#include "service/durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "core/error.hpp"

namespace sealbridge::service {
namespace {

class file_descriptor {
 public:
  explicit file_descriptor(int fd) : fd_(fd) {}
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_descriptor(const file_descriptor&) = delete;
  file_descriptor& operator=(const file_descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

void write_file_durably(const std::filesystem::path& path, std::string_view text) {
  auto temp = path;
  temp += ".tmp";
  {
    file_descriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw error(errc::io_error, "cannot create " + temp.string());
    std::size_t written = 0;
    while (written < text.size()) {
      auto n = ::write(fd.get(), text.data() + written, text.size() - written);
      if (n <= 0) throw error(errc::io_error, "cannot write " + temp.string());
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) throw error(errc::io_error, "cannot sync " + temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) throw error(errc::io_error, "cannot rename " + temp.string() + ": " + ec.message());
  // The rename itself must reach the disk before the key is changed.
  file_descriptor dir(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

}  // namespace sealbridge::service
