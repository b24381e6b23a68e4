#include "app/machine_tls.hpp"
#include "core/error.hpp"

// POSIX has no machine-wide TLS files (machine_tls_state_dir() is empty there, and
// `tls-setup --machine` refuses before calling these).
namespace sealbridge::app {
namespace {

[[noreturn]] void windows_only() {
  throw error(errc::not_supported, "the machine's trusted roots are a Windows store");
}

}  // namespace

void restrict_machine_tls_dir(const std::filesystem::path&) {
  windows_only();
}
void trust_machine_root(std::string_view) {
  windows_only();
}
int distrust_machine_roots() {
  windows_only();
}

}  // namespace sealbridge::app
