#pragma once

// For the GTK programs (the consent dialog, the tray), included by their main.cpp only.
// GTK, fontconfig and D-Bus keep caches until exit by design; in an AddressSanitizer build a
// leak report would turn every answer of the dialog and every quit of the tray into a non-zero
// exit, which the daemon rightly treats as a failure. g++ says ASan with __SANITIZE_ADDRESS__,
// clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define SEALBRIDGE_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SEALBRIDGE_ADDRESS_SANITIZER 1
#endif
#endif

#if defined(SEALBRIDGE_ADDRESS_SANITIZER)
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0";
}
#endif
