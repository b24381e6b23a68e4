#include "service/durable_file.hpp"

#include <string>

#include "core/error.hpp"
#include "service/native_file.hpp"

namespace sealbridge::service {
namespace {

class file_descriptor {
 public:
  explicit file_descriptor(int fd) : fd_(fd) {}
  ~file_descriptor() {
    if (fd_ >= 0) native_file::close(fd_);
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
    file_descriptor fd(native_file::create_truncated(temp));
    if (fd.get() < 0) throw error(errc::io_error, "cannot create " + temp.string());
    std::size_t written = 0;
    while (written < text.size()) {
      auto n = native_file::write(fd.get(), text.data() + written, text.size() - written);
      if (n <= 0) throw error(errc::io_error, "cannot write " + temp.string());
      written += static_cast<std::size_t>(n);
    }
    if (!native_file::sync(fd.get())) throw error(errc::io_error, "cannot sync " + temp.string());
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) throw error(errc::io_error, "cannot rename " + temp.string() + ": " + ec.message());
  // The rename itself must reach the disk before the key is changed.
  native_file::sync_directory(path.parent_path());
}

}  // namespace sealbridge::service
