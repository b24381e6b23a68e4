#include "core/thread_name.hpp"

#include <string>

#ifdef _WIN32
#include <windows.h>
#else
#include <pthread.h>
#endif

namespace sealbridge {

void name_this_thread(std::string_view name) noexcept {
  try {
#ifdef _WIN32
    // SetThreadDescription exists from Windows 10 1607; look it up so older systems still run.
    using set_description = HRESULT(WINAPI*)(HANDLE, PCWSTR);
    static const auto set = reinterpret_cast<set_description>(reinterpret_cast<void*>(
        ::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), "SetThreadDescription")));
    if (!set) return;
    std::wstring wide(name.begin(), name.end());  // our names are ASCII
    set(::GetCurrentThread(), wide.c_str());
#else
    std::string cut(name.substr(0, 15));
    ::pthread_setname_np(::pthread_self(), cut.c_str());
#endif
  } catch (...) {
    // Naming is a diagnostic nicety; running out of memory for it must not stop the thread.
  }
}

}  // namespace sealbridge
