#include "service/child_process_win.hpp"

#include <algorithm>
#include <memory>

#include "core/error.hpp"
#include "core/win32_text.hpp"

namespace sealbridge::service {

namespace {

// How long terminate() waits for a killed child to be gone: TerminateProcess is asynchronous.
constexpr DWORD terminate_wait_ms = 5000;
constexpr DWORD join_poll_ms = 200;

[[noreturn]] void fail(const char* what, DWORD code) {
  throw error(errc::internal,
              std::string("consent dialog: ") + what + ": " + win32_error_text(code));
}

struct pipe_pair {
  unique_handle read, write;
};

// Neither end inheritable: only the child's end is made so, just before CreateProcess, and the
// handle list then limits inheritance to exactly the handles named there. (Another CreateProcess
// with bInheritHandles in that moment, without a list of its own, could still take them: no
// other code of the daemon starts processes.)
pipe_pair make_pipe() {
  HANDLE read = nullptr, write = nullptr;
  SECURITY_ATTRIBUTES attributes{sizeof attributes, nullptr, FALSE};
  if (!CreatePipe(&read, &write, &attributes, 0)) fail("CreatePipe", GetLastError());
  return {unique_handle(read), unique_handle(write)};
}

void make_inheritable(const unique_handle& handle) {
  if (!SetHandleInformation(handle.get(), HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
    fail("SetHandleInformation", GetLastError());
}

// The one attribute CreateProcess gets: the list of handles the child may inherit.
class handle_list_attribute {
 public:
  explicit handle_list_attribute(std::vector<HANDLE> handles) : handles_(std::move(handles)) {
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    storage_ = std::make_unique<unsigned char[]>(size);
    list_ = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.get());
    if (!InitializeProcThreadAttributeList(list_, 1, 0, &size)) {
      list_ = nullptr;
      fail("InitializeProcThreadAttributeList", GetLastError());
    }
    if (!UpdateProcThreadAttribute(list_, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                   handles_.size() * sizeof(HANDLE), nullptr, nullptr)) {
      const DWORD code = GetLastError();
      DeleteProcThreadAttributeList(list_);
      list_ = nullptr;
      fail("UpdateProcThreadAttribute", code);
    }
  }
  ~handle_list_attribute() {
    if (list_) DeleteProcThreadAttributeList(list_);
  }
  handle_list_attribute(const handle_list_attribute&) = delete;
  handle_list_attribute& operator=(const handle_list_attribute&) = delete;

  LPPROC_THREAD_ATTRIBUTE_LIST get() const noexcept { return list_; }

 private:
  std::vector<HANDLE> handles_;  // must outlive the list, which points into it
  std::unique_ptr<unsigned char[]> storage_;
  LPPROC_THREAD_ATTRIBUTE_LIST list_ = nullptr;
};

bool cannot_run(DWORD code) {
  return code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND ||
         code == ERROR_ACCESS_DENIED || code == ERROR_BAD_EXE_FORMAT ||
         code == ERROR_EXE_MACHINE_TYPE_MISMATCH;
}

unique_handle start_thread(LPTHREAD_START_ROUTINE routine, void* self) {
  HANDLE thread =
      CreateThread(nullptr, 64 * 1024, routine, self, STACK_SIZE_PARAM_IS_A_RESERVATION, nullptr);
  if (!thread) fail("CreateThread", GetLastError());
  return unique_handle(thread);
}

}  // namespace

windows_child_process::windows_child_process(const std::filesystem::path& program,
                                             std::string input, std::size_t output_max)
    : input_(std::move(input)), output_(output_max) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(program, ec))
    throw error(errc::not_supported, "the consent dialog program is missing");

  pipe_pair in = make_pipe();
  pipe_pair out = make_pipe();
  make_inheritable(in.read);
  make_inheritable(out.write);
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  unique_handle null_device(CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                        &inheritable, OPEN_EXISTING, 0, nullptr));
  if (!null_device) fail("CreateFile(NUL)", GetLastError());

  output_done_.reset(CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!output_done_) fail("CreateEvent", GetLastError());

  handle_list_attribute inherit({in.read.get(), out.write.get(), null_device.get()});
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = in.read.get();
  startup.StartupInfo.hStdOutput = out.write.get();
  startup.StartupInfo.hStdError = null_device.get();
  startup.lpAttributeList = inherit.get();

  const std::wstring application = program.wstring();
  std::wstring command_line = L"\"" + application + L"\"";
  // Its own directory as the current one: never the daemon's, wherever that happens to be.
  const std::wstring directory = program.parent_path().wstring();
  PROCESS_INFORMATION started{};
  // The daemon's environment, which is the user's session's: the POSIX broker filters its list
  // to keep LD_PRELOAD and GTK modules out; a Win32 program loads no code because of a variable
  // (.NET's profiler variables aside, which it is not).
  if (!CreateProcessW(application.c_str(), command_line.data(), nullptr, nullptr, TRUE,
                      EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT, nullptr,
                      directory.empty() ? nullptr : directory.c_str(), &startup.StartupInfo,
                      &started)) {
    const DWORD code = GetLastError();
    if (cannot_run(code))
      throw error(errc::not_supported, "consent dialog: " + win32_error_text(code));
    fail("CreateProcess", code);
  }
  CloseHandle(started.hThread);
  process_.reset(started.hProcess);
  pid_ = started.dwProcessId;
  // The daemon rarely owns the foreground, but when it does the dialog may take it over.
  AllowSetForegroundWindow(pid_);

  // The child has its copies now; ours must go, or its exit would never end our reads.
  in.read.reset();
  out.write.reset();
  stdin_ = std::move(in.write);
  stdout_ = std::move(out.read);
  try {
    writer_ = start_thread(write_thread, this);
    reader_ = start_thread(read_thread, this);
  } catch (...) {
    terminate();
    join(writer_);
    throw;
  }
}

windows_child_process::~windows_child_process() {
  terminate();
  join(writer_);
  join(reader_);
  SecureZeroMemory(output_.data(), output_.size());
  SecureZeroMemory(input_.data(), input_.size());
}

DWORD WINAPI windows_child_process::write_thread(void* self) noexcept {
  static_cast<windows_child_process*>(self)->write_input();
  return 0;
}

DWORD WINAPI windows_child_process::read_thread(void* self) noexcept {
  static_cast<windows_child_process*>(self)->read_output();
  return 0;
}

void windows_child_process::write_input() noexcept {
  std::size_t written = 0;
  while (written < input_.size()) {
    const auto chunk = static_cast<DWORD>(std::min<std::size_t>(input_.size() - written, 65536));
    DWORD n = 0;
    // Fails once the child has closed its end or gone: its answer (or exit) will tell why.
    if (!WriteFile(stdin_.get(), input_.data() + written, chunk, &n, nullptr) || n == 0) break;
    written += n;
  }
  stdin_.reset();  // the dialog reads its request to the end
  SecureZeroMemory(input_.data(), input_.size());
}

void windows_child_process::read_output() noexcept {
  std::size_t received = 0;
  for (;;) {
    if (received == output_.size()) {
      // One byte more than anyone may send: the answer is too long, whatever follows.
      char probe = 0;
      DWORD n = 0;
      if (ReadFile(stdout_.get(), &probe, 1, &n, nullptr) && n > 0)
        overflowed_.store(true, std::memory_order_release);
      break;
    }
    DWORD n = 0;
    const auto room = static_cast<DWORD>(output_.size() - received);
    if (!ReadFile(stdout_.get(), output_.data() + received, room, &n, nullptr) || n == 0) break;
    received += n;
    received_.store(received, std::memory_order_release);
  }
  stdout_.reset();
  SetEvent(output_done_.get());
}

void windows_child_process::join(unique_handle& thread) noexcept {
  if (!thread) return;
  // A read or write still blocked (a handle of the child's kept open elsewhere) is cancelled.
  while (WaitForSingleObject(thread.get(), join_poll_ms) == WAIT_TIMEOUT)
    CancelSynchronousIo(thread.get());
  thread.reset();
}

bool windows_child_process::exited() const noexcept {
  return !process_ || WaitForSingleObject(process_.get(), 0) == WAIT_OBJECT_0;
}

bool windows_child_process::output_finished() const noexcept {
  return WaitForSingleObject(output_done_.get(), 0) == WAIT_OBJECT_0;
}

std::string_view windows_child_process::output() const noexcept {
  return std::string_view(output_.data(), received_.load(std::memory_order_acquire));
}

std::optional<DWORD> windows_child_process::exit_code() const noexcept {
  DWORD code = 0;
  if (!exited() || !GetExitCodeProcess(process_.get(), &code)) return std::nullopt;
  return code;
}

void windows_child_process::terminate() noexcept {
  if (!process_ || exited()) return;
  TerminateProcess(process_.get(), ERROR_PROCESS_ABORTED);
  WaitForSingleObject(process_.get(), terminate_wait_ms);
}

}  // namespace sealbridge::service
