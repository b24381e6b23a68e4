# Windows (mingw-w64) replacements for the find_package calls of the top-level CMakeLists:
# Boost.Beast/Asio, nlohmann/json, spdlog and fmt are used header-only from
# SEALBRIDGE_WINDOWS_DEPS/include; OpenSSL is a static mingw build (OPENSSL_ROOT_DIR).
if(NOT SEALBRIDGE_WINDOWS_DEPS)
  message(FATAL_ERROR "set SEALBRIDGE_WINDOWS_DEPS (see scripts/build-windows.sh)")
endif()
set(windows_deps_include ${SEALBRIDGE_WINDOWS_DEPS}/include)

# Windows 10 API level; no min/max macros from windows.h, no winsock 1 from it either.
add_compile_definitions(_WIN32_WINNT=0x0A00 WINVER=0x0A00 NOMINMAX WIN32_LEAN_AND_MEAN UNICODE
                        _UNICODE)

set(OPENSSL_USE_STATIC_LIBS TRUE)
find_package(OpenSSL 3.0 REQUIRED)
# A static libcrypto on Windows needs these system libraries.
set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES ws2_32 crypt32 user32
                                                                            advapi32)

add_library(Boost::system INTERFACE IMPORTED)
target_include_directories(Boost::system SYSTEM INTERFACE ${windows_deps_include})
target_link_libraries(Boost::system INTERFACE ws2_32 mswsock)

add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE ${windows_deps_include})

# Debian's spdlog expects an external fmt; both header-only here.
add_library(spdlog::spdlog INTERFACE IMPORTED)
target_include_directories(spdlog::spdlog SYSTEM INTERFACE ${windows_deps_include})
target_compile_definitions(spdlog::spdlog INTERFACE FMT_HEADER_ONLY)

set(PKCS11_INCLUDE_DIR ${windows_deps_include})
