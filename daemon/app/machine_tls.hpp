#pragma once

#include <filesystem>
#include <string_view>

// The local TLS files kept once for every user of a Windows machine, and their root in the
// machine's trusted roots: what `sealbridged tls-setup --machine` does from the MSI, which runs
// it as SYSTEM. A per-user daemon cannot add a root to the machine store (and a root in the
// user's own store costs every user a security prompt), so on Windows the installer mints one
// root for all and each user's daemon serves that leaf. POSIX has none of this: each user's
// daemon mints its own, and trust-root.sh puts it into that user's NSS database. Where the
// files are: machine_tls_state_dir() (app/platform.hpp).
namespace sealbridge::app {

// Creates `dir` and gives it a protected DACL: SYSTEM and Administrators full control, Users
// read. Every user's daemon must read the leaf key; none may replace it. Throws
// error(io_error) when the directory cannot be made or its DACL set; error(not_supported) on
// POSIX.
void restrict_machine_tls_dir(const std::filesystem::path& dir);

// Adds the root certificate (PEM) to LocalMachine\ROOT and deletes every other SealBridge
// local root there (a renewal mints a new root; the old one must not stay trusted). Throws
// error(io_error) when the store refuses; error(not_supported) on POSIX.
void trust_machine_root(std::string_view root_pem);

// Deletes every SealBridge local root from LocalMachine\ROOT; returns how many. Throws
// error(io_error) when the store cannot be opened; error(not_supported) on POSIX.
int distrust_machine_roots();

}  // namespace sealbridge::app
